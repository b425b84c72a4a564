from __future__ import annotations

from berichtenbox.app import create_app
from berichtenbox.settings import BerichtenboxSettings
from mijnoverheid.contracts.berichtenbox import SERVICE
from mijnoverheid.runtime import serve


def main() -> None:
    settings = BerichtenboxSettings()  # from the environment
    serve(create_app(settings), settings, SERVICE)


if __name__ == "__main__":
    main()
