from gegevens.app import compose
from mijnoverheid.runtime import run
from mijnoverheid.settings import PlatformSettings


def main() -> None:
    run(compose, PlatformSettings)


if __name__ == "__main__":
    main()
