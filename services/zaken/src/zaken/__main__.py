from mijnoverheid.runtime import run
from mijnoverheid.settings import PlatformSettings
from zaken.app import compose


def main() -> None:
    run(compose, PlatformSettings)


if __name__ == "__main__":
    main()
