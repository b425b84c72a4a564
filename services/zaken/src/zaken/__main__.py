from __future__ import annotations

from mijnoverheid.runtime import serve
from mijnoverheid.settings import PlatformSettings
from zaken.app import SERVICE, create_app


def main() -> None:
    settings = PlatformSettings()  # from the environment
    serve(create_app(settings), settings, SERVICE)


if __name__ == "__main__":
    main()
