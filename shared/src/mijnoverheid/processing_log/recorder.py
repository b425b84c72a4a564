"""Recording a read: its spans (exported when configured) and the citizen's copy of each.

One read of one citizen's data is one span and one record. A read of several citizens' data
at once (an organisation's query) is, as the standard prescribes, one span for the read and
under it one span per citizen, each with its own record; the read's own span names nobody.
The records are stored before the caller answers: a read that could not be recorded fails.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Protocol

from opentelemetry.trace import Span

from mijnoverheid.processing_log import tracing
from mijnoverheid.processing_log.activities import Action
from mijnoverheid.processing_log.model import (
    DATA_SUBJECT_ID,
    DATA_SUBJECT_ID_TYPE,
    FOREIGN_OPERATION_PROCESSOR,
    PROCESSING_ACTIVITY_ID,
    Caller,
    Party,
    PartyGroup,
    ProcessingRecord,
    RecordStatus,
    inbound_traceparent,
)
from mijnoverheid.processing_log.store import ProcessingLogStore
from mijnoverheid.processing_log.subjects import SubjectPseudonyms

logger = logging.getLogger("mijnoverheid.processing_log")


class ProcessingLog(Protocol):
    """The port: what entrypoints and handlers record their reads with."""

    register: str  # the URI prefix of the processing activities' register

    async def record(
        self,
        action: Action,
        subjects: Sequence[str],
        party: Party,
        caller: Caller,
        *,
        started_at: datetime | None = None,
        failed: bool = False,
    ) -> None:
        """`subjects` are the BSNs whose data was read (each recorded once)."""
        ...

    async def page(
        self, bsn: str, group: PartyGroup, skip: int, limit: int
    ) -> tuple[list[ProcessingRecord], int]: ...


class Recorder:
    def __init__(
        self,
        store: ProcessingLogStore,
        spans: tracing.Spans,
        pseudonyms: SubjectPseudonyms,
        register: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.spans = spans
        self._pseudonyms = pseudonyms
        self.register = register
        self._clock = clock

    def activity_id(self, action: Action) -> str:
        return self.register + action.activity.code

    async def record(
        self,
        action: Action,
        subjects: Sequence[str],
        party: Party,
        caller: Caller,
        *,
        started_at: datetime | None = None,
        failed: bool = False,
    ) -> None:
        ended_at = self._clock()
        started_at = started_at or ended_at
        start_ns = _nanoseconds(started_at)
        remote = tracing.remote_parent(caller.traceparent)
        common = {
            PROCESSING_ACTIVITY_ID: self.activity_id(action),
            FOREIGN_OPERATION_PROCESSOR: caller.processor,
        }
        pseudonyms = list(dict.fromkeys(self._pseudonyms.of(bsn) for bsn in subjects))
        name = action.label.nl  # the standard's `name` is for people
        opened: list[Span] = []
        if len(pseudonyms) == 1:
            parent = remote
        else:  # the read itself, naming nobody; one span per citizen under it
            opened.append(self.spans.start(name, remote, common, start_ns))
            parent = tracing.within(opened[0])
        records = []
        for pseudonym in pseudonyms:
            attributes = {
                **common,
                DATA_SUBJECT_ID: pseudonym,
                DATA_SUBJECT_ID_TYPE: self._pseudonyms.id_type,
            }
            span = self.spans.start(name, parent, attributes, start_ns)
            opened.append(span)
            trace_id, span_id = tracing.ids_of(span)
            records.append(
                ProcessingRecord(
                    subject=pseudonym,
                    action=action.code,
                    activity=action.activity.code,
                    party=party,
                    started_at=started_at,
                    ended_at=ended_at,
                    trace_id=trace_id,
                    span_id=span_id,
                    parent_span_id=tracing.parent_id_of(parent),
                    status=RecordStatus.ERROR if failed else RecordStatus.UNSET,
                )
            )
        if failed:
            for span in opened:
                tracing.fail(span, "the read failed inside the service")
        try:
            # Together: the records share one write (each still waits for its own slot).
            await asyncio.gather(*(self.store.append(record) for record in records))
        except Exception:
            for span in opened:
                tracing.fail(span, "the processing log could not store the record")
            raise
        finally:
            end_ns = _nanoseconds(ended_at)
            for span in reversed(opened):
                span.end(end_time=end_ns)

    async def page(
        self, bsn: str, group: PartyGroup, skip: int, limit: int
    ) -> tuple[list[ProcessingRecord], int]:
        return await self.store.page(self._pseudonyms.of(bsn), group, self._clock(), skip, limit)

    async def sweep_periodically(self, interval_seconds: float = 3600.0) -> None:
        """Drops the months past retention, now and then (every replica may: it is idempotent)."""
        while True:
            try:
                deleted = await self.store.delete_expired(self._clock())
                if deleted:
                    logger.info("processing log: expired records deleted", extra={"count": deleted})
            except Exception:
                logger.exception("processing log: retention sweep failed")
            await asyncio.sleep(interval_seconds)

    def shutdown(self) -> None:
        self.spans.shutdown()


def _nanoseconds(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000) * 1_000


async def record_query(
    log: ProcessingLog, action: Action, asker_oin: str, request_source: str, bsns: Iterable[str]
) -> None:
    """An organisation's query over the broker read these citizens' data: one record each.

    The calling application is the request's CloudEvent `source` (the organisation's system);
    the event's `traceparent`, if it had one, is the parent of the records.
    """
    caller = Caller(request_source, inbound_traceparent.get())
    await log.record(action, list(bsns), Party.organisation(asker_oin), caller)
