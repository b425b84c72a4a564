"""Static checks of docker-compose.cluster.yml (no Docker needed): three RabbitMQ nodes that
form one cluster before the definitions are imported, a three-member MongoDB replica set, and
the same services as docker-compose.yml, each given every member."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from mijnoverheid.messaging.connection import broker_urls

REPO_ROOT = Path(__file__).resolve().parents[1]
RABBITMQ_NODES = ("rabbitmq-1", "rabbitmq-2", "rabbitmq-3")
MONGO_MEMBERS = ("mongo-1", "mongo-2", "mongo-3")
BROKER_USERS = {name: name for name in ("berichtenbox", "zaken", "gegevens", "notifier", "portal")}
# The same in both files, but for where the broker and the database are.
PER_TOPOLOGY = {"AMQP_URL", "MONGODB_URL"}
COOKIE = "${RABBITMQ_ERLANG_COOKIE:?"


def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((REPO_ROOT / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    services = data["services"]
    assert isinstance(services, dict)
    return services


CLUSTER = _load("docker-compose.cluster.yml")
SINGLE = _load("docker-compose.yml")


def _environment(service: dict[str, Any]) -> dict[str, str]:
    return {str(key): str(value) for key, value in (service.get("environment") or {}).items()}


def _conditions(service: dict[str, Any]) -> dict[str, str]:
    return {name: dep["condition"] for name, dep in (service.get("depends_on") or {}).items()}


def _conf(name: str) -> str:
    return (REPO_ROOT / "config" / "rabbitmq" / name).read_text(encoding="utf-8")


def test_three_rabbitmq_nodes_with_stable_names_and_their_own_data() -> None:
    single = SINGLE["rabbitmq"]
    volumes: set[str] = set()
    for node in RABBITMQ_NODES:
        service = CLUSTER[node]
        assert service["image"] == single["image"]
        assert service["hostname"] == node, "the node name rabbit@<hostname> must be stable"
        mounts = [str(volume) for volume in service["volumes"]]
        assert "./config/rabbitmq/cluster.conf:/etc/rabbitmq/rabbitmq.conf:ro" in mounts
        data = [m.split(":")[0] for m in mounts if m.endswith(":/var/lib/rabbitmq")]
        assert len(data) == 1
        volumes.add(data[0])
        assert _environment(service)["RABBITMQ_ERLANG_COOKIE"].startswith(COOKIE), (
            "the shared secret has no default: a forgotten one fails closed"
        )
        assert service["healthcheck"]["test"]
    assert len(volumes) == len(RABBITMQ_NODES)
    for later in RABBITMQ_NODES[1:]:
        assert _conditions(CLUSTER[later]) == {RABBITMQ_NODES[0]: "service_healthy"}, (
            "nodes 2 and 3 join a running node 1 instead of forming clusters of their own"
        )
    published = {node: CLUSTER[node].get("ports") for node in RABBITMQ_NODES}
    assert published == {"rabbitmq-1": ["15672:15672"], "rabbitmq-2": None, "rabbitmq-3": None}


def test_the_cluster_configuration_names_every_node_and_stops_a_minority() -> None:
    conf = _conf("cluster.conf")
    assert re.search(r"^cluster_formation\.peer_discovery_backend = classic_config$", conf, re.M)
    listed = re.findall(
        r"^cluster_formation\.classic_config\.nodes\.\d+ = rabbit@(\S+)$", conf, re.M
    )
    assert listed == list(RABBITMQ_NODES)
    assert re.search(r"^cluster_partition_handling = pause_minority$", conf, re.M)
    # Definitions loaded at a node's boot would declare the quorum queues with one member.
    assert "load_definitions" not in re.sub(r"#.*", "", conf)


def test_definitions_are_imported_once_all_three_nodes_have_joined() -> None:
    provision = CLUSTER["rabbitmq-provision"]
    assert _conditions(provision) == dict.fromkeys(RABBITMQ_NODES, "service_healthy")
    command = " ".join(provision["command"])
    waits = command.index("await_online_nodes 3")
    imports = command.index("import_definitions /etc/rabbitmq/definitions.json")
    assert waits < imports
    assert "&&" in command[waits:imports], "no import unless all three are online"
    assert (
        "./config/rabbitmq/definitions.json:/etc/rabbitmq/definitions.json:ro"
        in (provision["volumes"])
    )
    assert _environment(provision)["RABBITMQ_ERLANG_COOKIE"].startswith(COOKIE)
    assert provision["restart"] == "no"


def test_three_mongodb_members_in_one_replica_set() -> None:
    volumes = set()
    for member in MONGO_MEMBERS:
        service = CLUSTER[member]
        assert service["image"] == SINGLE["mongo"]["image"]
        assert service["hostname"] == member
        assert service["command"][:2] == ["--replSet", "rs0"]
        volumes |= {
            str(v).split(":")[0] for v in service["volumes"] if str(v).endswith(":/data/db")
        }
    assert len(volumes) == len(MONGO_MEMBERS)
    init = CLUSTER["mongo-init"]
    assert _conditions(init) == dict.fromkeys(MONGO_MEMBERS, "service_healthy")
    assert "./config/mongo/replica-set.js:/replica-set.js:ro" in init["volumes"]
    assert init["command"][-1] == "/replica-set.js"
    script = (REPO_ROOT / "config" / "mongo" / "replica-set.js").read_text(encoding="utf-8")
    members = re.search(r"const members = \[(.*?)\];", script)
    assert members
    assert re.findall(r'"([^"]+)"', members.group(1)) == [f"{m}:27017" for m in MONGO_MEMBERS]
    assert '_id: "rs0"' in script


@pytest.mark.parametrize("name", sorted(BROKER_USERS))
def test_every_service_is_given_every_member(name: str) -> None:
    environment = _environment(CLUSTER[name])
    nodes = [urlsplit(url) for url in broker_urls(environment["AMQP_URL"])]
    assert sorted(f"{node.hostname}:{node.port}" for node in nodes) == [
        f"{node}:5672" for node in RABBITMQ_NODES
    ]
    assert {unquote(node.username or "") for node in nodes} == {BROKER_USERS[name]}
    assert {node.path for node in nodes} == {"/mijnoverheid"}
    mongo = urlsplit(environment["MONGODB_URL"])
    assert mongo.netloc == ",".join(f"{member}:27017" for member in MONGO_MEMBERS)
    assert "replicaSet=rs0" in mongo.query
    conditions = _conditions(CLUSTER[name])
    assert conditions["rabbitmq-provision"] == "service_completed_successfully"
    assert conditions["mongo-init"] == "service_completed_successfully"


def test_the_services_spread_their_connections_over_the_nodes() -> None:
    first = {
        urlsplit(broker_urls(_environment(CLUSTER[n])["AMQP_URL"])[0]).hostname
        for n in BROKER_USERS
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
