"""docker compose runs production with TLS and ships no secret: the structure (no Docker
needed), and what its `init` service generates (mijnoverheid_testing.compose_secrets), run here
into a directory the way compose mounts it: each service's compose environment, with its own
volume's files, must pass the production profile the real process applies at start."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from berichtenbox.settings import BerichtenboxSettings
from mijnoverheid.auth import load_private_key
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.runtime import load_settings
from mijnoverheid.settings import PlatformSettings
from mijnoverheid.tls import certificate_problems
from mijnoverheid_testing.compose_secrets import generate
from mijnoverheid_testing.pki.catalogue import PLATFORM_OIN
from notifier.settings import NotifierSettings
from portal.settings import PortalSettings
from tests.test_compose import (
    COMPOSE_FILE,
    INFRA_SERVICES,
    REPO_ROOT,
    _compose,
    _depends_on,
    _dockerfile,
    _environment,
    _mounts,
)


def test_rabbitmq_is_tls_only_with_external_and_its_files_from_init() -> None:
    mounts = _mounts("rabbitmq")
    for mount in (
        "./config/rabbitmq/rabbitmq.conf:/etc/rabbitmq/rabbitmq.conf:ro",
        "./config/rabbitmq/compose.advanced.config:/etc/rabbitmq/advanced.config:ro",
        "./config/rabbitmq/enabled_plugins:/etc/rabbitmq/enabled_plugins:ro",
        "secrets-rabbitmq:/etc/rabbitmq/tls:ro",
    ):
        assert mount in mounts, f"rabbitmq does not mount {mount}: {mounts}"
    conf = (REPO_ROOT / "config" / "rabbitmq" / "rabbitmq.conf").read_text(encoding="utf-8")
    settings = dict(
        line.split(" = ", 1) for line in conf.splitlines() if " = " in line and line[0] != "#"
    )
    assert settings["listeners.tcp"] == "none", "no plain AMQP listener"
    assert settings["listeners.ssl.default"] == "5671"
    assert settings["ssl_cert_login_from"] == "distinguished_name"
    assert [key for key in settings if key.startswith("auth_mechanisms.")] == ["auth_mechanisms.1"]
    assert settings["auth_mechanisms.1"] == "EXTERNAL"
    assert settings["load_definitions"] == "/etc/rabbitmq/tls/definitions.json"
    plugins = (REPO_ROOT / "config" / "rabbitmq" / "enabled_plugins").read_text()
    assert "rabbitmq_auth_mechanism_ssl" in plugins
    assert "rabbitmq_management" in plugins


def _erlang_terms(text: str) -> str:
    return "".join(line.split("%%")[0].strip() for line in text.splitlines())


def test_rabbitmq_takes_the_tls_options_the_tested_tls_node_takes() -> None:
    """tests/security runs a node with tls-node.advanced.config: compose's must not drift."""
    tested = (REPO_ROOT / "config" / "rabbitmq" / "tls-node.advanced.config").read_text()
    compose = (REPO_ROOT / "config" / "rabbitmq" / "compose.advanced.config").read_text()
    assert _erlang_terms(compose) == _erlang_terms(tested.replace("@PKI@", "/etc/rabbitmq/tls"))


def test_published_ports_are_on_this_machine_only() -> None:
    services = _compose().get("services") or {}
    published = {name: service.get("ports", []) for name, service in services.items()}
    assert "127.0.0.1:15672:15672" in published["rabbitmq"], "the management UI on 127.0.0.1"
    for name, ports in published.items():
        for port in ports:
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every address"


def test_no_secret_is_shipped() -> None:
    """Nothing committed is a key, a password or a definitions file: init makes them."""
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert "-local-secret" not in text
    assert "definitions.json:" not in text.replace("/etc/rabbitmq/tls/definitions.json", "")
    for name in _compose().get("services") or {}:
        for mount in _mounts(name):
            source = mount.split(":", 1)[0]
            assert not source.endswith((".key", ".pem", ".json")) or "clients" in source, (
                f"{name} mounts a committed key or secret: {mount}"
            )
        for key, value in _environment(name).items():
            assert "dev-" not in value, f"{name}: {key} names a development file: {value}"
    assert not (REPO_ROOT / "config" / "rabbitmq" / "definitions.json").exists()


