from __future__ import annotations

from gegevens.app import create_app
from mijnoverheid.contracts.gegevens import SERVICE
from mijnoverheid.runtime import serve
from mijnoverheid.settings import PlatformSettings


def main() -> None:
    settings = PlatformSettings()  # from the environment
    serve(create_app(settings), settings, SERVICE)


if __name__ == "__main__":
    main()
