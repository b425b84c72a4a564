"""A service started in production with a development secret or a plain connection exits at
once, with one clear line per setting that names it, and before it connects to anything.

Each case starts the real process (`python -m <service>`) from a configuration that is fit for
production (checked in-process first, so no case passes because the baseline was already
refused) with one thing changed, and reads its exit code and stderr.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

import pytest

from berichtenbox.settings import DEV_RECEIPT_KEY, BerichtenboxSettings
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.runtime import load_settings
from mijnoverheid.settings import DEV_TOKEN_ISSUER, DEV_TOKEN_ISSUER_KEYS, PlatformSettings
from mijnoverheid.tls import certificate_problems
from mijnoverheid_testing.pki.catalogue import PLATFORM_OIN
from mijnoverheid_testing.pki.index import TestPki
from mijnoverheid_testing.pki.testca import build
from mijnoverheid_testing.tlsstack import ProductionSecrets
from notifier.settings import NotifierSettings
from portal.settings import PortalSettings

pytestmark = pytest.mark.integration

REFUSED = 2
CONCURRENT_STARTS = 4
SETTINGS = {
    "berichtenbox": BerichtenboxSettings,
    "zaken": PlatformSettings,
    "gegevens": PlatformSettings,
    "notifier": NotifierSettings,
    "portal": PortalSettings,
}
# Nothing listens here: a case that got past the checks could not connect anywhere.
NOWHERE = "localhost:9"


@pytest.fixture(scope="module")
def fit_for_production(
    tmp_path_factory: pytest.TempPathFactory, registry: OrganisationRegistry
) -> dict[str, dict[str, str]]:
    """Per service: a production environment with TLS everywhere and real keys."""
    work = tmp_path_factory.mktemp("production")
    build(work / "pki", registry, PLATFORM_OIN)
    pki = TestPki.load(work / "pki")
    secrets = ProductionSecrets.generate(work / "secrets")
    (work / "oidc-client.jwk.json").write_text("{}")
    trusted = {f"{name.upper()}_BROKER_USER": pki.service(name).rabbitmq_user for name in SETTINGS}
    issuers = [{"issuer": "urn:nld:mijnoverheid:portal", "keys": str(secrets.token_issuer_keys)}]
    environments = {}
    for service in SETTINGS:
        certificate = pki.service(service)
        environments[service] = {
            "MIJNOVERHEID_ENVIRONMENT": "production",
            "AMQP_URL": f"amqps://{NOWHERE}/mijnoverheid",
            "AMQP_CA_FILE": str(pki.bundle),
            "AMQP_CERT_FILE": str(certificate.certificate),
            "AMQP_KEY_FILE": str(certificate.key),
            "MONGODB_URL": f"mongodb://{NOWHERE}/",
            "MONGODB_CA_FILE": str(pki.bundle),
            "CITIZEN_TOKEN_ISSUERS": json.dumps(issuers),
            "RECEIPT_SIGNING_KEY": str(secrets.receipt_signing_key),
            "NOTIFIER_BOUNCE_SECRET": secrets.bounce_secret,
            "SMTP_STARTTLS": "true",
            "OIDC_ISSUER": "https://digid.example",
            "OIDC_CLIENT_KEY": str(work / "oidc-client.jwk.json"),
            "PORTAL_TOKEN_SIGNING_KEY": str(secrets.token_issuer_key),
            "PORTAL_URL": "https://mijn.overheid.example",
            **trusted,
        }
    return environments


def test_the_baseline_is_fit_for_production(
    fit_for_production: dict[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What each process checks at start, in-process: nothing to refuse."""
    for service, settings_class in SETTINGS.items():
        with monkeypatch.context() as patched:
            for name in list(os.environ):
                patched.delenv(name)
            for name, value in fit_for_production[service].items():
                patched.setenv(name, value)
            settings: Any = load_settings(settings_class)
            assert settings.configuration_problems() == [], service
            assert certificate_problems(settings) == [], service


