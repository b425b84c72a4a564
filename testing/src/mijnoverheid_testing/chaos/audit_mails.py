"""Invariants over notifications and the mails the relay accepted (pure, unit-tested).

A notification's statuses arrive as events numbered 1..n (`sequence`); none may be missing
and the last must be final. Mails carry the notification id as their Message-ID, so the relay
can count mails per notification. A second mail is expected in one place only, the window the
Notifier documents: the relay said 250, the Notifier died before it saved `sent`, and the
mail was sent again after the restart. Such a copy is counted separately; any other is a
duplicate.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from mijnoverheid_testing.chaos.audit_answers import of_type
from mijnoverheid_testing.chaos.findings import Findings
from mijnoverheid_testing.chaos.relay import RelayedMail
from mijnoverheid_testing.chaos.system import EXITED_BY_ITSELF, Death
from mijnoverheid_testing.chaos.workload import Citizen

Event = dict[str, Any]
FINAL = frozenset({"delivered", "bounced", "permanent-failure", "no-contact"})
CLOCK_SLACK_SECONDS = 0.5  # the relay and the Notifier read the same clock, at other moments
TRIGGERS = ("message-delivered", "case-status-recorded", "registration-recorded")


def check_notifications(events: dict[str, Event], out: Findings) -> dict[str, list[Event]]:
    """Every trigger has exactly one notification, with a complete history ending final;
    returns the history of every notification, by id."""
    statuses = of_type(events, "notification-status")
    history: dict[str, list[Event]] = defaultdict(list)
    by_trigger: dict[str, set[str]] = defaultdict(set)
    for event in statuses:
        history[event["data"]["notification_id"]].append(event)
        by_trigger[event["data"]["trigger_event_id"]].add(event["data"]["notification_id"])
    triggers = {e["id"] for suffix in TRIGGERS for e in of_type(events, suffix)}
    silent = [t for t in triggers if t not in by_trigger]
    doubled = [t for t in triggers if len(by_trigger.get(t, ())) > 1]
    strays = [t for t in by_trigger if t not in triggers]
    gaps: list[str] = []
    unfinished: list[str] = []
    finals: Counter[str] = Counter()
    for notification_id, entries in history.items():
        entries.sort(key=lambda e: e["data"]["sequence"])
        sequences = [e["data"]["sequence"] for e in entries]
        if sequences != list(range(1, len(entries) + 1)):
            gaps.append(notification_id)
        last, reason = entries[-1]["data"]["status"], entries[-1]["data"].get("reason")
        finals[f"{last} ({reason})" if reason else last] += 1
        if last not in FINAL:
            unfinished.append(notification_id)
    for status, count in finals.items():
        out.figures[f"notifications ending {status}"] = count
    out.figures["notifications"] = len(history)
    out.check("every trigger notified", "no notification for a trigger (lost)", silent)
    out.check("one notification per trigger", "two notifications for one trigger", doubled)
    out.check("no notification without a trigger", "about an unknown trigger", strays)
    out.check("complete status histories", "a status sequence with a gap", gaps)
    out.check("every notification final", "last status not final", unfinished)
    return dict(history)


def _moment(event: Event) -> float:
    return datetime.fromisoformat(event["data"]["occurred_at"]).timestamp()


def _in_window(
    first: RelayedMail, second: RelayedMail, deaths: Sequence[float], sent: Sequence[float]
) -> bool:
    """The Notifier died after the relay took the first copy and before it had recorded
    that copy as sent (a `sent` recorded before the death would have stopped the resend)."""
    return any(
        first.accepted_at <= died <= second.accepted_at
        and not any(first.accepted_at - CLOCK_SLACK_SECONDS <= at <= died for at in sent)
        for died in deaths
    )


def _recipient(trigger: Event) -> str:
    data = trigger["data"]
    return str(data["recipient_bsn"])


def check_deaths(deaths: Sequence[Death], out: Findings) -> None:
    """Services die only when the schedule kills them."""
    own = [f"{d.service} {d.how} at {d.at:.0f}" for d in deaths if EXITED_BY_ITSELF in d.how]
    out.check("no service died by itself", "a service ended without being killed", own)


def check_mails(
    events: dict[str, Event],
    history: dict[str, list[Event]],
    mails: Sequence[RelayedMail],
    deaths: Sequence[Death],
    citizens: Sequence[Citizen],
    out: Findings,
) -> None:
    per_notification: dict[str, list[RelayedMail]] = defaultdict(list)
    for mail in mails:
        if mail.message_id is not None:
            per_notification[mail.message_id].append(mail)
    address = {c.bsn: c.email for c in citizens}
    notifier_deaths = sorted(d.at for d in deaths if d.service == "notifier")
    missing: list[str] = []
    unexplained: list[str] = []
    window: list[str] = []
    wrong_address: list[str] = []
    strays: list[str] = []
    for notification_id, copies in per_notification.items():
        entries = history.get(notification_id)
        if not entries:
            strays.append(notification_id)
            continue
        trigger = events.get(entries[0]["data"]["trigger_event_id"])
        if trigger is not None and any(
            m.recipient != address.get(_recipient(trigger)) for m in copies
        ):
            wrong_address.append(notification_id)
        copies.sort(key=lambda m: m.accepted_at)
        sent_at = [_moment(e) for e in entries if e["data"]["status"] == "sent"]
        for first, second in itertools.pairwise(copies):
            explained = _in_window(first, second, notifier_deaths, sent_at)
            (window if explained else unexplained).append(notification_id)
    unreported: list[str] = []
    for notification_id, entries in history.items():
        sent = any(e["data"]["status"] in ("sent", "delivered", "bounced") for e in entries)
        if sent and notification_id not in per_notification:
            missing.append(notification_id)
        if not sent and notification_id in per_notification:
            unreported.append(notification_id)
    notification_mails = sum(len(copies) for copies in per_notification.values())
    out.figures["mails accepted by the relay"] = notification_mails
    out.figures["mails in the documented window (250, then killed before saving)"] = len(window)
    out.figures["mails duplicated outside that window"] = len(unexplained)
    out.check("a mail for every sent notification", "sent, but no mail reached the relay", missing)
    out.check("no duplicate mails", "a second mail without a kill in between", unexplained)
    out.check("every mail reported", "mailed, but the organisation never told `sent`", unreported)
    out.check("mail to the right citizen", "a mail to an address not the citizen's", wrong_address)
    out.check("no mail without a notification", "mail about an unknown notification", strays)
