"""`python -m digid_mock`: the DigiD mock, for development and tests only."""

from __future__ import annotations

import asyncio
import sys

import uvicorn

from digid_mock.app import create_app
from digid_mock.settings import MockSettings, NotInDevelopmentError
from mijnoverheid import logs


def main() -> None:
    settings = MockSettings()
    logs.configure(settings.log_level, "digid-mock")
    try:
        app = create_app(settings)
    except NotInDevelopmentError as refused:
        print(f"digid-mock: {refused}", file=sys.stderr)
        sys.exit(2)
    config = uvicorn.Config(
        app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False
    )
    asyncio.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main()
