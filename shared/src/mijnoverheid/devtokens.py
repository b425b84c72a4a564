"""Mint a citizen token for local use: `python -m mijnoverheid.devtokens --bsn 999990019`.

Signed with config/dev-token-issuer.key, a key for local development and tests only; real
deployments trust only the portal (CITIZEN_TOKEN_ISSUERS); the development issuer is accepted
only where MIJNOVERHEID_ENVIRONMENT=development.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

from mijnoverheid.auth import load_private_key, mint_token
from mijnoverheid.settings import REPOSITORY_ROOT

DEV_PRIVATE_KEY = REPOSITORY_ROOT / "config" / "dev-token-issuer.key"
DEV_PUBLIC_KEYS = REPOSITORY_ROOT / "config" / "dev-token-issuer.pub"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bsn", required=True)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--key", type=Path, default=DEV_PRIVATE_KEY)
    arguments = parser.parse_args()
    key = load_private_key(arguments.key)
    print(mint_token(key, arguments.bsn, timedelta(minutes=arguments.minutes)))


if __name__ == "__main__":
    main()
