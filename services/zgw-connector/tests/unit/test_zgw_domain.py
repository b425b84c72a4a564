"""The connector's pure rules: which zaak an event names, what a zaak gives Lopende Zaken, and
when to try again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from zgw_connector.domain.case import (
    CaseSnapshot,
    Initiator,
    NothingToReport,
    NotYet,
    Report,
    Status,
    StatusType,
    Zaak,
    ZaakType,
    decide,
)
from zgw_connector.domain.retry import GiveUp, RetryPolicy, TryAgain
from zgw_connector.domain.thin_event import Accepted, ThinEvent, ThinEventKind, Unacceptable, accept

ROOT = "https://zaken.voorbeeldstad.example/zaken/api/v1/"
CATALOGI = "https://zaken.voorbeeldstad.example/catalogi/api/v1/"
KEY = "89b06186-c133-4c74-8492-b43392bc4fdb"
ZAAK_URL = f"{ROOT}zaken/{KEY}"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DOSSIER = "https://loket.voorbeeldstad.example/zaken/{identificatie}"


def event(**overrides: str | None) -> ThinEvent:
    fields: dict[str, str | None] = {
        "type": "nl.overheid.zaken.zaak-gemuteerd",
        "subject": KEY,
        "dataref": f"/zaken/api/v1/zaken/{KEY}",
    }
    fields.update(overrides)
    return ThinEvent(
        id="b386ff52",
        source="urn:nld:oin:01823288444:zakensysteem",
        type=str(fields["type"]),
        time=T0,
        subject=fields["subject"],
        dataref=fields["dataref"],
    )


def test_open_zaaks_relative_dataref_names_the_zaak_in_the_registered_api() -> None:
    assert accept(event(), ROOT) == Accepted(ThinEventKind.GEMUTEERD, ZAAK_URL)


def test_an_absolute_dataref_and_a_subject_alone_do_too() -> None:
    assert accept(event(dataref=ZAAK_URL), ROOT) == Accepted(ThinEventKind.GEMUTEERD, ZAAK_URL)
    assert accept(event(dataref=None), ROOT) == Accepted(ThinEventKind.GEMUTEERD, ZAAK_URL)


@pytest.mark.parametrize(
    ("dataref", "code"),
    [
        (f"https://elders.example/zaken/api/v1/zaken/{KEY}", "url-not-allowed"),
        (f"http://zaken.voorbeeldstad.example/zaken/api/v1/zaken/{KEY}", "url-not-allowed"),
        (f"https://zaken.voorbeeldstad.example:8443/zaken/api/v1/zaken/{KEY}", "url-not-allowed"),
        (f"https://u:p@zaken.voorbeeldstad.example/zaken/api/v1/zaken/{KEY}", "url-not-allowed"),
        (f"/catalogi/api/v1/zaaktypen/{KEY}", "url-not-allowed"),
        (f"/zaken/api/v1/zaken/{KEY}?x=1", "url-not-allowed"),
        (f"/zaken/api/v1/statussen/{KEY}", "no-zaak"),
        ("/zaken/api/v1/zaken/not-a-uuid", "no-zaak"),
        (f"/zaken/api/v1/zaken/{KEY.replace('8', '9')}", "no-zaak"),  # not the subject
    ],
)
def test_a_zaak_anywhere_else_is_refused(dataref: str, code: str) -> None:
    found = accept(event(dataref=dataref), ROOT)
    assert isinstance(found, Unacceptable)
    assert found.code == code


def test_an_event_without_a_zaak_or_of_another_type_is_refused() -> None:
    assert accept(event(dataref=None, subject=None), ROOT) == Unacceptable(
        "no-zaak", "the event names no zaak: no dataref, no zaak UUID subject"
    )
    other = accept(event(type="nl.overheid.zaken.zaak-opgeschort"), ROOT)
    assert isinstance(other, Unacceptable)
    assert other.code == "unsupported-event-type"


def snapshot(
    *,
    current: int | None = 1,
    statuses: int = 2,
    initiators: tuple[Initiator, ...] = (Initiator("natuurlijk_persoon", "999993653"),),
    published: bool = True,
    informeren: bool = True,
) -> CaseSnapshot:
    types = [
        StatusType(f"{CATALOGI}statustypen/t{n}", f"Stap {n}", n == 2, informeren) for n in (1, 2)
    ]
    found = tuple(
        Status(f"{ROOT}statussen/s{n}", types[n], T0 + timedelta(days=n), "" if n else "Uitleg")
        for n in range(statuses)
    )
    zaak = Zaak(
        ZAAK_URL,
        "ZAAK 1/2026",
        f"{CATALOGI}zaaktypen/z",
        None if current is None else f"{ROOT}statussen/s{current}",
        date(2026, 4, 1),
    )
    return CaseSnapshot(
        zaak, ZaakType(zaak.zaaktype, "Parkeervergunning", published), found, initiators
    )


def test_every_status_is_reported_and_only_the_current_one_may_be_news() -> None:
    decision = decide(snapshot(), DOSSIER)
    assert isinstance(decision, Report)
    newest, oldest = decision.statuses
    assert (newest.statustype_code, newest.informeren, newest.is_eindstatus) == ("t2", True, True)
    assert (oldest.statustype_code, oldest.informeren) == ("t1", False)
    assert newest.dossier_url == "https://loket.voorbeeldstad.example/zaken/ZAAK%201%2F2026"
    assert (newest.statustoelichting, oldest.statustoelichting) == (None, "Uitleg")
    assert newest.einddatum_gepland == date(2026, 4, 1)


def test_informeren_false_on_the_current_statustype_announces_nothing() -> None:
    decision = decide(snapshot(informeren=False), DOSSIER)
    assert isinstance(decision, Report)
    assert [status.informeren for status in decision.statuses] == [False, False]


def test_each_citizen_initiator_gets_the_case_and_others_do_not() -> None:
    initiators = (
        Initiator("natuurlijk_persoon", "999993653"),
        Initiator("natuurlijk_persoon", "999990019"),
        Initiator("niet_natuurlijk_persoon", None),
        Initiator("natuurlijk_persoon", ""),
    )
    decision = decide(snapshot(initiators=initiators), DOSSIER)
    assert isinstance(decision, Report)
    assert sorted({status.bsn for status in decision.statuses}) == ["999990019", "999993653"]


@pytest.mark.parametrize(
    ("made", "expected"),
    [
        (lambda: snapshot(current=None, statuses=0), NotYet("the zaak has no status yet")),
        (lambda: snapshot(statuses=1), NotYet("the zaak's current status is not listed yet")),
        (lambda: snapshot(initiators=()), NotYet("the zaak has no initiator yet")),
        (
            lambda: snapshot(initiators=(Initiator("vestiging", None),)),
            NothingToReport("the initiator is not a citizen with a BSN"),
        ),
        (
            lambda: snapshot(published=False),
            NothingToReport("the zaaktype is not to be published (publicatieIndicatie)"),
        ),
    ],
)
def test_an_incomplete_zaak_waits_and_a_zaak_of_nobody_is_nothing(
    made: object, expected: object
) -> None:
    assert decide(made(), DOSSIER) == expected  # type: ignore[operator]


def test_retries_back_off_then_give_up() -> None:
    policy = RetryPolicy((10, 60, 600, 3600), max_attempts=6)
    steps = [policy.after(attempt) for attempt in range(1, 7)]
    assert steps[:5] == [
        TryAgain(0, 10),
        TryAgain(1, 60),
        TryAgain(2, 600),
        TryAgain(3, 3600),
        TryAgain(3, 3600),
    ]
    assert steps[5] == GiveUp(6)
    with pytest.raises(ValueError, match="at least one"):
        RetryPolicy((), 3)
