"""The processing log's settings, from the environment like every setting (12-factor).

Read by the services that record (`runtime.run`); the portal records nothing and never reads
them. Secure by default: in production the committed development subject key is refused, and
an OTLP endpoint must be https (the Logboek standard asks TLS on the way to the log).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from mijnoverheid.settings import Environment

# Known to everyone who reads this file: for development and tests only.
DEV_SUBJECT_KEY = "development-only-processing-log-subject-key-not-for-production"
SUPPORTED_PROTOCOL = "http/protobuf"


class ProcessingLogSettings(BaseSettings):
    # The subject key is a secret: never echoed in an error.
    model_config = SettingsConfigDict(extra="ignore", hide_input_in_errors=True)

    mijnoverheid_environment: Environment = Environment.PRODUCTION
    platform_oin: str = "00000001234567890000"
    processing_log_subject_key: SecretStr = Field(
        default=SecretStr(DEV_SUBJECT_KEY),
        min_length=32,
        description="key of the data subject pseudonyms; the same for every service",
    )
    processing_log_retention_months: int = Field(
        default=24, ge=1, le=120, description="whole calendar months kept after the current one"
    )
    processing_activity_register: str | None = Field(
        default=None,
        description="URI prefix of the register of processing activities; the activity's "
        "code is appended (default urn:nld:oin:<PLATFORM_OIN>:verwerkingsactiviteit:)",
    )
    # The OpenTelemetry SDK reads these (and the other OTEL_EXPORTER_OTLP_* settings) itself;
    # they are here to decide whether to export at all, and to check them.
    otel_exporter_otlp_endpoint: str | None = None
    otel_exporter_otlp_traces_endpoint: str | None = None
    otel_exporter_otlp_protocol: str | None = None
    otel_exporter_otlp_traces_protocol: str | None = None

    @property
    def endpoint(self) -> str | None:
        return self.otel_exporter_otlp_traces_endpoint or self.otel_exporter_otlp_endpoint or None

    @property
    def register(self) -> str:
        return self.processing_activity_register or (
            f"urn:nld:oin:{self.platform_oin}:verwerkingsactiviteit:"
        )

    @property
    def subject_key(self) -> bytes:
        return self.processing_log_subject_key.get_secret_value().encode()

    def problems(self) -> list[str]:
        problems: list[str] = []
        protocol = self.otel_exporter_otlp_traces_protocol or self.otel_exporter_otlp_protocol
        if protocol not in (None, "", SUPPORTED_PROTOCOL):
            problems.append(
                f"OTEL_EXPORTER_OTLP_PROTOCOL is {protocol!r}: the processing log exports "
                f"{SUPPORTED_PROTOCOL} only"
            )
        endpoint = self.endpoint
        if endpoint is not None and urlsplit(endpoint).scheme not in ("http", "https"):
            problems.append("OTEL_EXPORTER_OTLP_ENDPOINT is not an http(s) URL")
        if self.mijnoverheid_environment is Environment.DEVELOPMENT:
            return problems
        if self.processing_log_subject_key.get_secret_value() == DEV_SUBJECT_KEY:
            problems.append("PROCESSING_LOG_SUBJECT_KEY is the committed development key")
        if endpoint is not None and urlsplit(endpoint).scheme != "https":
            problems.append(
                "OTEL_EXPORTER_OTLP_ENDPOINT is not https: the processing log would travel "
                "without TLS"
            )
        return problems
