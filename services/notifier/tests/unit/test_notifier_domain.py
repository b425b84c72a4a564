"""The rules, without I/O: states, attempts and retries, delivery reports, who gets mail, and
address verification."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import bson
import pytest

from mijnoverheid.kernel import citizens_day
from notifier.adapters.documents import to_document, to_notification
from notifier.domain import verification as v
from notifier.domain.attempt import (
    Accepted,
    Deferred,
    DeliveryReport,
    Refused,
    ReportTooEarlyError,
    RetryPolicy,
    after_attempt,
    after_report,
    smtp_reply,
)
from notifier.domain.contact import (
    Contact,
    DoNotSend,
    Preferences,
    SendTo,
    channel_for,
)
from notifier.domain.notification import Notification, new_notification
from notifier.domain.notification import State as S  # noqa: N817 - the tests read as state diagrams
from notifier.domain.request import Category, NotificationRequest, Template

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = RetryPolicy((10, 60, 600, 3600), max_attempts=3)
OK = smtp_reply(250, "2.0.0 Ok: queued as 4F2A1")


def request(
    template: Template = Template.MESSAGE_DELIVERED, **fields: object
) -> NotificationRequest:
    base: dict[str, object] = {
        "template": template,
        "trigger_source": "urn:nld:oin:00000001234567890000:systeem:berichtenbox",
        "trigger_event_id": "e-1",
        "trigger_event_type": "nl.mijnoverheid.berichtenbox.message-delivered",
        "organisation_oin": "00000001003214345000",
        "organisation_name": "Belastingdienst",
        "recipient_bsn": "999993653",
    }
    return NotificationRequest(**{**base, **fields})  # type: ignore[arg-type]


def claimed() -> Notification:
    return new_notification(request(), NOW, timedelta(hours=48)).claimed(NOW, "a@example.nl")


def test_a_new_notification_is_due_48_hours_later_and_named_by_its_trigger() -> None:
    first = new_notification(request(), NOW, timedelta(hours=48))
    again = new_notification(request(), NOW + timedelta(minutes=5), timedelta(hours=48))
    assert first.notification_id == again.notification_id
    assert first.overdue_at == NOW + timedelta(hours=48)
    assert first.status is S.CREATED


def test_accepted_is_sent_with_the_reply_and_queue_id() -> None:
    sent = after_attempt(claimed(), Accepted(OK), NOW, POLICY)
    assert sent.status is S.SENT
    assert sent.last_change.smtp_reply is not None
    assert sent.last_change.smtp_reply.queue_id == "4F2A1"
    assert sent.last_change.attempt == 1


def test_5xx_is_a_permanent_failure_and_4xx_a_temporary_one() -> None:
    refused = after_attempt(claimed(), Refused(smtp_reply(550, "5.1.1 no")), NOW, POLICY)
    assert (refused.status, refused.last_change.reason) == (S.PERMANENT_FAILURE, "relay-refused")
    assert refused.is_terminal()
    deferred = after_attempt(claimed(), Deferred("relay-deferred"), NOW, POLICY)
    assert deferred.status is S.TEMPORARY_FAILURE
    assert not deferred.is_terminal()


def test_after_the_last_attempt_a_deferral_is_permanent() -> None:
    notification = claimed()
    for _ in range(POLICY.max_attempts - 1):
        notification = after_attempt(notification, Deferred("connection-lost"), NOW, POLICY)
        notification = notification.claimed(NOW, "a@example.nl")
    last = after_attempt(notification, Deferred("connection-lost"), NOW, POLICY)
    assert notification.attempts == 3
    assert (last.status, last.last_change.reason) == (S.PERMANENT_FAILURE, "attempts-exhausted")


def test_backoff_grows_and_then_stays_at_the_longest_delay() -> None:
    assert [POLICY.delay_seconds(attempt) for attempt in (1, 2, 3, 4, 9)] == [
        10,
        60,
        600,
        3600,
        3600,
    ]


def test_a_final_state_refuses_further_changes() -> None:
    failed = after_attempt(claimed(), Refused(smtp_reply(554, "no")), NOW, POLICY)
    with pytest.raises(ValueError, match="cannot become"):
        failed.moved_to(S.SENDING, NOW)


def test_replies_shown_to_organisations_never_carry_the_address() -> None:
    reply = smtp_reply(550, "5.1.1 <jan.jansen@example.nl>: Recipient address rejected")
    assert "jan.jansen" not in reply.message
    assert "<address>" in reply.message


@pytest.mark.parametrize(
    ("action", "status", "expected"),
    [
        ("delivered", "2.0.0", S.DELIVERED),
        ("failed", "5.1.1", S.BOUNCED),
        ("failed", "4.4.7", S.BOUNCED),
        ("delayed", "4.4.1", None),
        ("relayed", "2.0.0", None),
    ],
)
def test_a_report_moves_a_sent_notification(action: str, status: str, expected: S | None) -> None:
    sent = after_attempt(claimed(), Accepted(OK), NOW, POLICY)
    changed = after_report(sent, DeliveryReport("n", action, status), NOW)
    assert (changed.status if changed else None) is expected
    assert DeliveryReport("n", action, status).hard_bounce is (
        action == "failed" and status[0] == "5"
    )


def test_a_report_that_overtakes_the_sent_record_comes_back_later() -> None:
    with pytest.raises(ReportTooEarlyError):
        after_report(claimed(), DeliveryReport("n", "delivered", "2.0.0"), NOW)


def test_a_delivery_report_after_a_lost_connection_means_it_arrived_after_all() -> None:
    lost = after_attempt(claimed(), Deferred("connection-lost"), NOW, POLICY)
    changed = after_report(lost, DeliveryReport("n", "delivered", "2.0.0"), NOW)
    assert changed is not None
    assert changed.status is S.DELIVERED


VERIFIED = Contact("999993653", email="a@example.nl", verified_at=NOW)


@pytest.mark.parametrize(
    ("contact", "req", "expected"),
    [
        (None, request(), DoNotSend("no-verified-address")),
        (Contact("999993653"), request(), DoNotSend("no-verified-address")),
        (VERIFIED, request(), SendTo("a@example.nl", VERIFIED.language)),
        (
            Contact("999993653", "a@example.nl", NOW, preferences=Preferences(messages=False)),
            request(),
            DoNotSend("opted-out"),
        ),
        (
            Contact("999993653", "a@example.nl", NOW, preferences=Preferences(messages=False)),
            request(legal_effect=True),
            SendTo("a@example.nl", VERIFIED.language),
        ),
        (
            Contact("999993653", "a@example.nl", NOW, preferences=Preferences(cases=False)),
            request(Template.CASE_STATUS),
            DoNotSend("opted-out"),
        ),
        (
            Contact("999993653", "a@example.nl", NOW, undeliverable_since=NOW),
            request(),
            DoNotSend("address-undeliverable"),
        ),
        (
            Contact("999993653", "a@example.nl", NOW, undeliverable_since=NOW - timedelta(days=1)),
            request(),
            SendTo("a@example.nl", VERIFIED.language),
        ),
    ],
)
def test_who_gets_mail(
    contact: Contact | None, req: NotificationRequest, expected: SendTo | DoNotSend
) -> None:
    assert channel_for(req, contact, citizens_day(NOW)) == expected


def test_every_template_but_verification_has_a_category_a_citizen_can_switch() -> None:
    for template in Template:
        if template is not Template.VERIFICATION:
            assert request(template).category in set(Category)


def test_overdue_needs_fallback_unless_sent_or_switched_off() -> None:
    base = new_notification(request(), NOW, timedelta(hours=48))
    assert base.needs_fallback()
    assert not after_attempt(claimed(), Accepted(OK), NOW, POLICY).needs_fallback()
    assert not base.moved_to(S.NO_CONTACT, NOW, reason="opted-out").needs_fallback()
    assert base.moved_to(S.NO_CONTACT, NOW, reason="no-verified-address").needs_fallback()


def test_a_verification_code_is_confirmed_once_right_and_in_time() -> None:
    code = v.new_code()
    verification = v.start("999993653", "a@example.nl", code, NOW, timedelta(hours=24))
    assert code not in verification.code_hash
    assert v.judge(verification, v.display(code).lower(), NOW, 0) is v.Verdict.CONFIRMED
    assert v.judge(verification, "AAAAAAAA", NOW, 0) is v.Verdict.WRONG_CODE
    later = NOW + timedelta(hours=24)
    assert v.judge(verification, code, later, 0) is v.Verdict.EXPIRED
    assert v.judge(verification, code, NOW, v.MAX_WRONG_CODES) is v.Verdict.TOO_MANY_ATTEMPTS


def test_codes_are_unambiguous_and_differ() -> None:
    codes = {v.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(set(code) <= set(v.ALPHABET) and len(code) == 8 for code in codes)
    assert not set("01OIL") & set(v.ALPHABET)


def test_request_dates_stay_dates() -> None:
    assert request(deadline=date(2026, 4, 1)).deadline == date(2026, 4, 1)


def test_a_reminder_is_not_mailed_on_or_after_its_warnings_day() -> None:
    warning_on = date(2026, 7, 17)
    reminder = request(Template.MESSAGE_LEFT_UNREAD, warning_on=warning_on)
    mailed = SendTo("a@example.nl", VERIFIED.language)
    assert channel_for(reminder, VERIFIED, warning_on - timedelta(days=1)) == mailed
    for day in (warning_on, warning_on + timedelta(days=3)):
        assert channel_for(reminder, VERIFIED, day) == DoNotSend("expiry-warning-day")
    # Late at night in UTC is already the next day in Amsterdam.
    assert citizens_day(datetime(2026, 7, 16, 22, 30, tzinfo=UTC)) == warning_on


def test_every_date_of_a_request_is_stored_in_a_form_bson_can_hold() -> None:
    # BSON has no date type: a request with a date the mapping misses fails to be stored.
    dates = {f: date(2026, 7, 17) for f in ("deadline", "expires_on", "warning_on")}
    stored = new_notification(request(Template.MESSAGE_LEFT_UNREAD, **dates), NOW, timedelta(1))
    document = to_document(stored)
    bson.encode(document)
    assert to_notification(document).request == stored.request
