"""The auditor's invariants fail when they should: each check is fed a world that breaks it (and
one that does not), so a chaos run that passes cannot pass vacuously."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from mijnoverheid_testing.chaos.audit_answers import (
    check_announcements,
    check_message_answers,
    check_other_answers,
)
from mijnoverheid_testing.chaos.audit_mails import check_deaths, check_mails, check_notifications
from mijnoverheid_testing.chaos.findings import Findings
from mijnoverheid_testing.chaos.relay import RelayedMail
from mijnoverheid_testing.chaos.system import Death
from mijnoverheid_testing.chaos.workload import Citizen, Expectations
from mijnoverheid_testing.trail_chain import chain_is_valid

OIN, BSN = "00000001003214345000", "999993653"


def event(id_: str, kind: str, **data: Any) -> dict[str, Any]:
    return {"id": id_, "type": f"nl.mijnoverheid.x.{kind}", "data": data}


def world(*events: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in events}


def broken(out: Findings) -> dict[str, tuple[str, ...]]:
    return {finding.invariant: finding.ids for finding in out.broken}


def test_message_answers_lost_doubled_wrong_and_unknown_are_each_caught() -> None:
    expected = Expectations()
    expected.messages = {
        "ok": (BSN, OIN, None),
        "lost": (BSN, OIN, None),
        "twice": (BSN, OIN, None),
        "refused": (BSN, OIN, "invalid-bsn"),
        "wrong": (BSN, OIN, "malformed"),
    }
    received = world(
        event("r1", "message-delivered", sent_event_id="ok"),
        event("r2", "message-delivered", sent_event_id="twice"),
        event("r3", "message-delivered", sent_event_id="twice"),
        event("r4", "message-rejected", rejected_event_id="refused", reason="invalid-bsn"),
        event("r5", "message-rejected", rejected_event_id="wrong", reason="invalid-bsn"),
        event("r6", "message-delivered", sent_event_id="never-sent"),
    )
    out = Findings()
    check_message_answers(received, expected, out)
    assert broken(out) == {
        "every message-sent answered": ("lost",),
        "exactly one answer": ("twice",),
        "the right answer": ("wrong",),
        "no answer to what was never sent": ("never-sent",),
    }
    assert out.figures["message-sent answered"] == 4


def test_a_valid_zaken_event_that_is_rejected_is_caught() -> None:
    expected = Expectations()
    expected.rejections = {"bad": "url-not-allowed"}
    expected.accepted = {"good"}
    received = world(
        event("a", "event-rejected", rejected_event_id="bad", reason="url-not-allowed"),
        event("b", "event-rejected", rejected_event_id="good", reason="malformed"),
    )
    out = Findings()
    check_other_answers(received, expected, out)
    assert broken(out) == {"good events accepted": ("good",)}


def _status(hour: int, code: str) -> tuple[datetime, str, bool]:
    return (datetime(2026, 3, 2, hour, tzinfo=UTC), code, False)


def _recorded(id_: str, status_event: str, hour: int, code: str) -> dict[str, Any]:
    return event(
        id_,
        "case-status-recorded",
        organisation_oin=OIN,
        identificatie="Z-1",
        recipient_bsn=BSN,
        status_event_id=status_event,
        datum_status_gezet=f"2026-03-02T{hour:02d}:00:00Z",
        statustype_code=code,
        is_eindstatus=False,
    )


def test_case_announcements_the_latest_once_and_nothing_twice() -> None:
    expected = Expectations()
    case = (OIN, "Z-1", BSN)
    b = _status(10, "b")
    expected.cases[case] = {"s1": _status(9, "a"), "s2": b, "s2bis": b}
    fine = world(_recorded("x1", "s1", 9, "a"), _recorded("x2", "s2", 10, "b"))
    out = Findings()
    assert check_announcements(fine, expected, out)[case] == _status(10, "b")
    assert out.passed
    twice = world(_recorded("x2", "s2", 10, "b"), _recorded("x3", "s2bis", 10, "b"))
    out = Findings()
    check_announcements(twice, expected, out)
    assert broken(out) == {"each status announced once": ("s2", "s2bis")}
    silent = world(_recorded("x1", "s1", 9, "a"))
    out = Findings()
    check_announcements(silent, expected, out)
    assert broken(out) == {"the current status announced": ("s2", "s2bis")}


def _status_event(
    notification: str, trigger: str, sequence: int, status: str, at: float = 0.0
) -> dict[str, Any]:
    return event(
        f"{notification}-{sequence}",
        "notification-status",
        notification_id=notification,
        trigger_event_id=trigger,
        sequence=sequence,
        status=status,
        occurred_at=datetime.fromtimestamp(at, UTC).isoformat(),
    )


def test_notifications_need_a_complete_final_history_one_per_trigger() -> None:
    received = world(
        event("t1", "message-delivered", recipient_bsn=BSN),
        event("t2", "message-delivered", recipient_bsn=BSN),
        event("t3", "message-delivered", recipient_bsn=BSN),
        _status_event("n1", "t1", 1, "created"),
        _status_event("n1", "t1", 2, "sending"),
        _status_event("n1", "t1", 3, "sent"),
        _status_event("n1", "t1", 4, "delivered"),
        _status_event("n2", "t2", 1, "created"),
        _status_event("n2", "t2", 3, "no-contact"),
        _status_event("n3", "t2", 1, "no-contact"),
    )
    out = Findings()
    history = check_notifications(received, out)
    assert broken(out) == {
        "every trigger notified": ("t3",),
        "one notification per trigger": ("t2",),
        "complete status histories": ("n2",),
    }
    assert [e["data"]["status"] for e in history["n1"]][-1] == "delivered"


def test_a_second_mail_counts_as_the_window_only_with_a_notifier_death_before_sent() -> None:
    received = world(
        event("t1", "message-delivered", recipient_bsn=BSN),
        _status_event("n1", "t1", 1, "created"),
        _status_event("n1", "t1", 2, "sent", at=110.1),  # recorded after the restart
        _status_event("n1", "t1", 3, "delivered"),
    )
    history = check_notifications(received, Findings())
    citizen = Citizen(BSN, "burger@chaos.example", True, frozenset({OIN}))
    mails = [
        RelayedMail("n1", "burger@chaos.example", 100.0),
        RelayedMail("n1", "burger@chaos.example", 110.0),
    ]
    out = Findings()
    check_mails(received, history, mails, [Death(105.0, "notifier", "kill -9")], [citizen], out)
    assert out.passed
    assert out.figures["mails in the documented window (250, then killed before saving)"] == 1
    out = Findings()
    check_mails(received, history, mails, [Death(105.0, "berichtenbox", "kill -9")], [citizen], out)
    assert broken(out) == {"no duplicate mails": ("n1",)}
    recorded_first = world(
        event("t1", "message-delivered", recipient_bsn=BSN),
        _status_event("n1", "t1", 1, "created"),
        _status_event("n1", "t1", 2, "sent", at=100.2),  # it knew, and still sent again
    )
    out = Findings()
    history = check_notifications(recorded_first, Findings())
    check_mails(recorded_first, history, mails, [Death(105.0, "notifier", "kill")], [citizen], out)
    assert broken(out) == {"no duplicate mails": ("n1",)}
    history = check_notifications(received, Findings())
    out = Findings()
    check_mails(received, history, [], [], [citizen], out)
    assert broken(out) == {"a mail for every sent notification": ("n1",)}
    out = Findings()
    stray = [RelayedMail("n1", "someone-else@chaos.example", 100.0)]
    check_mails(received, history, stray, [], [citizen], out)
    assert broken(out) == {"mail to the right citizen": ("n1",)}


def test_a_trail_chain_is_recomputed_from_the_export() -> None:
    entries, previous = [], "0" * 64
    for seq, cause in enumerate(("submitted", "stored"), start=1):
        entry = {"seq": seq, "at": "2026-03-02T09:00:00.000Z", "cause": cause, "kind": cause}
        entry |= {"details": {}, "prev_hash": previous}
        fields = {**{k: entry[k] for k in entry}, "message_id": "m1"}
        canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        entry["hash"] = previous = hashlib.sha256(canonical.encode()).hexdigest()
        entries.append(entry)
    assert chain_is_valid({"message_id": "m1", "entries": entries})
    entries[0]["details"] = {"changed": True}
    assert not chain_is_valid({"message_id": "m1", "entries": entries})


def test_a_mail_the_organisation_never_heard_of_and_a_service_dying_by_itself_are_caught() -> None:
    received = world(
        event("t1", "message-delivered", recipient_bsn=BSN),
        _status_event("n1", "t1", 1, "created"),
        _status_event("n1", "t1", 2, "temporary-failure"),
        _status_event("n1", "t1", 3, "permanent-failure"),
    )
    history = check_notifications(received, Findings())
    citizen = Citizen(BSN, "burger@chaos.example", True, frozenset({OIN}))
    out = Findings()
    mailed = [RelayedMail("n1", "burger@chaos.example", 100.0)]
    check_mails(received, history, mailed, [], [citizen], out)
    assert broken(out) == {"every mail reported": ("n1",)}
    out = Findings()
    check_deaths([Death(1.0, "zaken", "kill -9"), Death(2.0, "gegevens", "exited by itself")], out)
    assert list(broken(out)) == ["no service died by itself"]
