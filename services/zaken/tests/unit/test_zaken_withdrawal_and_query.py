"""Withdrawal and the organisation's question, on in-memory adapters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from mijnoverheid.contracts.zaken import CaseLifecycle, CaseState
from mijnoverheid.identity import Organisation

BSN = "999993653"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
Zaken = Any  # the harness from conftest.py


async def test_a_withdrawn_case_disappears_and_later_statuses_trigger_nothing(
    zaken: Zaken,
    gemeente: Organisation,
    status_event: Callable[..., dict[str, Any]],
    withdrawn_event: Callable[..., dict[str, Any]],
) -> None:
    await zaken.send(gemeente, status_event(gemeente, BSN, "Z-1"))
    await zaken.send(gemeente, withdrawn_event(gemeente, "Z-1"))
    await zaken.send(gemeente, status_event(gemeente, BSN, "Z-1", code="x", at=T0 + timedelta(1)))
    [case] = await zaken.store.cases_of_citizen(BSN)
    assert case.withdrawn
    assert len(case.history) == 2, "what arrives after a withdrawal is still recorded"
    assert len(zaken.triggers()) == 1


async def test_the_state_query_answers_only_for_the_asking_organisation(
    zaken: Zaken,
    gemeente: Organisation,
    belastingdienst: Organisation,
    status_event: Callable[..., dict[str, Any]],
    withdrawn_event: Callable[..., dict[str, Any]],
    state_requested_event: Callable[..., dict[str, Any]],
) -> None:
    later = T0 + timedelta(days=1)
    await zaken.send(gemeente, status_event(gemeente, BSN, "Z-1"))
    await zaken.send(
        gemeente, status_event(gemeente, BSN, "Z-1", code="klaar", at=later, closes=True)
    )
    await zaken.send(gemeente, status_event(gemeente, BSN, "Z-2"))
    await zaken.send(gemeente, withdrawn_event(gemeente, "Z-2"))
    await zaken.send(belastingdienst, status_event(belastingdienst, BSN, "B-1"))
    request = state_requested_event(gemeente, "Z-1", "Z-2", "B-1", "Z-1")
    await zaken.send(gemeente, request)

    answer, key = zaken.published.published[-1]
    assert key == f"zaken.case-state.{gemeente.oin}"
    state = CaseState.model_validate(answer.data)
    assert state.request_id == request["id"]
    by_id = {case.identificatie: case for case in state.cases}
    assert list(by_id) == ["Z-1", "Z-2", "B-1"], "asked order, each once"
    assert by_id["Z-1"].state is CaseLifecycle.CLOSED
    [citizen] = by_id["Z-1"].citizens
    assert [s.statustype_code for s in citizen.history] == ["klaar", "ontvangen"]
    assert citizen.current_status.statustype_code == "klaar"
    assert by_id["Z-2"].state is CaseLifecycle.WITHDRAWN
    assert by_id["B-1"].state is CaseLifecycle.NOT_FOUND, "another organisation's case"
    assert by_id["B-1"].citizens == []
