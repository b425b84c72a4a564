"""The processing log (Logboek Dataverwerkingen, Logius): every read of a citizen's personal
data recorded once, exported over OTLP when configured, and kept for the citizen's own copy.

- `activities`: the register's entries (processing activity, purpose, legal basis) and actions
- `model`: the record and its mapping onto the standard's fields
- `recorder`: the port (`ProcessingLog`) and its implementation
- `http`: the route dependency `records(action)` and `GET /api/v1/processing-log`
- `store`: the citizen's copy in the service's database; `tracing`: the spans and OTLP
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from mijnoverheid.processing_log.model import Caller, Party, PartyGroup, ProcessingRecord
from mijnoverheid.processing_log.recorder import ProcessingLog, Recorder
from mijnoverheid.processing_log.settings import ProcessingLogSettings
from mijnoverheid.processing_log.store import ProcessingLogStore
from mijnoverheid.processing_log.subjects import SubjectPseudonyms
from mijnoverheid.processing_log.tracing import Spans, traces_endpoint
from mijnoverheid.storage import Document

__all__ = [
    "Caller",
    "Party",
    "PartyGroup",
    "ProcessingLog",
    "ProcessingRecord",
    "Recorder",
    "open_processing_log",
]


def open_processing_log(
    service: str,
    database: AsyncDatabase[Document],
    settings: ProcessingLogSettings,
    clock: Callable[[], datetime],
) -> Recorder:
    endpoint = settings.endpoint
    if endpoint is not None:
        specific = settings.otel_exporter_otlp_traces_endpoint is not None
        endpoint = traces_endpoint(endpoint, specific)
    return Recorder(
        ProcessingLogStore(database, settings.processing_log_retention_months),
        Spans(service, endpoint),
        SubjectPseudonyms(settings.subject_key),
        settings.register,
        clock,
    )
