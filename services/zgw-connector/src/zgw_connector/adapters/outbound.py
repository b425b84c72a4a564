"""The Lopende Zaken events the connector publishes for an organisation: case-status-changed
and case-withdrawn, on that organisation's own inbound keys, with a `source` that names the
organisation (its OIN) and the connector as its system.

Ids are derived, so a redelivered thin event re-emits the same events: a status's id from the
organisation, the status and its content, so the same status with the same texts is one event
however many thin events bring it (Lopende Zaken records it once), and changed texts (a renamed
zaaktype) are a new report whose texts win. Their `time` is the thin event's: the texts of the
latest change win, in whatever order the changes are processed.

The data is built, not validated: Lopende Zaken judges it, and refuses what breaks its contract
on the organisation's own `zaken.event-rejected.<OIN>`, where the organisation learns what in
its case system to correct.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import CloudEvent, source_for
from mijnoverheid.contracts.zaken import CaseStatusChanged, CaseWithdrawn
from mijnoverheid.kernel import derived_event_id
from mijnoverheid.messaging.publisher import EventPublisher
from zgw_connector.domain.case import StatusToReport

SYSTEM = "zgw-connector"
WITHDRAWN_BECAUSE = "Zaak verwijderd in het zaaksysteem"


class CaseEvents:
    def __init__(self, publisher: EventPublisher) -> None:
        self._publisher = publisher

    async def status_changed(self, oin: str, status: StatusToReport, at: datetime) -> None:
        data = CaseStatusChanged.model_construct(
            identificatie=status.identificatie,
            bsn=status.bsn,
            zaaktype_omschrijving=status.zaaktype_omschrijving,
            statustype_code=status.statustype_code,
            statustype_omschrijving=status.statustype_omschrijving,
            statustoelichting=status.statustoelichting,
            datum_status_gezet=status.datum_status_gezet,
            is_eindstatus=status.is_eindstatus,
            dossier_url=status.dossier_url,
            einddatum_gepland=status.einddatum_gepland,
            informeren=status.informeren,
        )
        content = json.dumps(data.model_dump(mode="json"), sort_keys=True)
        digest = hashlib.sha256(content.encode()).hexdigest()
        id_ = derived_event_id(oin, "zgw-status", status.status_url, digest)
        await self._publish(
            oin,
            events.CASE_STATUS_CHANGED.new_event(
                data, source=source_for(oin, SYSTEM), id_=id_, time=at
            ),
            events.CASE_STATUS_CHANGED.key(oin),
        )

    async def withdrawn(self, oin: str, identificatie: str, zaak_url: str, at: datetime) -> None:
        data = CaseWithdrawn.model_construct(
            identificatie=identificatie, toelichting=WITHDRAWN_BECAUSE
        )
        id_ = derived_event_id(oin, "zgw-withdrawn", zaak_url)
        event = events.CASE_WITHDRAWN.new_event(
            data, source=source_for(oin, SYSTEM), id_=id_, time=at
        )
        await self._publish(oin, event, events.CASE_WITHDRAWN.key(oin))

    async def _publish(self, oin: str, event: CloudEvent, key: str) -> None:
        await self._publisher.publish(event, key)