DEV_RETIRED = json.dumps(
    [
        {
            "public_key": str(DEV_RECEIPT_KEY),
            "valid_from": "2024-01-01T00:00:00Z",
            "valid_until": "2025-01-01T00:00:00Z",
        }
    ]
)
DEV_ISSUERS = json.dumps([{"issuer": DEV_TOKEN_ISSUER, "keys": str(DEV_TOKEN_ISSUER_KEYS)}])
CASES: list[tuple[str, dict[str, str | None], list[str]]] = [
    # Committed development keys and secrets, and the local stack's passwords.
    ("berichtenbox", {"RECEIPT_SIGNING_KEY": str(DEV_RECEIPT_KEY)}, ["RECEIPT_SIGNING_KEY"]),
    ("berichtenbox", {"RECEIPT_RETIRED_KEYS": DEV_RETIRED}, ["RECEIPT_RETIRED_KEYS lists"]),
    ("zaken", {"CITIZEN_TOKEN_ISSUERS": DEV_ISSUERS}, ["CITIZEN_TOKEN_ISSUERS trusts"]),
    ("notifier", {"NOTIFIER_BOUNCE_SECRET": None}, ["NOTIFIER_BOUNCE_SECRET"]),
    ("notifier", {"SMTP_PASSWORD": "notifier-local-secret"}, ["SMTP_PASSWORD"]),
    ("notifier", {"NOTIFIER_DEV_AUTO_VERIFY": "true"}, ["NOTIFIER_DEV_AUTO_VERIFY"]),
    (
        "gegevens",
        {
            "AMQP_URL": "amqps://gegevens:gegevens-local-secret@localhost:9/mijnoverheid",
            "AMQP_CERT_FILE": None,
            "AMQP_KEY_FILE": None,
        },
        ["AMQP_URL uses a password of the local stack", "AMQP_CERT_FILE is not set"],
    ),
    # Connections without TLS, or without checking the server.
    (
        "zaken",
        {"AMQP_URL": "amqp://localhost:9/mijnoverheid", "AMQP_CA_FILE": None}
        | {"AMQP_CERT_FILE": None, "AMQP_KEY_FILE": None},
        ["AMQP_URL is not amqps://"],
    ),
    ("portal", {"MONGODB_CA_FILE": None}, ["MONGODB_URL has no tls=true"]),
    (
        "gegevens",
        {"MONGODB_URL": "mongodb://localhost:9/?tls=true&tlsInsecure=true"},
        ["MONGODB_URL turns off the check"],
    ),
    ("notifier", {"SMTP_STARTTLS": None}, ["neither SMTP_STARTTLS nor SMTP_IMPLICIT_TLS"]),
    ("notifier", {"SMTP_VALIDATE_CERTS": "false"}, ["SMTP_VALIDATE_CERTS=false"]),
    # A broker login by password, no token issuer, a trusted user that is no certificate.
    ("berichtenbox", {"AMQP_CERT_FILE": None, "AMQP_KEY_FILE": None}, ["AMQP_CERT_FILE"]),
    ("gegevens", {"CITIZEN_TOKEN_ISSUERS": None}, ["CITIZEN_TOKEN_ISSUERS is not set"]),
    ("berichtenbox", {"NOTIFIER_BROKER_USER": "notifier"}, ["NOTIFIER_BROKER_USER"]),
    ("portal", {"PORTAL_TOKEN_SIGNING_KEY": None}, ["PORTAL_TOKEN_SIGNING_KEY is not set"]),
    # A missing, unreadable or unusable setting fails closed too.
    ("zaken", {"AMQP_URL": None}, ["AMQP_URL: Field required"]),
    ("notifier", {"AMQP_KEY_FILE": "/nonexistent/notifier.key"}, ["AMQP_KEY_FILE cannot be read"]),
]


async def start_refused(environment: dict[str, str], service: str) -> tuple[int, list[str]]:
    inherited = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", service),
        env={**inherited, **environment},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    return int(process.returncode or 0), stderr.decode().splitlines()


async def test_each_unsafe_setting_makes_the_real_process_exit_with_one_line_naming_it(
    fit_for_production: dict[str, dict[str, str]],
) -> None:
    limit = asyncio.Semaphore(CONCURRENT_STARTS)

    async def run(case: tuple[str, dict[str, str | None], list[str]]) -> tuple[int, list[str]]:
        service, change, _ = case
        environment = {**fit_for_production[service], **change}
        async with limit:
            return await start_refused(
                {name: value for name, value in environment.items() if value is not None},
                service,
            )

    outcomes = await asyncio.gather(*(run(case) for case in CASES))
    for (service, change, expected), (code, stderr) in zip(CASES, outcomes, strict=True):
        refusals = [line for line in stderr if line.startswith("refusing to start")]
        what = f"{service} with {change}: exit {code}, stderr {stderr[-5:]}"
        assert code == REFUSED, what
        # Exactly one line per problem, each naming its setting, and nothing else refused.
        assert len(refusals) == len(expected), what
        for line, setting in zip(refusals, expected, strict=True):
            assert line.split(": ", 1)[1].startswith(setting), what
        assert not any("Traceback" in line for line in stderr), what


def test_the_cases_cover_every_kind_of_problem() -> None:
    """Keeps the list honest: each kind the production profile knows is started at least once."""
    named = " ".join(setting for _, _, expected in CASES for setting in expected)
    for kind in (
        "RECEIPT_SIGNING_KEY",
        "CITIZEN_TOKEN_ISSUERS",
        "NOTIFIER_BOUNCE_SECRET",
        "local stack",
        "AMQP_URL is not amqps",
        "MONGODB_URL",
        "SMTP_STARTTLS",
        "AMQP_CERT_FILE",
    ):
        assert kind in named, kind
