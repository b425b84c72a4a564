"""Identifiers of citizens (BSN) and organisations (OIN), and the organisation registry."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
_OIN_PATTERN = re.compile(r"^[0-9]{20}$")

ServiceName = Literal["berichtenbox", "zaken", "gegevens"]


def is_valid_bsn(value: str) -> bool:
    """The elfproef for a BSN: 9 digits, weights 9..2 and -1, sum divisible by 11, not all zeros.

    The bank-account variant of the test uses +1 as the last weight; a BSN uses -1.
    """
    if len(value) != 9 or not value.isascii() or not value.isdigit() or value == "000000000":
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value, _BSN_WEIGHTS, strict=True))
    return total % 11 == 0


def is_valid_oin(value: str) -> bool:
    return bool(_OIN_PATTERN.fullmatch(value))


# An RDN attribute in a subject DN as RabbitMQ writes it (mijnoverheid.certificates.rabbitmq_dn):
# TYPE=value, where the value may hold backslash escapes.
_DN_ATTRIBUTE = re.compile(r"(?:^|(?<=[,+]))([A-Za-z0-9.]+)=((?:\\.|[^\\,+])*)")


def serial_numbers_in(dn: str) -> list[str]:
    """The SERIALNUMBER values of a certificate user's DN (escapes left as written: an OIN is
    digits only, so a value with an escape is never an OIN)."""
    return [value for label, value in _DN_ATTRIBUTE.findall(dn) if label == "SERIALNUMBER"]


def check_user_for_organisation(dn: str, oin: str) -> None:
    """A certificate user may belong to an organisation only if its one SERIALNUMBER is that
    organisation's OIN; provisioning must refuse any other (e.g. a typo, or another OIN)."""
    found = serial_numbers_in(dn)
    if found != [oin]:
        raise ValueError(
            f"certificate user {dn!r} does not carry OIN {oin} as its one SERIALNUMBER"
        )


def _check_bsn(value: str) -> str:
    if not is_valid_bsn(value):
        raise ValueError("not a valid BSN (9 digits that pass the elfproef)")
    return value


def _check_oin(value: str) -> str:
    if not is_valid_oin(value):
        raise ValueError("not a valid OIN (20 digits)")
    return value


Bsn = Annotated[str, AfterValidator(_check_bsn)]
Oin = Annotated[str, AfterValidator(_check_oin)]


def _api_root(value: str) -> str:
    """The root URL of a ZGW API: http(s), a host, no credentials, query or fragment, and a
    trailing slash (resource paths are joined to it). Production refuses plain http (the ZGW
    connector's settings check it), development allows it for a local test server."""
    parts = urlsplit(value)
    if (
        parts.scheme not in ("https", "http")
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
        or not value.endswith("/")
    ):
        raise ValueError(f"not a ZGW API root URL (http(s)://host/…/ with a trailing /): {value}")
    return value


ApiRoot = Annotated[str, AfterValidator(_api_root)]