def test_each_secrets_volume_is_written_by_init_and_read_by_one_container() -> None:
    services = _compose().get("services") or {}
    volumes = [name for name in (_compose().get("volumes") or {}) if name.startswith("secrets-")]
    assert len(volumes) == 9
    init_mounts = _mounts("init")
    for volume in volumes:
        assert any(
            m.startswith(f"{volume}:/secrets/") and not m.endswith(":ro") for m in init_mounts
        )
        readers = [
            name
            for name in services
            if name != "init" and any(m.split(":")[0] == volume for m in _mounts(name))
        ]
        if volume == "secrets-ca":
            assert readers == [], "the CA's keys stay with init"
            continue
        assert readers == [volume.removeprefix("secrets-")], f"{volume} is read by {readers}"
        assert all(m.endswith(":ro") for m in _mounts(readers[0]) if m.split(":")[0] == volume)


def test_infrastructure_starts_after_init_made_its_files() -> None:
    for name in INFRA_SERVICES:
        condition = _depends_on(name).get("init", {}).get("condition")
        assert condition == "service_completed_successfully", f"{name} does not wait for init"
    assert _dockerfile("init") == REPO_ROOT / "testing" / "Dockerfile"


SETTINGS: dict[str, type[PlatformSettings]] = {
    "berichtenbox": BerichtenboxSettings,
    "zaken": PlatformSettings,
    "gegevens": PlatformSettings,
    "notifier": NotifierSettings,
    "portal": PortalSettings,
}


@pytest.fixture(scope="module")
def secrets_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("compose-secrets")
    registry = OrganisationRegistry.load(REPO_ROOT / "config" / "organisations.yaml")
    generate(root, registry, PLATFORM_OIN)
    return root


def compose_environment(service: str, root: Path) -> dict[str, str]:
    """The service's compose environment, with its volume where compose mounts it."""
    volume = str(root / service)
    return {
        key: value.replace("/secrets", volume).replace("/app/config", str(REPO_ROOT / "config"))
        for key, value in _environment(service).items()
    }


@pytest.mark.parametrize("service", list(SETTINGS))
def test_each_service_is_fit_for_its_environment_with_what_init_generated(
    service: str, secrets_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        monkeypatch.delenv(name)
    for name, value in compose_environment(service, secrets_root).items():
        monkeypatch.setenv(name, value)
    settings: Any = load_settings(SETTINGS[service])
    expected = "development" if service == "portal" else "production"
    assert settings.mijnoverheid_environment.value == expected
    assert settings.configuration_problems() == []  # production's checks included
    assert certificate_problems(settings) == []
    if service == "notifier":  # from files named after the settings (MIJNOVERHEID_SETTINGS_DIR)
        assert not settings.bounce_secret_is_the_development_default
        assert settings.berichtenbox_broker_user.startswith("CN=berichtenbox,")
    if service == "berichtenbox":
        assert settings.notifier_broker_user.startswith("CN=notifier,")
        assert settings.portal_broker_user.startswith("CN=portal,")


def test_keys_are_readable_only_by_their_owner_and_kept_across_starts(secrets_root: Path) -> None:
    keys = [
        *sorted(secrets_root.glob("*/**/*.key")),
        secrets_root / "notifier" / "NOTIFIER_BOUNCE_SECRET",
        secrets_root / "mongo" / "server.pem",
        secrets_root / "rabbitmq" / "definitions.json",
        secrets_root / "rabbitmq" / "admin-password",
    ]
    for path in keys:
        assert stat.S_IMODE(path.stat().st_mode) in (0o400, 0o600), path
    before = {path: path.read_bytes() for path in keys if "pki" not in path.parts}
    registry = OrganisationRegistry.load(REPO_ROOT / "config" / "organisations.yaml")
    generate(secrets_root, registry, PLATFORM_OIN)  # the next `docker compose up`
    assert {path: path.read_bytes() for path in before} == before


def test_the_portal_signs_with_the_key_the_services_trust(secrets_root: Path) -> None:
    private = load_private_key(secrets_root / "portal" / "portal-token.key")
    public = private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    for service in ("berichtenbox", "zaken", "gegevens", "notifier"):
        assert (secrets_root / service / "portal-token.pub").read_bytes() == public


def test_the_broker_gets_certificate_users_and_an_administrator_with_a_made_password(
    secrets_root: Path,
) -> None:
    provisioning = json.loads((secrets_root / "rabbitmq" / "definitions.json").read_text())
    users = {user["name"]: user for user in provisioning["users"]}
    admin = users.pop("mijnoverheid-admin")
    assert admin["tags"] == ["administrator"]
    assert admin["password_hash"]
    assert all(user["password_hash"] == "" for user in users.values()), "certificates only"
    assert any(name.startswith("CN=berichtenbox,SERIALNUMBER=") for name in users)
    assert any(",O=Belastingdienst,C=NL" in name for name in users)
    password = (secrets_root / "rabbitmq" / "admin-password").read_text()
    assert len(password) >= 24
    assert "local-secret" not in password
