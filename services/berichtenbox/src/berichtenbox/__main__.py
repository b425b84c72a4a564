from berichtenbox.app import compose
from berichtenbox.settings import BerichtenboxSettings
from mijnoverheid.runtime import run


def main() -> None:
    run(compose, BerichtenboxSettings)


if __name__ == "__main__":
    main()