class ZgwConnection(BaseModel):
    """How MijnOverheid's ZGW connector serves an organisation that runs its cases in the ZGW
    APIs (Open Zaak): who may deliver its thin case events, where its APIs are, and which
    dossier page a case links to. Secrets are settings of the connector, never in here."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # The Zaken and Catalogi APIs the connector reads; only their hosts are ever fetched from.
    zaken_api: ApiRoot
    catalogi_api: ApiRoot
    # The client id the connector signs its ZGW JWTs with (the organisation's API gives it the
    # read scopes of the Zaken and Catalogi APIs).
    client_id: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._-]+$")
    # The OAuth2 client id of the organisation's Open Notificaties subscription (the sender of
    # the thin events); unique over the registry, so a token names exactly one organisation.
    notification_client_id: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._-]+$")
    # The citizen-facing dossier page of a case: https on one of the organisation's
    # dossier_hosts, with {identificatie} where the case number goes.
    dossier_url: str = Field(min_length=1, max_length=1000)

    @property
    def api_hosts(self) -> frozenset[str]:
        return frozenset(
            (urlsplit(root).hostname or "").lower() for root in (self.zaken_api, self.catalogi_api)
        )


class Organisation(BaseModel):
    """One connected organisation as the registry describes it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    oin: Oin
    name: str = Field(min_length=1)
    broker_user: str = Field(min_length=1)
    # The broker users of its certificates (RabbitMQ EXTERNAL: the subject DN, as
    # `python scripts/pki.py --user CERT.pem` prints it); one per system, two while one is
    # replaced by a certificate with another subject. Each must carry this OIN as its
    # SERIALNUMBER, so a certificate is only ever the organisation its OIN names.
    certificate_users: tuple[str, ...] = ()
    services: frozenset[ServiceName] = frozenset()
    bsn_allowed: bool = False
    # https hosts the organisation may link citizens to (dossiers, "where to change this").
    dossier_hosts: tuple[str, ...] = ()
    # Persoonlijke Gegevens: registers it may publish, and those whose changes are e-mailed.
    registers: frozenset[str] = frozenset()
    notify_registers: frozenset[str] = frozenset()
    # Its cases come from the ZGW APIs through MijnOverheid's ZGW connector (docs/zgw-connector.md).
    zgw: ZgwConnection | None = None

    def model_post_init(self, __context: object) -> None:
        for user in self.certificate_users:
            check_user_for_organisation(user, self.oin)
        if self.zgw is not None:
            self._check_zgw(self.zgw)

    def _check_zgw(self, zgw: ZgwConnection) -> None:
        if "zaken" not in self.services or not self.bsn_allowed:
            raise ValueError(f"{self.name}: zgw needs the zaken service and bsn_allowed")
        example = zgw.dossier_url.replace("{identificatie}", "ZAAK-1")
        parts = urlsplit(example)
        if "{identificatie}" not in zgw.dossier_url or parts.scheme != "https":
            raise ValueError(f"{self.name}: zgw.dossier_url must be https with {{identificatie}}")
        if not self.may_link_to(parts.hostname or ""):
            raise ValueError(f"{self.name}: zgw.dossier_url is not on one of its dossier_hosts")

    @property
    def broker_users(self) -> tuple[str, ...]:
        """Every broker user that is this organisation: the password user (local stack) and
        its certificate users."""
        return (self.broker_user, *self.certificate_users)

    def may_link_to(self, host: str) -> bool:
        return host.lower() in (allowed.lower() for allowed in self.dossier_hosts)


class Register(BaseModel):
    """A register of Persoonlijke Gegevens (BRP, WOZ, …); the list is configuration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[A-Za-z0-9-]{2,40}$")
    name: str = Field(min_length=1)


class OrganisationRegistry(BaseModel):
    """The versioned list of organisations (config/organisations.yaml)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    registers: tuple[Register, ...] = ()
    organisations: tuple[Organisation, ...]

    def register(self, code: str) -> Register | None:
        return next((register for register in self.registers if register.code == code), None)

    def model_post_init(self, __context: object) -> None:
        known = {register.code for register in self.registers}
        for org in self.organisations:
            unknown = (org.registers | org.notify_registers) - known
            if unknown:
                raise ValueError(f"{org.name} names unknown registers: {sorted(unknown)}")
            if not org.notify_registers <= org.registers:
                raise ValueError(f"{org.name}: notify_registers must be among its registers")
        for attribute, values in (
            ("oin", [org.oin for org in self.organisations]),
            ("broker user", [user for org in self.organisations for user in org.broker_users]),
            (
                "zgw notification client id",
                [org.zgw.notification_client_id for org in self.organisations if org.zgw],
            ),
        ):
            duplicates = {value for value in values if values.count(value) > 1}
            if duplicates:
                raise ValueError(f"organisation registry has duplicate {attribute}: {duplicates}")

    def by_broker_user(self, user: str | None) -> Organisation | None:
        """The organisation this broker user (password or certificate user) is."""
        return next((org for org in self.organisations if user in org.broker_users), None)

    def by_oin(self, oin: str) -> Organisation | None:
        return next((org for org in self.organisations if org.oin == oin), None)

    def names(self) -> dict[str, str]:
        """Each organisation's name by its OIN (what pages and answers show)."""
        return {org.oin: org.name for org in self.organisations}

    def by_notification_client(self, client_id: str) -> Organisation | None:
        """The organisation whose Open Notificaties authenticates as this OAuth2 client."""
        return next(
            (o for o in self.organisations if o.zgw and o.zgw.notification_client_id == client_id),
            None,
        )

    @property
    def zgw_organisations(self) -> tuple[Organisation, ...]:
        """The organisations whose cases the ZGW connector relays."""
        return tuple(org for org in self.organisations if org.zgw is not None)

    @classmethod
    def load(cls, path: Path) -> OrganisationRegistry:
        # Imported here: settings knows certificate users, which are defined in this module.
        from mijnoverheid.settings import load_yaml

        return load_yaml(cls, path)
