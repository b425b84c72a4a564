from mijnoverheid.runtime import run
from notifier.app import compose
from notifier.settings import NotifierSettings


def main() -> None:
    run(compose, NotifierSettings)


if __name__ == "__main__":
    main()
