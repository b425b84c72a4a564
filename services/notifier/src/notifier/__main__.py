from __future__ import annotations

from mijnoverheid.contracts.notifier import SERVICE
from mijnoverheid.runtime import serve
from notifier.app import create_app
from notifier.settings import NotifierSettings


def main() -> None:
    settings = NotifierSettings()  # from the environment
    serve(create_app(settings), settings, SERVICE)


if __name__ == "__main__":
    main()
