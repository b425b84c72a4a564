"""The private test CA shaped like PKIoverheid, for local use and tests (never production).

    .venv/bin/python scripts/pki.py [DIR]            create or bring up to date (.local/pki/)
    .venv/bin/python scripts/pki.py --user CERT.pem  the broker user a certificate logs in as
    .venv/bin/python scripts/pki.py [DIR] --exports  also print shell exports naming each
                                                     service's broker user (its DN), e.g.
                                                     NOTIFIER_BROKER_USER, for `make run`

Idempotent: existing keys and certificates are kept while they fit and do not expire within
30 days; CRLs are reissued a week before their next update. DIR/index.json lists every file.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from cryptography import x509

from mijnoverheid.certificates import oin_of, rabbitmq_username
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.settings import REPOSITORY_ROOT
from mijnoverheid_testing.pki.catalogue import PLATFORM_OIN, SERVICES
from mijnoverheid_testing.pki.index import TestPki
from mijnoverheid_testing.pki.testca import build


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("directory", nargs="?", type=Path, default=REPOSITORY_ROOT / ".local/pki")
    parser.add_argument(
        "--registry", type=Path, default=REPOSITORY_ROOT / "config" / "organisations.yaml"
    )
    parser.add_argument("--platform-oin", default=os.environ.get("PLATFORM_OIN", PLATFORM_OIN))
    parser.add_argument("--user", type=Path, metavar="CERT", help="print a certificate's user")
    parser.add_argument(
        "--exports", action="store_true", help="print <SERVICE>_BROKER_USER exports on stdout"
    )
    arguments = parser.parse_args()
    if arguments.user is not None:
        certificate = x509.load_pem_x509_certificates(arguments.user.read_bytes())[0]
        print(rabbitmq_username(certificate))
        try:
            print(f"OIN (subject serialNumber): {oin_of(certificate)}", file=sys.stderr)
        except ValueError as error:
            print(f"no OIN: {error}", file=sys.stderr)
        return 0
    registry = OrganisationRegistry.load(arguments.registry)
    index = build(arguments.directory, registry, arguments.platform_oin)
    summary = f"test PKI in {arguments.directory}: {len(index['leaves'])} certificates"
    print(summary, file=sys.stderr if arguments.exports else sys.stdout)
    if arguments.exports:
        pki = TestPki.load(arguments.directory)
        for service in SERVICES:
            user = pki.service(service).rabbitmq_user
            print(f"export {service.upper()}_BROKER_USER={shlex.quote(user)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
