"""Static checks of docker-compose.yml and the service Dockerfiles (no Docker needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"

APP_SERVICES = ("berichtenbox", "zaken", "gegevens", "notifier")
INFRA_SERVICES = ("rabbitmq", "mongo", "mailpit")
TOKEN_SERVICES = ("berichtenbox", "zaken", "gegevens", "notifier")


def _compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml must be a mapping"
    return data


def _service(name: str) -> dict[str, Any]:
    services = _compose().get("services") or {}
    assert name in services, f"service {name!r} missing from docker-compose.yml"
    service = services[name]
    assert isinstance(service, dict), f"service {name!r} must be a mapping"
    return service


def _environment(name: str) -> dict[str, str]:
    env = _service(name).get("environment") or {}
    if isinstance(env, list):  # the "KEY=value" list form
        env = dict(item.split("=", 1) for item in env)
    return {str(key): str(value) for key, value in env.items()}


def _depends_on(name: str) -> dict[str, Any]:
    deps = _service(name).get("depends_on") or {}
    assert isinstance(deps, dict), f"{name}: depends_on must be the long form (with conditions)"
    return deps


def _dockerfile(name: str) -> Path:
    build = _service(name).get("build")
    assert isinstance(build, dict), f"{name}: build must be a mapping with context and dockerfile"
    context = REPO_ROOT / build.get("context", ".")
    assert context.resolve() == REPO_ROOT, f"{name}: build context must be the repository root"
    dockerfile = context / build["dockerfile"]
    assert dockerfile.is_file(), f"{name}: Dockerfile {dockerfile} does not exist"
    return dockerfile


def test_all_expected_services_present() -> None:
    services = _compose().get("services") or {}
    missing = set(APP_SERVICES + INFRA_SERVICES) - set(services)
    assert not missing, f"services missing from docker-compose.yml: {sorted(missing)}"


def test_rabbitmq_uses_management_image() -> None:
    image = _service("rabbitmq").get("image", "")
    assert image.startswith("rabbitmq:"), f"rabbitmq image is {image!r}"
    assert "management" in image, f"rabbitmq image {image!r} lacks the management plugin"


def test_mongo_image_is_mongo_7() -> None:
    image = _service("mongo").get("image", "")
    assert re.fullmatch(r"mongo:7(\.[\w.-]+)?", image), f"mongo image is {image!r}"


def test_mailpit_image() -> None:
    image = _service("mailpit").get("image", "")
    assert image.split(":")[0] == "axllent/mailpit", f"mailpit image is {image!r}"


def _mounts(name: str) -> list[str]:
    return [str(volume) for volume in _service(name).get("volumes") or []]


@pytest.mark.parametrize("name", APP_SERVICES + INFRA_SERVICES)
def test_service_has_healthcheck(name: str) -> None:
    healthcheck = _service(name).get("healthcheck") or {}
    assert healthcheck.get("test"), f"{name}: no healthcheck test"
    assert not healthcheck.get("disable"), f"{name}: healthcheck is disabled"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_healthcheck_hits_health_endpoint(name: str) -> None:
    test = _service(name)["healthcheck"]["test"]
    command = " ".join(test) if isinstance(test, list) else str(test)
    assert "/health" in command, f"{name}: healthcheck does not call /health: {command}"
    assert "curl" not in command, f"{name}: slim images have no curl: {command}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_builds_from_its_own_dockerfile(name: str) -> None:
    dockerfile = _dockerfile(name)
    assert dockerfile == REPO_ROOT / "services" / name / "Dockerfile", (
        f"{name}: expected services/{name}/Dockerfile, got {dockerfile}"
    )


@pytest.mark.parametrize("name", APP_SERVICES)
def test_dockerfile_installs_and_runs_the_right_package(name: str) -> None:
    text = _dockerfile(name).read_text(encoding="utf-8")
    froms = re.findall(r"^FROM\s+(\S+)", text, re.M)
    assert froms, f"{name}: Dockerfile has no FROM"
    assert all(image.startswith("python:3.11") for image in froms), (
        f"{name}: every stage must start from python:3.11, got {froms}"
    )
    assert "uv sync" in text, f"{name}: Dockerfile does not run uv sync"
    assert "--frozen" in text, f"{name}: uv sync must use the lock file (--frozen)"
    assert f"--package {name}" in text, f"{name}: Dockerfile does not install --package {name}"
    assert re.search(rf'CMD \["python", "-m", "{name}"\]', text), (
        f'{name}: Dockerfile must start the service with CMD ["python", "-m", "{name}"]'
    )


@pytest.mark.parametrize("name", APP_SERVICES)
def test_dockerfile_runs_as_non_root(name: str) -> None:
    text = _dockerfile(name).read_text(encoding="utf-8")
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users, f"{name}: Dockerfile never switches to a non-root USER"
    assert users[-1] not in {"root", "0"}, f"{name}: final USER is {users[-1]!r}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_depends_on_healthy_infrastructure(name: str) -> None:
    deps = _depends_on(name)
    needed = ("rabbitmq", "mongo", "mailpit") if name == "notifier" else ("rabbitmq", "mongo")
    for dependency in needed:
        assert dependency in deps, f"{name}: does not depend on {dependency}"
        condition = deps[dependency].get("condition")
        assert condition == "service_healthy", (
            f"{name}: depends on {dependency} with condition {condition!r}, not service_healthy"
        )


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_has_no_host_ports(name: str) -> None:
    service = _service(name)
    assert "ports" not in service, f"{name}: host ports prevent `--scale {name}=N`"
    assert "container_name" not in service, f"{name}: container_name prevents scaling"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_restarts_unless_stopped(name: str) -> None:
    restart = _service(name).get("restart")
    assert restart == "unless-stopped", f"{name}: restart is {restart!r}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_environment(name: str) -> None:
    env = _environment(name)
    for key in ("AMQP_URL", "MONGODB_URL", "ORGANISATION_REGISTRY"):
        assert env.get(key), f"{name}: environment variable {key} is missing"
    assert env["MIJNOVERHEID_ENVIRONMENT"] == "production"
    # TLS to the broker, logged in as its own certificate: no user or password in the URL.
    assert env["AMQP_URL"] == "amqps://rabbitmq:5671/mijnoverheid"
    assert (env["AMQP_CERT_FILE"], env["AMQP_KEY_FILE"]) == (
        "/secrets/service.pem",
        "/secrets/service.key",
    )
    assert env["AMQP_CA_FILE"] == env["MONGODB_CA_FILE"] == "/secrets/ca.pem"
    assert f"secrets-{name}:/secrets:ro" in _mounts(name)
    assert env["MONGODB_URL"].startswith("mongodb://mongo:27017"), (
        f"{name}: MONGODB_URL {env['MONGODB_URL']!r} does not point at the mongo service"
    )
    assert env["ORGANISATION_REGISTRY"] == "/app/config/organisations.yaml", (
        f"{name}: ORGANISATION_REGISTRY is {env['ORGANISATION_REGISTRY']!r}"
    )
    assert env.get("MONGODB_DATABASE", name) == name, f"{name}: uses another service's database"


@pytest.mark.parametrize("name", TOKEN_SERVICES)
def test_citizen_tokens_are_trusted_from_the_portal_only(name: str) -> None:
    issuers = json.loads(_environment(name).get("CITIZEN_TOKEN_ISSUERS", "[]"))
    assert issuers == [
        {"issuer": "urn:nld:mijnoverheid:portal", "keys": "/secrets/portal-token.pub"}
    ], f"{name}: CITIZEN_TOKEN_ISSUERS is {issuers!r}"


def test_notifier_sends_mail_through_mailpit() -> None:
    env = _environment("notifier")
    assert env.get("SMTP_HOST") == "mailpit", f"notifier SMTP_HOST is {env.get('SMTP_HOST')!r}"
    assert env.get("SMTP_PORT") == "1025", f"notifier SMTP_PORT is {env.get('SMTP_PORT')!r}"
    assert env.get("SMTP_STARTTLS") == "true"
    assert env.get("SMTP_CA_FILE") == "/secrets/ca.pem"
    assert "SMTP_PASSWORD" not in env
    mailpit = _environment("mailpit")
    assert mailpit.get("MP_SMTP_REQUIRE_STARTTLS") == "true"
    assert "MP_SMTP_AUTH_ALLOW_INSECURE" not in mailpit
    for key in ("NOTIFIER_FROM_ADDRESS", "PORTAL_URL"):
        assert env.get(key), f"notifier: environment variable {key} is missing"


@pytest.mark.parametrize("name", ["berichtenbox", "zaken", "gegevens"])
def test_smtp_settings_only_on_notifier(name: str) -> None:
    smtp = sorted(key for key in _environment(name) if key.startswith("SMTP_"))
    assert not smtp, f"{name}: SMTP settings belong to the notifier only: {smtp}"


def test_berichtenbox_gets_its_generated_receipt_key_not_baked_in() -> None:
    assert _environment("berichtenbox").get("RECEIPT_SIGNING_KEY") == "/secrets/receipt-signing.key"
    assert "secrets-berichtenbox:/secrets:ro" in _mounts("berichtenbox")
    assert "*.key" in (REPO_ROOT / ".dockerignore").read_text(), "keys stay out of images"


def test_notifier_bounce_endpoint_listens_on_the_compose_network() -> None:
    environment = _environment("notifier")
    assert environment.get("NOTIFIER_BOUNCE_HOST") == "0.0.0.0"  # noqa: S104 - in its container
    assert "2525" in [str(port) for port in _service("notifier").get("expose", [])]


def test_the_portal_and_the_digid_mock_run_in_compose() -> None:
    portal = _environment("portal")
    mock = _environment("digid-mock")
    assert mock.get("MIJNOVERHEID_ENVIRONMENT") == "development", "the mock refuses anything else"
    assert portal.get("OIDC_ISSUER") == mock.get("DIGID_MOCK_ISSUER")
    assert _environment("notifier").get("PORTAL_URL") == portal.get("PORTAL_URL"), (
        "the links in the e-mails must open the portal"
    )
    assert portal.get("MONGODB_DATABASE", "portal") == "portal"
    for name in ("portal", "digid-mock"):
        assert _service(name).get("healthcheck", {}).get("test"), f"{name}: no healthcheck"
        dockerfile = _dockerfile(name).read_text(encoding="utf-8")
        assert re.search(r"^USER app$", dockerfile, re.M), f"{name}: runs as root"
        assert "--frozen" in dockerfile


def test_the_portal_signs_with_a_generated_key_the_services_trust() -> None:
    """init writes the portal's token key and its public half into the services' volumes
    (tests/test_compose_secrets.py checks that they are one key pair)."""
    assert _environment("portal").get("PORTAL_TOKEN_SIGNING_KEY") == "/secrets/portal-token.key"
    assert "secrets-portal:/secrets:ro" in _mounts("portal")


@pytest.mark.parametrize("name", [*APP_SERVICES, "portal"])
def test_images_run_in_production_unless_told_otherwise(name: str) -> None:
    text = _dockerfile(name).read_text(encoding="utf-8")
    assert re.search(r"^\s+MIJNOVERHEID_ENVIRONMENT=production", text, re.M), name
