"""A queued thin event, processed: fetch the zaak from the organisation's ZGW APIs and publish
what Lopende Zaken must know, on the organisation's behalf; try again later when the zaak is not
complete yet, and give up (dead letter, for ops) after the last attempt."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.kernel import UnprocessableEventError
from zgw_connector.adapters.queue import ThinEventCommand
from zgw_connector.adapters.zgw import ZgwRefusedError, ZgwUnavailableError
from zgw_connector.domain.case import NothingToReport, NotYet, Report, decide
from zgw_connector.domain.retry import GiveUp, RetryPolicy
from zgw_connector.domain.thin_event import ThinEventKind, delivery_key, within
from zgw_connector.ports import CaseEvents, CaseSources, Records, ThinEventQueue

logger = logging.getLogger(__name__)


def handled_key(command: ThinEventCommand) -> str:
    return delivery_key(command.oin, command.event_source, command.event_id)


@dataclass(frozen=True)
class RelayThinEvent:
    registry: OrganisationRegistry
    records: Records
    sources: CaseSources
    events: CaseEvents
    queue: ThinEventQueue
    policy: RetryPolicy
    clock: Callable[[], datetime]

    async def __call__(self, command: ThinEventCommand) -> None:
        organisation = self.registry.by_oin(command.oin)
        zgw = organisation.zgw if organisation is not None else None
        if zgw is None or not within(command.zaak_url, zgw.zaken_api):
            # Configuration changed since it was accepted: nobody to act for.
            raise UnprocessableEventError(
                "thin event for an organisation the connector no longer serves"
            )
        key = handled_key(command)
        if await self.records.was_handled(key):
            return
        kind = ThinEventKind(command.event_type)
        if kind is ThinEventKind.GEOPEND:
            outcome = "ignored: zaak-geopend tells Lopende Zaken nothing"
        elif kind is ThinEventKind.VERWIJDERD:
            outcome = await self._withdraw(command)
        else:
            found = await self._report(command, zgw.dossier_url)
            if found is None:
                return  # tried again later
            outcome = found
        await self.records.mark_handled(key, outcome, self.clock())
        logger.info("thin event handled", extra={"message_id": key, "outcome": outcome})

    async def _withdraw(self, command: ThinEventCommand) -> str:
        await self.records.mark_deleted(command.oin, command.zaak_url, self.clock())
        identificatie = await self.records.identificatie(command.oin, command.zaak_url)
        if identificatie is None:
            return "nothing to withdraw: no status of this zaak was ever reported"
        await self.events.withdrawn(
            command.oin, identificatie, command.zaak_url, command.event_time
        )
        return "withdrawn"

    async def _report(self, command: ThinEventCommand, dossier_url: str) -> str | None:
        if await self.records.is_deleted(command.oin, command.zaak_url):
            return "ignored: the zaak was deleted"
        try:
            snapshot = await self.sources.for_organisation(command.oin).snapshot(command.zaak_url)
        except ZgwRefusedError as error:
            raise UnprocessableEventError(str(error)) from error
        except ZgwUnavailableError as error:
            await self._later(command, str(error))
            return None
        decision = decide(snapshot, dossier_url)
        if isinstance(decision, NotYet):
            await self._later(command, decision.reason)
            return None
        if isinstance(decision, NothingToReport):
            return f"nothing to report: {decision.reason}"
        assert isinstance(decision, Report)
        await self.records.remember_zaak(command.oin, command.zaak_url, snapshot.zaak.identificatie)
        for status in decision.statuses:
            await self.events.status_changed(command.oin, status, command.event_time)
        return f"reported {len(decision.statuses)} statuses"

    async def _later(self, command: ThinEventCommand, reason: str) -> None:
        step = self.policy.after(command.attempt)
        if isinstance(step, GiveUp):
            raise UnprocessableEventError(f"gave up after {step.attempts} attempts: {reason}")
        logger.info(
            "zaak not ready, trying again later",
            extra={
                "message_id": handled_key(command),
                "attempt": command.attempt,
                "retry_after_seconds": step.seconds,
                "reason": reason,
            },
        )
        await self.queue.retry_later(command, step.level)
