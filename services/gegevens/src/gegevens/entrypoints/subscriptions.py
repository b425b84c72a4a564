"""What Persoonlijke Gegevens consumes, and each contract as the command its handler takes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from gegevens.domain.model import Fact, RecordVersion, RegistrationChange, Sender, WhereToChange
from mijnoverheid.contracts import events
from mijnoverheid.contracts.gegevens import RegistrationChanged, RegistrationRemoved
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.inbound import Accepted
from mijnoverheid.messaging import topology
from mijnoverheid.messaging.gate import AnswerRefusal, FromOrganisations, Subscription

_ANSWERS = (
    " Refused events are answered with gegevens.event-rejected.<OIN>; a newer version in a "
    "register the organisation registry marks for notification emits "
    "gegevens.registration-recorded.<OIN>, the Notifier's trigger."
)


def subscriptions(
    record: Callable[[RecordVersion], Awaitable[None]],
    registry: OrganisationRegistry,
    reject: AnswerRefusal,
) -> tuple[Subscription, ...]:
    return (
        FromOrganisations(
            topology.GEGEVENS_REGISTRATION_CHANGED,
            events.REGISTRATION_CHANGED,
            "An organisation reports how a citizen is registered in one of its registers: "
            "facts, validity moment and where to have it changed. The latest valid_from wins."
            + _ANSWERS,
            registry,
            "gegevens",
            reject,
            command=changed,
            handle=record,
        ),
        FromOrganisations(
            topology.GEGEVENS_REGISTRATION_REMOVED,
            events.REGISTRATION_REMOVED,
            "An organisation reports that a citizen is no longer registered under a key; "
            "ordered among the changes by its valid_from." + _ANSWERS,
            registry,
            "gegevens",
            reject,
            command=removed,
            handle=record,
        ),
    )


def changed(accepted: Accepted[RegistrationChanged]) -> RecordVersion:
    data = accepted.data
    facts = tuple(Fact(fact.label, fact.value.model_dump(mode="json")) for fact in data.facts)
    link = WhereToChange(data.where_to_change.description, data.where_to_change.url)
    version = _version(accepted, RegistrationChange.CHANGED)
    return replace(version, facts=facts, where_to_change=link)


def removed(accepted: Accepted[RegistrationRemoved]) -> RecordVersion:
    return _version(accepted, RegistrationChange.REMOVED)


def _version(
    accepted: Accepted[RegistrationChanged] | Accepted[RegistrationRemoved],
    change: RegistrationChange,
) -> RecordVersion:
    organisation, data = accepted.sender, accepted.data
    sender = Sender(
        registers=organisation.registers,
        notify_registers=organisation.notify_registers,
        link_hosts=organisation.dossier_hosts,
    )
    return RecordVersion(
        origin=accepted.origin,
        sender=sender,
        change=change,
        recipient_bsn=data.recipient_bsn,
        register_code=data.register_code,
        registration_key=data.registration_key,
        valid_from=data.valid_from,
    )
