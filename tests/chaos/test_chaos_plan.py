"""The chaos run is repeatable: the workload and the fault schedule follow from the seed alone,
and the full schedule holds every kind of fault the run promises."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections import Counter

from mijnoverheid_testing.chaos import schedule
from mijnoverheid_testing.chaos.system import FAILPOINTS, SERVICES
from mijnoverheid_testing.chaos.workload import generate
from mijnoverheid_testing.stack import demo_registry


def test_the_same_seed_gives_the_same_events_in_the_same_order() -> None:
    first, second = generate(demo_registry(), 400, 11), generate(demo_registry(), 400, 11)
    assert [i.event_id for i in first.plan] == [i.event_id for i in second.plan]
    assert [c.bsn for c in first.citizens] == [c.bsn for c in second.citizens]
    other = generate(demo_registry(), 400, 12)
    assert [i.event_id for i in other.plan] != [i.event_id for i in first.plan]


def test_the_workload_in_another_process_is_the_same_too() -> None:
    """String hashing differs per process: nothing may depend on a set's order."""
    script = (
        "from mijnoverheid_testing.chaos.workload import generate;"
        "from mijnoverheid_testing.stack import demo_registry;"
        "print([i.event_id for i in generate(demo_registry(), 300, 5).plan][-20:])"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in (1, 2)
    }
    assert len(runs) == 1


def test_the_workload_has_what_the_run_promises() -> None:
    workload = generate(demo_registry(), 2000, 3)
    expected = workload.expected
    publishers = {item.user for item in workload.plan}
    assert len(publishers) >= 3
    duplicates = sum(1 for item in workload.plan if item.duplicate)
    assert 0.04 <= duplicates / workload.distinct <= 0.06
    reasons = Counter(reason for _, _, reason in expected.messages.values())
    assert {"invalid-bsn", "malformed", "account-not-activated", "no-digital-consent"} <= set(
        reasons
    )
    bodies = [
        json.loads(i.body) for i in workload.plan if i.route and i.route.event == "message-sent"
    ]
    assert any(b["data"].get("attachments") for b in bodies)
    assert any(b["data"]["legal_effect"] for b in bodies)
    assert expected.poison
    assert expected.rejections
    # Statuses of a case and versions of a registration are published out of order.
    position = {item.event_id: index for index, item in enumerate(workload.plan)}
    shuffled = [
        statuses
        for statuses in expected.cases.values()
        if sorted(statuses, key=lambda i: statuses[i])
        != sorted(statuses, key=lambda i: position[i])
    ]
    assert shuffled
    assert any(c.email is None for c in workload.citizens)
    assert any(c.refused for c in workload.citizens)
    assert any(c.bouncing for c in workload.citizens)


def test_the_full_schedule_has_every_fault_kind_and_several_kills_of_each_service() -> None:
    faults = schedule.full(9, refused=3, bouncing=2)
    assert faults == schedule.full(9, refused=3, bouncing=2)
    assert {fault.kind for fault in faults} == schedule.kinds(1)
    assert not {fault.kind for fault in faults} & set(schedule.CLUSTER_ONLY)
    kills = Counter(fault.target for fault in faults if fault.kind == schedule.KILL)
    assert all(kills[service] >= 3 for service in SERVICES)
    assert {f.target for f in faults if f.kind == schedule.FAILPOINT} == set(FAILPOINTS)
    assert all(0.0 <= fault.at < 1.0 for fault in faults)
    assert all(fault.describe() for fault in faults)


def test_the_short_schedule_kills_a_service_and_troubles_the_relay_on_the_shared_stack() -> None:
    kinds = {fault.kind for fault in schedule.short(4, refused=1, bouncing=1)}
    assert schedule.KILL in kinds
    assert schedule.SMTP_4XX in kinds
    assert not kinds & {schedule.BROKER_RESTART, schedule.DATABASE_RESTART}


def test_on_a_cluster_nodes_are_killed_one_at_a_time_and_restarted_in_turn() -> None:
    """`make chaos CLUSTER=3`: the broker restart becomes a rolling restart, two different
    nodes are killed, before and after it, and every other fault stays where the seed puts it
    on one node."""
    for seed in range(1, 60):
        single = schedule.full(seed, refused=3, bouncing=2)
        faults = schedule.full(seed, refused=3, bouncing=2, cluster=3)
        assert faults == schedule.full(seed, refused=3, bouncing=2, cluster=3)
        assert {fault.kind for fault in faults} == schedule.kinds(3)
        assert schedule.BROKER_RESTART not in {fault.kind for fault in faults}
        kills = [fault for fault in faults if fault.kind == schedule.NODE_KILL]
        assert len(kills) == 2
        assert {kill.target for kill in kills} < {"1", "2", "3"}, "two different nodes"
        assert all(5.0 <= kill.amount <= 20.0 for kill in kills), "down for a while"
        # Never two nodes down at once, as scheduled (the runner also waits, see
        # test_chaos_cluster): kill, rolling restart, kill, far apart in the traffic.
        node_faults = [fault for fault in faults if fault.kind in schedule.NODE_FAULTS]
        assert [fault.kind for fault in node_faults] == [
            schedule.NODE_KILL,
            schedule.ROLLING_RESTART,
            schedule.NODE_KILL,
        ]
        assert all(b.at - a.at >= 0.1 for a, b in itertools.pairwise(node_faults))
        others = [fault for fault in faults if fault.kind not in schedule.NODE_FAULTS]
        assert others == [fault for fault in single if fault.kind != schedule.BROKER_RESTART]
        assert all(fault.describe() for fault in faults)
    assert {fault.kind for fault in schedule.full(1, refused=1, bouncing=1)} == schedule.kinds(1)
