"""Every template in both languages, as snapshots; and no rendered mail ever carries a BSN or
anything of a message's, case's or registration's content.

Update the snapshots after an intended change: UPDATE_SNAPSHOTS=1 pytest <this file>.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mijnoverheid.contracts.envelope import CloudEvent, source_for
from mijnoverheid.identity import OrganisationRegistry, is_valid_bsn
from mijnoverheid.messaging.gate import Trusted
from notifier.adapters.templates import TEMPLATES, TemplateRenderer
from notifier.domain.contact import Language
from notifier.domain.email import Email
from notifier.domain.request import NotificationRequest, Template
from notifier.entrypoints import triggers

SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots"
PORTAL = "https://mijn.overheid.nl"
BSN = "999993653"
SECRETS = ("Vertrouwelijk-8842", "Aanslag inkomstenbelasting 2025", "KENMERK-GEHEIM", "Z-2026-0042")
NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")
NEWS = [template for template in Template if template is not Template.VERIFICATION]


def sample(template: Template, organisation: str = "Gemeente Voorbeeldstad") -> NotificationRequest:
    return NotificationRequest(
        template=template,
        trigger_source=source_for("00000001234567890000", "berichtenbox"),
        trigger_event_id="e-1",
        trigger_event_type="nl.mijnoverheid.berichtenbox.message-delivered",
        organisation_oin="00000001001234567000",
        organisation_name=organisation,
        recipient_bsn=BSN,
        legal_effect=template is not Template.REGISTRATION,
        kind="aanslag"
        if template
        in (Template.MESSAGE_DELIVERED, Template.MESSAGE_EXPIRING, Template.MESSAGE_LEFT_UNREAD)
        else None,
        deadline=datetime(2026, 4, 1, tzinfo=UTC).date()
        if template is not Template.REGISTRATION
        else None,
        expires_on=datetime(2026, 5, 1, tzinfo=UTC).date(),
        register_name="WOZ-waarde",
        message_id="m-1",
        reference="KENMERK-GEHEIM",
    )


def rendered(template: Template, language: Language) -> Email:
    renderer = TemplateRenderer(PORTAL)
    if template is Template.VERIFICATION:
        return renderer.verification("ABCD-EFGH", datetime(2026, 3, 3, 9, 0, tzinfo=UTC), language)
    return renderer.notification(sample(template), language)


def check_snapshot(name: str, actual: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no snapshot {name}: run with UPDATE_SNAPSHOTS=1 and review it"
    assert actual == path.read_text(encoding="utf-8"), f"{name} changed: UPDATE_SNAPSHOTS=1"


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("template", list(Template))
def test_snapshot(template: Template, language: Language) -> None:
    email = rendered(template, language)
    base = f"{language.value}/{template.value}"
    check_snapshot(f"{base}.subject.txt", email.subject + "\n")
    check_snapshot(f"{base}.txt", email.text)
    check_snapshot(f"{base}.html", email.html)


def test_every_template_file_has_a_snapshot() -> None:
    for path in TEMPLATES.glob("*/[!_]*.j2"):
        name = path.name.removesuffix(".j2")
        assert (SNAPSHOTS / path.parent.name / name).exists(), path


@pytest.mark.parametrize("language", list(Language))
def test_html_escapes_what_an_organisation_is_called(language: Language) -> None:
    email = TemplateRenderer(PORTAL).notification(
        sample(Template.MESSAGE_DELIVERED, "<script>alert(1)</script> & Co"), language
    )
    assert "<script>" not in email.html
    assert "&lt;script&gt;" in email.html
    assert "<script>alert(1)</script> & Co" in email.text  # plain text is not HTML


def test_a_message_always_states_whether_it_has_legal_effect_other_news_only_if_so() -> None:
    renderer = TemplateRenderer(PORTAL)
    with_effect = rendered(Template.MESSAGE_DELIVERED, Language.NL).text
    assert "heeft rechtsgevolgen" in with_effect
    plain = replace(sample(Template.MESSAGE_DELIVERED), legal_effect=False)
    assert "heeft geen rechtsgevolgen" in renderer.notification(plain, Language.NL).text
    registration = renderer.notification(sample(Template.REGISTRATION), Language.NL).text
    assert "rechtsgevolg" not in registration


def full_triggers() -> list[tuple[triggers.Trigger, dict[str, object]]]:
    """Each trigger as its producer sends it, content and all: the Notifier must drop it."""
    common = {
        "recipient_bsn": BSN,
        "subject": SECRETS[1],
        "body": f"Geachte heer, {SECRETS[0]}",
        "reference": SECRETS[2],
        "legal_effect": True,
        "deadline": "2026-04-01",
    }
    oin = "00000001001234567000"
    return [
        (
            triggers.MESSAGE_DELIVERED,
            {**common, "message_id": "m-1", "sender_oin": oin, "kind": "aanslag"},
        ),
        (
            triggers.MESSAGE_EXPIRING,
            {
                **common,
                "message_id": "m-1",
                "sender_oin": oin,
                "expires_at": "2026-05-01T00:00:00Z",
            },
        ),
        (
            triggers.MESSAGE_LEFT_UNREAD,
            {
                **common,
                "message_id": "m-1",
                "sender_oin": oin,
                "kind": "aanslag",
                "delivered_at": "2026-03-01T09:00:00Z",
            },
        ),
        (
            triggers.CASE_STATUS_RECORDED,
            {
                **common,
                "case_id": SECRETS[3],
                "identificatie": SECRETS[3],
                "organisation_oin": oin,
                "statustype_code": SECRETS[0],
                "kind": SECRETS[0],
            },
        ),
        (
            triggers.REGISTRATION_RECORDED,
            {
                **common,
                "registration_id": SECRETS[3],
                "register_code": "WOZ",
                "organisation_oin": oin,
            },
        ),
    ]


@pytest.mark.parametrize("language", list(Language))
def test_no_mail_carries_a_bsn_or_content(
    language: Language, registry: OrganisationRegistry
) -> None:
    renderer = TemplateRenderer(PORTAL)
    mails = [rendered(Template.VERIFICATION, language)]
    for trigger, data in full_triggers():
        event = CloudEvent(
            specversion="1.0",
            id="e-1",
            source=source_for("00000001234567890000", trigger.route.service),
            type=trigger.route.type,
            time=datetime(2026, 3, 2, tzinfo=UTC),
            data=data,
        )
        trusted = Trusted(event, trigger.model.model_validate(data), "00000001001234567000")
        request = triggers.to_request(trigger, trusted, registry)
        assert request is not None
        mails.append(renderer.notification(request, language))
    for email in mails:
        for part in (email.subject, email.text, email.html):
            assert not [n for n in NINE_DIGITS.findall(part) if is_valid_bsn(n)]
            for secret in SECRETS:
                assert secret not in part
