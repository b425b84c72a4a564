"""What the test ZGW API holds: zaaktypen, statustypen, zaken, statussen and rollen, each a JSON
document shaped as the Catalogi API 1.3 and Zaken API 1.5 answer it, keyed by UUID. A test
builds a case step by step (the zaak first, its rol and status later), as a case system does."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

Resource = dict[str, Any]
# RSIN of the bronorganisatie (9 digits, elfproef) of the test municipality.
BRONORGANISATIE = "002564440"


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class ZgwData:
    """The resources of one ZGW installation behind `base_url` (e.g. https://localhost:8443/)."""

    base_url: str
    zaaktypen: dict[str, Resource] = field(default_factory=dict)
    statustypen: dict[str, Resource] = field(default_factory=dict)
    zaken: dict[str, Resource] = field(default_factory=dict)
    statussen: dict[str, Resource] = field(default_factory=dict)
    rollen: dict[str, Resource] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def zaken_root(self) -> str:
        return f"{self.base_url}zaken/api/v1/"

    @property
    def catalogi_root(self) -> str:
        return f"{self.base_url}catalogi/api/v1/"

    def catalogus_url(self) -> str:
        return f"{self.catalogi_root}catalogussen/5d9e7c51-3a0b-4f0e-9e23-3c1f4c0b6a11"

    def zaaktype(
        self, omschrijving: str = "Aanvraag parkeervergunning", *, publicatie: bool = True
    ) -> Resource:
        key = str(uuid.uuid4())
        resource = {
            "url": f"{self.catalogi_root}zaaktypen/{key}",
            "identificatie": f"ZT-{key[:8]}",
            "omschrijving": omschrijving,
            "omschrijvingGeneriek": "",
            "vertrouwelijkheidaanduiding": "openbaar",
            "doel": "Een vergunning verlenen",
            "aanleiding": "Een aanvraag",
            "indicatieInternOfExtern": "extern",
            "handelingInitiator": "aanvragen",
            "onderwerp": "Parkeervergunning",
            "handelingBehandelaar": "behandelen",
            "doorlooptijd": "P8W",
            "opschortingEnAanhoudingMogelijk": False,
            "verlengingMogelijk": False,
            "publicatieIndicatie": publicatie,
            "productenOfDiensten": [],
            "referentieproces": {"naam": "Vergunning", "link": ""},
            "verantwoordelijke": BRONORGANISATIE,
            "catalogus": self.catalogus_url(),
            "statustypen": [],
            "resultaattypen": [],
            "eigenschappen": [],
            "informatieobjecttypen": [],
            "roltypen": [],
            "besluittypen": [],
            "deelzaaktypen": [],
            "gerelateerdeZaaktypen": [],
            "zaakobjecttypen": [],
            "beginGeldigheid": "2025-01-01",
            "eindeGeldigheid": None,
            "beginObject": "2025-01-01",
            "eindeObject": None,
            "versiedatum": "2025-01-01",
            "concept": False,
        }
        with self.lock:
            self.zaaktypen[key] = resource
        return resource

    def statustype(
        self,
        zaaktype: Resource,
        omschrijving: str,
        volgnummer: int,
        *,
        eind: bool = False,
        informeren: bool = True,
        statustekst: str = "",
    ) -> Resource:
        key = str(uuid.uuid4())
        resource = {
            "url": f"{self.catalogi_root}statustypen/{key}",
            "omschrijving": omschrijving,
            "omschrijvingGeneriek": "",
            "statustekst": statustekst,
            "zaaktype": zaaktype["url"],
            "zaaktypeIdentificatie": zaaktype["identificatie"],
            "volgnummer": volgnummer,
            "isEindstatus": eind,
            "informeren": informeren,
            "doorlooptijd": None,
            "toelichting": None,
            "checklistitemStatustype": [],
            "catalogus": zaaktype["catalogus"],
            "eigenschappen": [],
            "zaakobjecttypen": [],
            "beginGeldigheid": None,
            "eindeGeldigheid": None,
            "beginObject": "2025-01-01",
            "eindeObject": None,
        }
        with self.lock:
            self.statustypen[key] = resource
            zaaktype["statustypen"].append(resource["url"])
        return resource

    def zaak(
        self,
        zaaktype: Resource,
        identificatie: str,
        *,
        einddatum_gepland: date | None = None,
        key: str | None = None,
    ) -> Resource:
        """A zaak as registered: no status and no rol yet (they follow, as in Open Zaak)."""
        key = key or str(uuid.uuid4())
        resource = {
            "url": f"{self.zaken_root}zaken/{key}",
            "uuid": key,
            "identificatie": identificatie,
            "bronorganisatie": BRONORGANISATIE,
            "omschrijving": "",
            "toelichting": "",
            "zaaktype": zaaktype["url"],
            "registratiedatum": date.today().isoformat(),
            "verantwoordelijkeOrganisatie": BRONORGANISATIE,
            "startdatum": date.today().isoformat(),
            "einddatum": None,
            "einddatumGepland": einddatum_gepland.isoformat() if einddatum_gepland else None,
            "uiterlijkeEinddatumAfdoening": None,
            "publicatiedatum": None,
            "communicatiekanaal": "",
            "communicatiekanaalNaam": "",
            "productenOfDiensten": [],
            "vertrouwelijkheidaanduiding": "openbaar",
            "betalingsindicatie": "",
            "betalingsindicatieWeergave": "",
            "laatsteBetaaldatum": None,
            "zaakgeometrie": None,
            "verlenging": None,
            "opschorting": {"indicatie": False, "reden": ""},
            "selectielijstklasse": "",
            "hoofdzaak": None,
            "deelzaken": [],
            "relevanteAndereZaken": [],
            "eigenschappen": [],
            "rollen": [],
            "status": None,
            "zaakinformatieobjecten": [],
            "zaakobjecten": [],
            "kenmerken": [],
            "archiefnominatie": None,
            "archiefstatus": "nog_te_archiveren",
            "archiefactiedatum": None,
            "resultaat": None,
            "opdrachtgevendeOrganisatie": "",
            "processobjectaard": "",
            "startdatumBewaartermijn": None,
            "processobject": None,
            "laatstGemuteerd": _now(),
        }
        with self.lock:
            self.zaken[key] = resource
        return resource

    def initiator(
        self, zaak: Resource, bsn: str | None, *, kind: str = "natuurlijk_persoon"
    ) -> Resource:
        """The zaak's initiator: a citizen (natuurlijk_persoon with inpBsn) or, with `kind`,
        an organisation."""
        key = str(uuid.uuid4())
        identification: Resource = (
            {"inpBsn": bsn or "", "anpIdentificatie": "", "inpA_nummer": "", "geslachtsnaam": ""}
            if kind == "natuurlijk_persoon"
            else {"innNnpId": "", "annIdentificatie": "", "kvkNummer": "12345678"}
        )
        resource = {
            "url": f"{self.zaken_root}rollen/{key}",
            "uuid": key,
            "zaak": zaak["url"],
            "betrokkene": "",
            "betrokkeneType": kind,
            "afwijkendeNaamBetrokkene": "",
            "roltype": f"{self.catalogi_root}roltypen/{uuid.uuid4()}",
            "omschrijving": "Aanvrager",
            "omschrijvingGeneriek": "initiator",
            "roltoelichting": "",
            "registratiedatum": _now(),
            "indicatieMachtiging": "",
            "contactpersoonRol": None,
            "statussen": [],
            "betrokkeneIdentificatie": identification,
        }
        with self.lock:
            self.rollen[key] = resource
            zaak["rollen"].append(resource["url"])
        return resource

    def status(
        self, zaak: Resource, statustype: Resource, gezet: datetime, toelichting: str = ""
    ) -> Resource:
        """A new status: the zaak's current one when it is the latest set (as the Zaken API
        decides by datumStatusGezet)."""
        key = str(uuid.uuid4())
        resource = {
            "url": f"{self.zaken_root}statussen/{key}",
            "uuid": key,
            "zaak": zaak["url"],
            "statustype": statustype["url"],
            "datumStatusGezet": gezet.isoformat().replace("+00:00", "Z"),
            "statustoelichting": toelichting,
            "indicatieLaatstGezetteStatus": True,
            "gezetdoor": None,
            "zaakinformatieobjecten": [],
        }
        with self.lock:
            for other in self.statussen.values():
                if other["zaak"] == zaak["url"]:
                    other["indicatieLaatstGezetteStatus"] = False
            self.statussen[key] = resource
            latest = max(
                (s for s in self.statussen.values() if s["zaak"] == zaak["url"]),
                key=lambda s: s["datumStatusGezet"],
            )
            zaak["status"] = latest["url"]
            zaak["laatstGemuteerd"] = _now()
        return resource

    def delete(self, zaak: Resource) -> None:
        with self.lock:
            self.zaken.pop(zaak["uuid"], None)
            for table in (self.statussen, self.rollen):
                for key in [k for k, v in table.items() if v["zaak"] == zaak["url"]]:
                    del table[key]
