"""Reading one organisation's ZGW APIs (Zaken API 1.x, Catalogi API 1.x) as the VNG OpenAPI
documents specify them: JWT-ZGW authentication, `Accept-Crs` on zaken, paged lists followed by
their `next` links, URLs as identifiers. Every URL is checked against the organisation's
registered API roots before it is fetched, the `next` links and the URLs inside resources
included: a ZGW API can never make the connector fetch from anywhere else.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import jwt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mijnoverheid.identity import ZgwConnection
from zgw_connector.domain.case import (
    CaseSnapshot,
    Initiator,
    Status,
    StatusType,
    Zaak,
    ZaakType,
)
from zgw_connector.domain.thin_event import within

CRS = "EPSG:4326"
MAX_PAGES = 50  # far beyond any zaak's statuses or initiators; a loop of `next` links ends here
# ZGW date-times come with an offset; one without is read as Dutch time, where ZGW lives.
_DUTCH_TIME = ZoneInfo("Europe/Amsterdam")


class ZgwUnavailableError(Exception):
    """The API did not answer as it should (down, an error, not found yet): try again later.
    The message names the status and the kind of resource, never a URL's personal data."""


class ZgwRefusedError(Exception):
    """A URL outside the organisation's registered APIs, or an answer that is not a ZGW
    resource: never fetched, never retried into success (ops must look)."""


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class _Zaak(_Loose):
    url: str
    identificatie: str
    zaaktype: str
    status: str | None = None
    einddatum_gepland: date | None = Field(default=None, alias="einddatumGepland")


class _ZaakType(_Loose):
    url: str
    omschrijving: str
    publicatie_indicatie: bool = Field(alias="publicatieIndicatie")


class _StatusType(_Loose):
    url: str
    omschrijving: str
    is_eindstatus: bool = Field(alias="isEindstatus")
    informeren: bool = False


class _Status(_Loose):
    url: str
    statustype: str
    datum_status_gezet: datetime = Field(alias="datumStatusGezet")
    statustoelichting: str = ""


class _Identificatie(_Loose):
    inp_bsn: str = Field(default="", alias="inpBsn")


class _Rol(_Loose):
    betrokkene_type: str = Field(alias="betrokkeneType")
    betrokkene_identificatie: _Identificatie | None = Field(
        default=None, alias="betrokkeneIdentificatie"
    )


@dataclass
class ZgwClient:
    """One organisation's APIs, as the connector's client (`connection.client_id`)."""

    http: httpx.AsyncClient
    connection: ZgwConnection
    secret: str

    def _token(self) -> str:
        # JWT-ZGW: HS256 with the client's secret; iss and client_id name the client.
        now = int(time.time())
        claims = {
            "iss": self.connection.client_id,
            "client_id": self.connection.client_id,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "user_id": "mijnoverheid-zgw-connector",
            "user_representation": "MijnOverheid",
        }
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def _allowed(self, url: str) -> bool:
        # A `next` link carries its query (the page); where it points is what is checked.
        where = url.partition("?")[0]
        roots = (self.connection.zaken_api, self.connection.catalogi_api)
        return any(within(where, root) for root in roots)

    async def get(self, url: str, what: str, params: dict[str, str] | None = None) -> Any:
        if not self._allowed(url):
            raise ZgwRefusedError(f"{what}: not in the organisation's registered ZGW APIs")
        headers = {"Authorization": f"Bearer {self._token()}", "Accept": "application/json"}
        if what == "zaak":
            headers["Accept-Crs"] = CRS
        try:
            response = await self.http.get(url, params=params, headers=headers)
        except httpx.HTTPError as error:
            raise ZgwUnavailableError(f"{what}: {type(error).__name__}") from error
        if response.status_code != 200:
            raise ZgwUnavailableError(f"{what}: HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as error:
            raise ZgwRefusedError(f"{what}: the answer is not JSON") from error

    async def resource(self, url: str, what: str, model: type[_Loose]) -> Any:
        try:
            return model.model_validate(await self.get(url, what))
        except ValidationError as error:
            raise ZgwRefusedError(f"{what}: not a ZGW {what}") from error

    async def listing(self, url: str, what: str, params: dict[str, str]) -> list[Any]:
        """Every item of a paged list, following `next` (each checked like any URL)."""
        items: list[Any] = []
        page: Any = await self.get(url, what, params)
        for _ in range(MAX_PAGES):
            if not isinstance(page, dict) or not isinstance(page.get("results"), list):
                raise ZgwRefusedError(f"{what}: not a paged ZGW list")
            items += page["results"]
            following = page.get("next")
            if not following:
                return items
            page = await self.get(str(following), what)
        raise ZgwRefusedError(f"{what}: more than {MAX_PAGES} pages")

    async def snapshot(self, zaak_url: str) -> CaseSnapshot:
        zaak: _Zaak = await self.resource(zaak_url, "zaak", _Zaak)
        zaaktype: _ZaakType = await self.resource(zaak.zaaktype, "zaaktype", _ZaakType)
        zaken_api = self.connection.zaken_api
        raw_statuses = await self.listing(f"{zaken_api}statussen", "statussen", {"zaak": zaak.url})
        raw_rollen = await self.listing(
            f"{zaken_api}rollen", "rollen", {"zaak": zaak.url, "omschrijvingGeneriek": "initiator"}
        )
        try:
            statuses = [_Status.model_validate(item) for item in raw_statuses]
            rollen = [_Rol.model_validate(item) for item in raw_rollen]
        except ValidationError as error:
            raise ZgwRefusedError("statussen or rollen: not ZGW resources") from error
        types: dict[str, StatusType] = {}
        for status in statuses:
            if status.statustype not in types:
                found: _StatusType = await self.resource(
                    status.statustype, "statustype", _StatusType
                )
                types[status.statustype] = StatusType(
                    found.url, found.omschrijving, found.is_eindstatus, found.informeren
                )
        return CaseSnapshot(
            zaak=Zaak(
                zaak.url, zaak.identificatie, zaak.zaaktype, zaak.status, zaak.einddatum_gepland
            ),
            zaaktype=ZaakType(zaaktype.url, zaaktype.omschrijving, zaaktype.publicatie_indicatie),
            statuses=tuple(
                Status(
                    s.url,
                    types[s.statustype],
                    _aware(s.datum_status_gezet),
                    s.statustoelichting,
                )
                for s in statuses
            ),
            initiators=tuple(
                Initiator(
                    rol.betrokkene_type,
                    rol.betrokkene_identificatie.inp_bsn if rol.betrokkene_identificatie else None,
                )
                for rol in rollen
            ),
        )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=_DUTCH_TIME)
