"""Static checks of docker-compose.cluster.yml (no Docker needed): three TLS-only RabbitMQ
nodes that form one cluster before the definitions are imported, a three-member MongoDB replica
set, and the same system as docker-compose.yml, each service given every member; what `init`
generates serves the cluster too (the Erlang cookie, certificates that name every node)."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from cryptography import x509

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.messaging.connection import broker_urls
from mijnoverheid.runtime import load_settings
from mijnoverheid_testing.compose_secrets import generate
from mijnoverheid_testing.pki.catalogue import PLATFORM_OIN
from tests.test_compose_secrets import SETTINGS

REPO_ROOT = Path(__file__).resolve().parents[1]
RABBITMQ_NODES = ("rabbitmq-1", "rabbitmq-2", "rabbitmq-3")
MONGO_MEMBERS = ("mongo-1", "mongo-2", "mongo-3")
# Where the broker and the database are: all that differs from docker-compose.yml.
PER_TOPOLOGY = {"AMQP_URL", "MONGODB_URL"}
NODE_FILES = (
    "./config/rabbitmq/cluster.conf:/etc/rabbitmq/rabbitmq.conf:ro",
    "./config/rabbitmq/compose.advanced.config:/etc/rabbitmq/advanced.config:ro",
    "./config/rabbitmq/enabled_plugins:/etc/rabbitmq/enabled_plugins:ro",
    "secrets-rabbitmq:/etc/rabbitmq/tls:ro",
)


def _services(name: str) -> dict[str, Any]:
    data = yaml.safe_load((REPO_ROOT / name).read_text(encoding="utf-8"))
    services = data["services"]
    assert isinstance(services, dict)
    return services


CLUSTER = _services("docker-compose.cluster.yml")
SINGLE = _services("docker-compose.yml")


def _environment(service: dict[str, Any]) -> dict[str, str]:
    return {str(key): str(value) for key, value in (service.get("environment") or {}).items()}


def _conditions(service: dict[str, Any]) -> dict[str, str]:
    return {name: dep["condition"] for name, dep in (service.get("depends_on") or {}).items()}


def _conf(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line and "#" not in line)
    return {key.strip(): value.strip() for key, value in pairs}


def test_three_tls_only_rabbitmq_nodes_with_stable_names_and_their_own_data() -> None:
    data: set[str] = set()
    for node in RABBITMQ_NODES:
        service = CLUSTER[node]
        assert service["image"] == SINGLE["rabbitmq"]["image"]
        assert service["hostname"] == node, "the node name rabbit@<hostname> must be stable"
        mounts = [str(volume) for volume in service["volumes"]]
        assert set(NODE_FILES) <= set(mounts)
        data |= {m.split(":")[0] for m in mounts if m.endswith(":/var/lib/rabbitmq")}
        # The cookie from init's volume, then the image's own start.
        entrypoint = " ".join(service["entrypoint"])
        assert "/etc/rabbitmq/tls/erlang.cookie /var/lib/rabbitmq/.erlang.cookie" in entrypoint
        assert entrypoint.endswith("exec docker-entrypoint.sh rabbitmq-server")
        assert service["healthcheck"]["test"] == SINGLE["rabbitmq"]["healthcheck"]["test"]
    assert len(data) == len(RABBITMQ_NODES)
    assert _conditions(CLUSTER["rabbitmq-1"]) == {"init": "service_completed_successfully"}
    for later in RABBITMQ_NODES[1:]:
        assert _conditions(CLUSTER[later]) == {RABBITMQ_NODES[0]: "service_healthy"}, (
            "nodes 2 and 3 join a running node 1 instead of forming clusters of their own"
        )
    published = {node: CLUSTER[node].get("ports") for node in RABBITMQ_NODES}
    assert published == {"rabbitmq-1": ["127.0.0.1:15672:15672"], "rabbitmq-2": None,
                         "rabbitmq-3": None}  # fmt: skip


def test_the_cluster_configuration_is_the_single_nodes_clustered() -> None:
    conf_dir = REPO_ROOT / "config" / "rabbitmq"
    cluster = _conf((conf_dir / "cluster.conf").read_text(encoding="utf-8"))
    single = _conf((conf_dir / "rabbitmq.conf").read_text(encoding="utf-8"))
    # Definitions loaded at a node's boot would declare the quorum queues with one member.
    assert "load_definitions" not in cluster
    assert {k: v for k, v in single.items() if k != "load_definitions"}.items() <= cluster.items()
    assert cluster["cluster_formation.peer_discovery_backend"] == "classic_config"
    listed = [v for k, v in sorted(cluster.items()) if k.startswith("cluster_formation.classic")]
    assert listed == [f"rabbit@{node}" for node in RABBITMQ_NODES]
    assert cluster["cluster_partition_handling"] == "pause_minority"


def test_definitions_are_imported_once_all_three_nodes_have_joined() -> None:
    provision = CLUSTER["rabbitmq-provision"]
    assert _conditions(provision) == dict.fromkeys(RABBITMQ_NODES, "service_healthy")
    command = " ".join(provision["command"])
    waits = command.index("await_online_nodes 3")
    imports = command.index("import_definitions /etc/rabbitmq/tls/definitions.json")
    assert waits < imports
    assert "&&" in command[waits:imports], "no import unless all three are online"
    assert command.count('--erlang-cookie "$$cookie"') == 2
    assert provision["volumes"] == ["secrets-rabbitmq:/etc/rabbitmq/tls:ro"]
    assert provision["restart"] == "no"


def test_three_mongodb_members_with_tls_in_one_replica_set() -> None:
    data = set()
    for member in MONGO_MEMBERS:
        service = CLUSTER[member]
        assert service["image"] == SINGLE["mongo"]["image"]
        assert service["hostname"] == member
        command = service["command"]
        assert command[1:3] == ["--replSet", "rs0"]
        assert [a for a in command if a not in ("--replSet", "rs0", "--bind_ip_all")] == (
            SINGLE["mongo"]["command"]
        ), "the single node's TLS options"
        data |= {str(v).split(":")[0] for v in service["volumes"] if str(v).endswith(":/data/db")}
        assert _conditions(service) == {"init": "service_completed_successfully"}
    assert len(data) == len(MONGO_MEMBERS)
    init = CLUSTER["mongo-init"]
    assert _conditions(init) == dict.fromkeys(MONGO_MEMBERS, "service_healthy")
    assert "./config/mongo/replica-set.js:/replica-set.js:ro" in init["volumes"]
    assert init["command"][-3:] == ["--host", "mongo-1", "/replica-set.js"]
    assert "--tls" in init["command"]
    script = (REPO_ROOT / "config" / "mongo" / "replica-set.js").read_text(encoding="utf-8")
    members = re.search(r"const members = \[(.*?)\];", script)
    assert members
    assert re.findall(r'"([^"]+)"', members.group(1)) == [f"{m}:27017" for m in MONGO_MEMBERS]
    assert '_id: "rs0"' in script


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_every_service_is_given_every_member(name: str) -> None:
    environment = _environment(CLUSTER[name])
    nodes = [urlsplit(url) for url in broker_urls(environment["AMQP_URL"])]
    assert sorted(f"{node.hostname}:{node.port}" for node in nodes) == [
        f"{node}:5671" for node in RABBITMQ_NODES
    ]
    assert {(node.scheme, node.username, node.path) for node in nodes} == {
        ("amqps", None, "/mijnoverheid")
    }, "TLS, the certificate as the login"
    mongo = urlsplit(environment["MONGODB_URL"])
    assert mongo.netloc == ",".join(f"{member}:27017" for member in MONGO_MEMBERS)
    assert "replicaSet=rs0" in mongo.query
    conditions = _conditions(CLUSTER[name])
    assert conditions["rabbitmq-provision"] == "service_completed_successfully"
    assert conditions["mongo-init"] == "service_completed_successfully"


def test_the_services_spread_their_connections_over_the_nodes() -> None:
    first = {
        urlsplit(broker_urls(_environment(CLUSTER[name])["AMQP_URL"])[0]).hostname
        for name in SETTINGS
    }
    assert first == set(RABBITMQ_NODES)


def test_the_same_system_as_docker_compose_yml() -> None:
    infrastructure = {"rabbitmq", "mongo"}
    cluster_only = {*RABBITMQ_NODES, "rabbitmq-provision", *MONGO_MEMBERS, "mongo-init"}
    assert set(SINGLE) - infrastructure == set(CLUSTER) - cluster_only
    for name in set(SINGLE) - infrastructure:
        single, cluster = SINGLE[name], CLUSTER[name]
        for key in ("build", "image", "volumes", "healthcheck", "expose", "ports", "restart"):
            assert cluster.get(key) == single.get(key), f"{name}: {key} differs"
        same = {k: v for k, v in _environment(single).items() if k not in PER_TOPOLOGY}
        assert {k: v for k, v in _environment(cluster).items() if k not in PER_TOPOLOGY} == same
        renamed = {"rabbitmq": "rabbitmq-provision", "mongo": "mongo-init"}
        wanted = {renamed.get(dep, dep) for dep in _conditions(single)}
        assert set(_conditions(cluster)) == wanted, f"{name}: depends on other services"


@pytest.fixture(scope="module")
def secrets_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("compose-cluster-secrets")
    generate(root, OrganisationRegistry.load(REPO_ROOT / "config" / "organisations.yaml"),
             PLATFORM_OIN)  # fmt: skip
    return root


def test_init_makes_the_cookie_and_certificates_that_name_every_member(secrets_root: Path) -> None:
    cookie = secrets_root / "rabbitmq" / "erlang.cookie"
    assert len(cookie.read_bytes()) >= 32
    assert stat.S_IMODE(cookie.stat().st_mode) in (0o400, 0o600)
    for path, names in (
        (secrets_root / "rabbitmq" / "servers" / "rabbitmq.pem", RABBITMQ_NODES),
        (secrets_root / "mongo" / "server.pem", MONGO_MEMBERS),
    ):
        certificate = x509.load_pem_x509_certificates(path.read_bytes())[0]
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        assert set(names) <= set(san.value.get_values_for_type(x509.DNSName)), path


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_each_service_is_fit_for_production_on_the_cluster(
    name: str, secrets_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in list(os.environ):
        monkeypatch.delenv(variable)
    volume = str(secrets_root / name)
    for key, value in _environment(CLUSTER[name]).items():
        value = value.replace("/secrets", volume).replace("/app/config", str(REPO_ROOT / "config"))
        monkeypatch.setenv(key, value)
    settings: Any = load_settings(SETTINGS[name])
    assert settings.configuration_problems() == []  # production's checks included
