"""Helpers shared by the Zaken property tests: the domain's view of a published event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mijnoverheid.contracts.envelope import CloudEvent
from mijnoverheid.contracts.zaken import CaseStatusChanged
from mijnoverheid.identity import Organisation
from mijnoverheid.inbound import Accepted
from zaken.domain import model
from zaken.domain.case import Case
from zaken.entrypoints.subscriptions import report_status


def report_of(event: dict[str, Any], sender: Organisation, now: datetime) -> model.StatusReport:
    """The status report the service makes of a case-status-changed event."""
    envelope = CloudEvent.model_validate(event)
    accepted = Accepted(sender, envelope, CaseStatusChanged.model_validate(event["data"]))
    return model.report(report_status(accepted), now=now)


def cases_by_id(cases: list[Case]) -> dict[str, Case]:
    return {case.case_id: case for case in cases}
