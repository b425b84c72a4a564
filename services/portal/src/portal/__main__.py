"""`python -m portal`: MijnOverheid for citizens."""

from __future__ import annotations

import asyncio

import uvicorn

from mijnoverheid import logs
from mijnoverheid.runtime import load_settings, refuse_unsafe_production
from portal.settings import PortalSettings
from portal.web.app import create_app


def main() -> None:
    settings = load_settings(PortalSettings)  # from the environment
    refuse_unsafe_production(settings)
    logs.configure(settings.log_level, "portal")
    config = uvicorn.Config(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,  # access lines would carry paths and addresses
        proxy_headers=False,
    )
    asyncio.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main()
