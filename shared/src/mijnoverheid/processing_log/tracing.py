"""The processing log's spans: OpenTelemetry, exported over OTLP (HTTP/protobuf) when an
endpoint is configured, to a collector in front of the organisation's Logboek.

A private tracer provider (never the process's global one), sampling everything (the
standard forbids sampling, and a remote parent's "not sampled" flag must not drop a record),
and spans that carry the standard's `dpl.core.*` attributes and nothing else. Without an
endpoint the spans still get their ids (the citizen's copy keeps them); nothing leaves.
"""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_ON
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

SCOPE = "mijnoverheid.processing_log"
TRACES_PATH = "/v1/traces"
_propagator = TraceContextTextMapPropagator()


def traces_endpoint(endpoint: str, signal_specific: bool) -> str:
    """OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as it is; OTEL_EXPORTER_OTLP_ENDPOINT is a
    base URL that the signal's path is added to (the OTLP exporter specification)."""
    return endpoint if signal_specific else endpoint.rstrip("/") + TRACES_PATH


class Spans:
    def __init__(self, service: str, endpoint: str | None) -> None:
        resource = Resource.create({"service.name": service, "service.namespace": "mijnoverheid"})
        self._provider = TracerProvider(resource=resource, sampler=ALWAYS_ON)
        self.exporting = endpoint is not None
        if endpoint is not None:
            self._provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint)))
        self._tracer = self._provider.get_tracer(SCOPE)

    def start(
        self,
        name: str,
        parent: Context | None,
        attributes: Mapping[str, str],
        start_ns: int,
        kind: SpanKind = SpanKind.SERVER,
    ) -> Span:
        return self._tracer.start_span(
            name, context=parent, kind=kind, attributes=dict(attributes), start_time=start_ns
        )

    def shutdown(self) -> None:
        """Exports what is still queued, then stops (at the process's end)."""
        self._provider.shutdown()


def remote_parent(traceparent: str | None) -> Context | None:
    """The caller's W3C trace context, when it sent a valid one."""
    if not traceparent:
        return None
    context = _propagator.extract({"traceparent": traceparent})
    if not trace.get_current_span(context).get_span_context().is_valid:
        return None
    return context


def within(span: Span) -> Context:
    return trace.set_span_in_context(span)


def ids_of(span: Span) -> tuple[str, str]:
    context = span.get_span_context()
    return trace.format_trace_id(context.trace_id), trace.format_span_id(context.span_id)


def parent_id_of(parent: Context | None) -> str | None:
    if parent is None:
        return None
    return trace.format_span_id(trace.get_current_span(parent).get_span_context().span_id)


def fail(span: Span, description: str) -> None:
    span.set_status(Status(StatusCode.ERROR, description))
