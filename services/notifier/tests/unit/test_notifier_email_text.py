"""The e-mail about a new message: who sent it, legal effect, deadline, where to look; never
the BSN, the sender's reference or anything of the message itself."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.adapters.templates import TemplateRenderer
from notifier.domain.contact import Language
from notifier.domain.request import NotificationRequest, Template

PORTAL = "https://mijn.overheid.example"
LEGAL_EFFECT_NL = "Dit bericht heeft rechtsgevolgen: lees het zo snel mogelijk."
NO_LEGAL_EFFECT_NL = "Dit bericht heeft geen rechtsgevolgen."

renderer = TemplateRenderer(PORTAL)


def request(
    *,
    organisation_name: str = "Gemeente Voorbeeldstad",
    bsn: str = "999993653",
    legal_effect: bool = False,
    deadline: date | None = None,
    kind: str | None = None,
    reference: str | None = "KENMERK-GEHEIM-1",
) -> NotificationRequest:
    return NotificationRequest(
        template=Template.MESSAGE_DELIVERED,
        trigger_source="urn:nld:oin:00000001234567890000:systeem:berichtenbox",
        trigger_event_id="e-1",
        trigger_event_type="nl.mijnoverheid.berichtenbox.message-delivered",
        organisation_oin="00000001001234567000",
        organisation_name=organisation_name,
        recipient_bsn=bsn,
        legal_effect=legal_effect,
        kind=kind,
        deadline=deadline,
        message_id="bericht-id-7731",
        reference=reference,
    )


def test_the_email_names_the_organisation_and_where_to_look() -> None:
    email = renderer.notification(request(), Language.NL)
    assert email.subject == "Nieuw bericht in uw Berichtenbox op MijnOverheid"
    assert "Er staat een nieuw bericht van Gemeente Voorbeeldstad in uw Berichtenbox" in email.text
    assert f"{PORTAL}/berichtenbox" in email.text
    assert f'href="{PORTAL}/berichtenbox"' in email.html
    assert "Gemeente Voorbeeldstad" in email.html


def test_legal_effect_kind_and_deadline_are_mentioned_when_given() -> None:
    email = renderer.notification(
        request(legal_effect=True, deadline=date(2026, 3, 9), kind="besluit"), Language.NL
    )
    assert LEGAL_EFFECT_NL in email.text
    assert "Let op: u moet uiterlijk 9 maart 2026 reageren." in email.text
    assert "Soort bericht: besluit." in email.text
    assert "rechtsgevolgen" in email.html
    assert "9 maart 2026" in email.html


def test_a_kind_with_a_domain_name_never_reaches_the_mail() -> None:
    # Refused at the Berichtenbox's door; this guards messages stored before that rule.
    lure = "Betaal direct via www.belasting-terugave.nl"
    email = renderer.notification(request(kind=lure), Language.NL)
    assert "belasting-terugave" not in email.text
    assert "belasting-terugave" not in email.html
    assert "Soort bericht" not in email.text


def test_a_message_without_legal_effect_says_so_and_names_no_deadline() -> None:
    email = renderer.notification(request(legal_effect=False, deadline=None), Language.NL)
    assert NO_LEGAL_EFFECT_NL in email.text
    assert LEGAL_EFFECT_NL not in email.text
    assert "uiterlijk" not in email.text
    assert "Soort bericht" not in email.text


def test_the_english_email_says_the_same() -> None:
    email = renderer.notification(
        request(legal_effect=True, deadline=date(2026, 3, 9)), Language.EN
    )
    assert "Gemeente Voorbeeldstad" in email.text
    assert "9 March 2026" in email.text
    assert "999993653" not in email.text


def test_the_organisation_name_is_data_not_markup_in_html() -> None:
    email = renderer.notification(request(organisation_name="<script>x</script>"), Language.NL)
    assert "<script>" not in email.html
    assert "&lt;script&gt;" in email.html


@pytest.mark.parametrize("bsn", ["999993653", "111222333", "123456782"])
@pytest.mark.parametrize("language", list(Language))
def test_the_email_never_contains_the_bsn_the_reference_or_the_message_id(
    bsn: str, language: Language
) -> None:
    email = renderer.notification(
        request(bsn=bsn, legal_effect=True, deadline=date(2026, 3, 1), kind="aanslag"), language
    )
    for part in (email.subject, email.text, email.html):
        assert bsn not in part
        assert "KENMERK-GEHEIM-1" not in part
        assert "bericht-id-7731" not in part


@settings(max_examples=50)
@given(
    digits=st.text(alphabet="0123456789", min_size=9, max_size=9),
    legal_effect=st.booleans(),
    deadline=st.none() | st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
)
def test_no_bsn_ever_reaches_the_email(
    digits: str, legal_effect: bool, deadline: date | None
) -> None:
    email = renderer.notification(
        request(bsn=digits, legal_effect=legal_effect, deadline=deadline), Language.NL
    )
    assert digits not in email.text
    assert digits not in email.html
    assert (LEGAL_EFFECT_NL in email.text) is legal_effect
    if deadline is not None:
        assert f"uiterlijk {deadline.day} " in email.text
        assert str(deadline.year) in email.text
