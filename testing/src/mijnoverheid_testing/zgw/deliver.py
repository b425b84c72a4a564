"""`python -m mijnoverheid_testing.zgw.deliver`: tell a running connector (`make run`) that the
demo zaak of the development ZGW API changed, as the municipality's Open Notificaties would:
OAuth2 client credentials, then a thin `zaak-gemuteerd` CloudEvent. Development only."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from mijnoverheid.settings import REPOSITORY_ROOT
from mijnoverheid_testing.pki.index import verifying_context
from mijnoverheid_testing.zgw.__main__ import DEMO_ZAAK
from mijnoverheid_testing.zgw.notificaties import GEMUTEERD, OpenNotificaties, thin_event

CLIENT = "voorbeeldstad-open-notificaties"


async def deliver(endpoint: str, zaken_api: str, trust: Path) -> int:
    notificaties = OpenNotificaties(
        endpoint, CLIENT, f"{CLIENT}-local-secret", verifying_context(trust)
    )
    zaak = {
        "uuid": DEMO_ZAAK,
        "url": f"{zaken_api}zaken/{DEMO_ZAAK}",
        "zaaktype": zaken_api.replace("zaken/api", "catalogi/api") + "zaaktypen/demo",
    }
    answer = await notificaties.deliver(thin_event(GEMUTEERD, zaak))
    print(f"{answer.status_code} {answer.text}".strip())
    return 0 if answer.status_code == 202 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connector", default="https://localhost:8088")
    parser.add_argument("--zaken-api", default="https://localhost:8086/zaken/api/v1/")
    parser.add_argument(
        "--trust", type=Path, default=REPOSITORY_ROOT / ".local" / "pki" / "ca" / "bundle.pem"
    )
    arguments = parser.parse_args()
    return asyncio.run(deliver(arguments.connector, arguments.zaken_api, arguments.trust))


if __name__ == "__main__":
    raise SystemExit(main())
