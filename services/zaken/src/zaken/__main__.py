from __future__ import annotations

from mijnoverheid.contracts.zaken import SERVICE
from mijnoverheid.runtime import serve
from zaken.app import create_app
from zaken.settings import ZakenSettings


def main() -> None:
    settings = ZakenSettings()  # from the environment
    serve(create_app(settings), settings, SERVICE)


if __name__ == "__main__":
    main()
