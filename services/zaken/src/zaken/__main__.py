from mijnoverheid.runtime import run
from zaken.app import compose
from zaken.settings import ZakenSettings


def main() -> None:
    run(compose, ZakenSettings)


if __name__ == "__main__":
    main()
