"""`python -m mijnoverheid_testing.zgw`: the test ZGW API for `make run` (development only),
with one demo case: a parking permit application of J. Jansen (BSN 999993653), received and
in behandeling, at a fixed URL (`DEMO_ZAAK`), so `python -m mijnoverheid_testing.zgw.deliver`
can tell the connector about it as Open Notificaties would."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn

from mijnoverheid_testing.zgw.api import ZgwApi
from mijnoverheid_testing.zgw.data import ZgwData
from mijnoverheid_testing.zgw.server import uvicorn_config

DEMO_BSN = "999993653"
DEMO_ZAAK = "7d5f1c2e-4b8a-4f3e-9c61-2a0d8e5b3f47"


def seed(data: ZgwData) -> None:
    zaaktype = data.zaaktype("Aanvraag parkeervergunning")
    ontvangen = data.statustype(zaaktype, "Aanvraag ontvangen", 1)
    behandeling = data.statustype(zaaktype, "In behandeling", 2)
    zaak = data.zaak(zaaktype, "ZAAK-2026-ZGW-0001", key=DEMO_ZAAK)
    data.initiator(zaak, DEMO_BSN)
    now = datetime.now(UTC).replace(microsecond=0)
    data.status(zaak, ontvangen, now - timedelta(days=2))
    data.status(
        zaak, behandeling, now - timedelta(hours=1), "Een medewerker beoordeelt uw aanvraag."
    )
    print(f"demo zaak: {zaak['url']}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8086)
    parser.add_argument("--cert", type=Path, required=True, help="server certificate (PEM)")
    parser.add_argument("--key", type=Path, required=True, help="its key (PEM)")
    parser.add_argument(
        "--client", action="append", default=[], metavar="ID:SECRET", help="a trusted client"
    )
    arguments = parser.parse_args()
    clients = dict(client.split(":", 1) for client in arguments.client)
    api = ZgwApi(ZgwData(f"https://localhost:{arguments.port}/"), clients)
    seed(api.data)
    server = uvicorn.Server(uvicorn_config(api, arguments.port, arguments.cert, arguments.key))
    asyncio.run(server.serve())


if __name__ == "__main__":
    main()
