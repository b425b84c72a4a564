"""Which version is current, and when recording one is worth announcing: order-independent."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from gegevens.domain import model
from gegevens.domain.model import RegistrationChange, VersionRef
from services.gegevens.tests.events import version_of

CHANGED, REMOVED = RegistrationChange.CHANGED, RegistrationChange.REMOVED
T0 = datetime(2026, 1, 1, tzinfo=UTC)
SOURCE = "urn:nld:oin:00000001001234567000:systeem:woz"


def ref(
    event_id: str, minutes: int, change: RegistrationChange = CHANGED, registration: str = "r"
) -> VersionRef:
    return VersionRef(
        version_id=model.version_id_for(SOURCE, event_id),
        registration_id=registration,
        event_source=SOURCE,
        event_id=event_id,
        valid_from=T0 + timedelta(minutes=minutes),
        change=change,
    )


def test_the_latest_valid_from_wins_not_the_last_arrival() -> None:
    older, newer = ref("b", 1), ref("a", 2)
    assert model.current([newer, older]) == newer
    assert model.current([older, newer]) == newer


def test_a_tie_is_broken_by_event_id_then_source() -> None:
    first, second = ref("a", 5), ref("b", 5)
    assert model.latest([second, first]) == second
    other_source = VersionRef(
        first.version_id, "r", SOURCE.replace("woz", "zzz"), "a", first.valid_from, CHANGED
    )
    assert model.latest([other_source, first]) == other_source


def test_a_later_removal_hides_the_registration_and_an_earlier_one_does_not() -> None:
    change = ref("a", 5)
    assert model.current([change, ref("x", 6, REMOVED)]) is None
    assert model.current([change, ref("x", 4, REMOVED)]) == change
    assert model.current([]) is None


def test_visible_gives_the_current_version_of_each_registration() -> None:
    one = [ref("a", 1, registration="one"), ref("b", 2, registration="one")]
    two = [ref("c", 1, registration="two"), ref("d", 2, REMOVED, registration="two")]
    three = [ref("e", 3, registration="three")]
    visible = model.visible(random.sample(one + two + three, k=5))
    assert sorted(v.event_id for v in visible) == ["b", "e"]


def test_announces_only_what_changes_what_the_citizen_sees() -> None:
    old, new = ref("a", 1), ref("b", 2)
    assert model.announces(old, [])
    assert model.announces(new, [old])
    assert not model.announces(old, [new]), "stale"
    assert model.announces(new, [old, new]), "its own earlier record is no rival"
    assert model.announces(ref("x", 3, REMOVED), [new])
    assert not model.announces(ref("x", 3, REMOVED), []), "nothing shown, nothing removed"
    assert not model.announces(ref("y", 4, REMOVED), [new, ref("x", 3, REMOVED)])


def test_moments_are_utc_with_millisecond_precision_like_bson() -> None:
    moment = datetime(2026, 1, 1, 10, 0, 0, 123999, tzinfo=timezone(timedelta(hours=1)))
    assert model.instant(moment) == datetime(2026, 1, 1, 9, 0, 0, 123000, tzinfo=UTC)
    assert model.instant(moment).tzinfo is UTC


def test_the_registration_id_is_per_organisation_register_key_and_citizen() -> None:
    ids = {
        model.registration_id_for("o1", "WOZ", "k", "999993653"),
        model.registration_id_for("o2", "WOZ", "k", "999993653"),
        model.registration_id_for("o1", "BRP", "k", "999993653"),
        model.registration_id_for("o1", "WOZ", "k2", "999993653"),
        model.registration_id_for("o1", "WOZ", "k", "999990019"),
    }
    assert len(ids) == 5
    assert model.registration_id_for("o1", "WOZ", "k", "999993653") in ids


def test_version_of_a_change_keeps_facts_in_order() -> None:
    data = {
        "recipient_bsn": "999993653",
        "register_code": "WOZ",
        "registration_key": "k",
        "facts": [
            {"label": f"l{index}", "value": {"type": "text", "text": "x"}} for index in range(5)
        ],
        "valid_from": "2026-01-01T10:00:00.5+01:00",
        "where_to_change": {"description": "d", "url": "https://a.example/"},
    }
    version = version_of(data, event_id="e", recorded_at=T0, source=SOURCE)
    assert [fact.label for fact in version.facts] == [f"l{index}" for index in range(5)]
    assert version.valid_from == datetime(2026, 1, 1, 9, 0, 0, 500000, tzinfo=UTC)
    assert version.ref.order == (version.valid_from, "e", SOURCE)
    assert version.change is CHANGED


# --- property: permutations and duplicates give the same final state ----------------------

versions = st.lists(
    st.builds(
        ref,
        event_id=st.sampled_from("abcdefgh"),
        minutes=st.integers(0, 5),  # few moments, so ties are common
        change=st.sampled_from([CHANGED, REMOVED]),
        registration=st.sampled_from(["one", "two", "three"]),
    ),
    min_size=1,
    max_size=25,
    unique_by=lambda version: version.event_id,  # one event id is one version
)


@given(versions=versions, data=st.data())
def test_any_arrival_order_with_duplicates_gives_the_same_state(
    versions: list[VersionRef], data: st.DataObject
) -> None:
    duplicates = data.draw(st.lists(st.sampled_from(versions), max_size=10))
    arrival = data.draw(st.permutations(versions + duplicates))
    assert model.visible(arrival) == model.visible(versions)
    for registration in ("one", "two", "three"):
        mine = [version for version in versions if version.registration_id == registration]
        arrived = [version for version in arrival if version.registration_id == registration]
        assert model.latest(arrived) == model.latest(mine)
