"""Invariants over what the organisations received (pure: no I/O, unit-tested on its own).

Events are deduplicated on their id, as the contract tells receivers to do: an id that arrived
twice is one answer delivered twice (counted, not a fault); two different ids answering one
event are two answers (a fault).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from mijnoverheid_testing.chaos.findings import Findings
from mijnoverheid_testing.chaos.workload import Expectations, StatusKey

Event = dict[str, Any]


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _by(events: list[Event], field: str) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = defaultdict(set)
    for event in events:
        grouped[str(event["data"].get(field))].add(event["id"])
    return grouped


def of_type(events: dict[str, Event], suffix: str) -> list[Event]:
    return [e for e in events.values() if e["type"].endswith(f".{suffix}")]


def check_message_answers(events: dict[str, Event], expected: Expectations, out: Findings) -> None:
    """One answer per message-sent: a receipt for a good one, the promised rejection for a
    bad one; none for an event never published."""
    receipts = _by(of_type(events, "message-delivered"), "sent_event_id")
    rejections = _by(of_type(events, "message-rejected"), "rejected_event_id")
    lost: list[str] = []
    doubled: list[str] = []
    wrong: list[str] = []
    for event_id, (_, _, reason) in expected.messages.items():
        answers = receipts.get(event_id, set()) | rejections.get(event_id, set())
        if not answers:
            lost.append(event_id)
        elif len(answers) > 1:
            doubled.append(event_id)
        elif reason is None and event_id not in receipts:
            wrong.append(event_id)
        elif reason is not None:
            answer = events[next(iter(answers))]
            if event_id not in rejections or answer["data"]["reason"] != reason:
                wrong.append(event_id)
    out.figures["message-sent answered"] = len(expected.messages) - len(lost)
    out.figures["message-sent delivered"] = sum(1 for i in expected.messages if i in receipts)
    out.figures["message-sent rejected"] = sum(1 for i in expected.messages if i in rejections)
    out.check("every message-sent answered", "no receipt and no rejection (lost)", lost)
    out.check("exactly one answer", "more than one distinct answer", doubled)
    out.check("the right answer", "receipt/rejection or its reason not as promised", wrong)
    unknown = (set(receipts) | set(rejections)) - set(expected.messages)
    out.check("no answer to what was never sent", "answers to unknown event ids", unknown)


def check_other_answers(events: dict[str, Event], expected: Expectations, out: Findings) -> None:
    rejected = _by(
        of_type(events, "event-rejected") + of_type(events, "message-rejected"),
        "rejected_event_id",
    )
    lost = [i for i in expected.rejections if i not in rejected]
    doubled = [i for i in expected.rejections if len(rejected.get(i, ())) > 1]
    wrong = [
        i
        for i, reason in expected.rejections.items()
        if i in rejected and events[next(iter(rejected[i]))]["data"]["reason"] != reason
    ]
    refused = [i for i in expected.accepted if i in rejected]
    out.figures["zaken/gegevens rejected"] = len(expected.rejections) - len(lost)
    out.check("every bad event rejected", "no rejection (lost)", lost)
    out.check("exactly one rejection", "more than one distinct rejection", doubled)
    out.check("the right rejection", "another reason than promised", wrong)
    out.check("good events accepted", "a valid event was rejected", refused)


def check_announcements(
    events: dict[str, Event], expected: Expectations, out: Findings
) -> dict[tuple[str, str, str], StatusKey]:
    """Each status of a case announced at most once, the latest one announced exactly once;
    returns the latest status of every case."""
    announced: dict[tuple[str, str, str], dict[StatusKey, set[str]]] = defaultdict(
        lambda: defaultdict(set)
    )
    for event in of_type(events, "case-status-recorded"):
        data = event["data"]
        case = (data["organisation_oin"], data["identificatie"], data["recipient_bsn"])
        status = (
            _moment(data["datum_status_gezet"]),
            data["statustype_code"],
            data["is_eindstatus"],
        )
        announced[case][status].add(event["data"]["status_event_id"])
    latest: dict[tuple[str, str, str], StatusKey] = {}
    twice: list[str] = []
    silent: list[str] = []
    strange: list[str] = []
    for case, statuses in expected.cases.items():
        newest = max(statuses.values(), key=lambda s: (s[0], s[2], s[1]))
        latest[case] = newest
        heard = announced.pop(case, {})
        twice += [i for ids in heard.values() if len(ids) > 1 for i in ids]
        strange += [
            i for status, ids in heard.items() if status not in statuses.values() for i in ids
        ]
        if newest not in heard:
            silent += [i for i, status in statuses.items() if status == newest]
    strange += [i for heard in announced.values() for ids in heard.values() for i in ids]
    out.figures["case statuses announced"] = len(of_type(events, "case-status-recorded"))
    out.check("each status announced once", "one status announced under two events", twice)
    out.check("the current status announced", "the latest status was never announced", silent)
    out.check("only real statuses announced", "an announcement of no status sent", strange)
    return latest


def check_registration_announcements(
    events: dict[str, Event], expected: Expectations, notify: set[tuple[str, str]], out: Findings
) -> None:
    """In a register with e-mail, the version shown is announced exactly once; elsewhere and
    for versions never shown, nothing."""
    heard: dict[str, set[str]] = defaultdict(set)
    for event in of_type(events, "registration-recorded"):
        heard[event["data"]["registration_event_id"]].add(event["id"])
    twice = [i for i, ids in heard.items() if len(ids) > 1]
    silent: list[str] = []
    unasked: list[str] = []
    for (oin, register, _, _), versions in expected.registrations.items():
        newest = max(versions, key=lambda i: versions[i])
        if (oin, register) in notify and newest not in heard:
            silent.append(newest)
        if (oin, register) not in notify:
            unasked += [i for i in versions if i in heard]
    out.figures["registrations announced"] = len(heard)
    out.check("each version announced once", "one version announced under two ids", twice)
    out.check("the shown version announced", "the newest version never announced", silent)
    out.check("no e-mail for quiet registers", "announced without notify_registers", unasked)
