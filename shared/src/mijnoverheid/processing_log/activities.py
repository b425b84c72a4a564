"""The register of processing activities (Register van Verwerkingsactiviteiten, AVG art. 30)
as far as the processing log refers to it, and the actions each one is made of.

Logboek Dataverwerkingen keeps a log line small: it names its processing activity
(`dpl.core.processing_activity_id`, a URI into the register) and the specific action (the
span's `name`, for people); the purpose, the legal basis and who is responsible live in the
register, not in every line. This module is the register's entries for MijnOverheid's reads of
personal data, so the citizen's copy can say why each read happened. The texts are the
platform's description; the operator's own register is authoritative and its URIs are set with
PROCESSING_ACTIVITY_REGISTER (docs/security.md, "The processing log").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Text:
    nl: str
    en: str


class PartyKind(StrEnum):
    """Who read: the citizen themselves, someone they authorised, or an organisation."""

    CITIZEN = "citizen"
    HELPER = "helper"
    ORGANISATION = "organisation"


@dataclass(frozen=True)
class ProcessingActivity:
    code: str
    name: Text
    purpose: Text
    legal_basis: str
    party: PartyKind


@dataclass(frozen=True)
class Action:
    """One kind of read within a processing activity: the span's name."""

    code: str
    activity: ProcessingActivity
    label: Text


_OWN_ACCESS = "AVG art. 6 lid 1 sub e; AVG art. 15 (inzage)"
_ELECTRONIC_POST = "AVG art. 6 lid 1 sub e; Awb afdeling 2.3 (elektronisch bestuurlijk verkeer)"

BERICHTENBOX_ACCESS = ProcessingActivity(
    "berichtenbox-inzage",
    Text("Inzage in de eigen Berichtenbox", "Access to one's own Berichtenbox"),
    Text(
        "U de post tonen die organisaties u digitaal stuurden, met het bewijs van bezorging",
        "Showing you the post organisations sent you digitally, with the proof of delivery",
    ),
    _ELECTRONIC_POST,
    PartyKind.CITIZEN,
)
BERICHTENBOX_HELPER = ProcessingActivity(
    "berichtenbox-inzage-gemachtigde",
    Text("Inzage in de Berichtenbox door een gemachtigde", "Access to the Berichtenbox by helpers"),
    Text(
        "Iemand die u machtigde uw post laten lezen van de organisaties die u koos",
        "Letting someone you authorised read your post from the organisations you chose",
    ),
    _ELECTRONIC_POST,
    PartyKind.HELPER,
)
DELIVERY_STATUS = ProcessingActivity(
    "berichtenbox-bezorgstatus",
    Text("Bezorgstatus voor de afzender", "Delivery status for the sender"),
    Text(
        "De afzender laten nagaan of en wanneer zijn bericht bezorgd en gelezen is",
        "Letting the sender check whether and when its message was delivered and read",
    ),
    _ELECTRONIC_POST,
    PartyKind.ORGANISATION,
)
DIGITAL_DELIVERY = ProcessingActivity(
    "berichtenbox-digitale-bezorging",
    Text("Toestemming voor digitale post", "Consent to digital post"),
    Text(
        "Een organisatie laten weten of zij u haar post digitaal mag sturen",
        "Telling an organisation whether it may send you its post digitally",
    ),
    _ELECTRONIC_POST,
    PartyKind.ORGANISATION,
)
CASES_ACCESS = ProcessingActivity(
    "zaken-inzage",
    Text("Inzage in Lopende Zaken", "Access to Lopende Zaken"),
    Text("U de stand van uw zaken tonen", "Showing you the state of your cases"),
    _OWN_ACCESS,
    PartyKind.CITIZEN,
)
CASE_STATE = ProcessingActivity(
    "zaken-zaakstatus",
    Text("Zaakstatus voor de behandelende organisatie", "Case state for the organisation"),
    Text(
        "De organisatie laten nagaan wat er over haar zaken is vastgelegd",
        "Letting the organisation check what is recorded about its cases",
    ),
    _OWN_ACCESS,
    PartyKind.ORGANISATION,
)
REGISTRATIONS_ACCESS = ProcessingActivity(
    "gegevens-inzage",
    Text("Inzage in Persoonlijke Gegevens", "Access to Persoonlijke Gegevens"),
    Text("U tonen hoe u bij de overheid geregistreerd staat", "Showing you how you are registered"),
    _OWN_ACCESS,
    PartyKind.CITIZEN,
)
CONTACT_ACCESS = ProcessingActivity(
    "notifier-contactgegevens-inzage",
    Text("Inzage in de eigen contactgegevens", "Access to one's own contact details"),
    Text(
        "U tonen op welk e-mailadres u berichten over nieuwe post krijgt",
        "Showing you the e-mail address that is told of new post",
    ),
    _OWN_ACCESS,
    PartyKind.CITIZEN,
)
NOTIFICATION_STATUS = ProcessingActivity(
    "notifier-notificatiestatus",
    Text("Status van e-mailberichten voor de afzender", "Notification status for the sender"),
    Text(
        "De afzender laten nagaan of u per e-mail op de hoogte is gebracht",
        "Letting the sender check whether you were told by e-mail",
    ),
    _ELECTRONIC_POST,
    PartyKind.ORGANISATION,
)

ACTIVITIES = (
    BERICHTENBOX_ACCESS,
    BERICHTENBOX_HELPER,
    DELIVERY_STATUS,
    DIGITAL_DELIVERY,
    CASES_ACCESS,
    CASE_STATE,
    REGISTRATIONS_ACCESS,
    CONTACT_ACCESS,
    NOTIFICATION_STATUS,
)


def _action(code: str, activity: ProcessingActivity, nl: str, en: str) -> Action:
    return Action(code, activity, Text(nl, en))


MESSAGES_LISTED = _action(
    "messages-listed", BERICHTENBOX_ACCESS, "Berichten bekeken", "Messages listed"
)
FOLDERS_LISTED = _action("folders-listed", BERICHTENBOX_ACCESS, "Mappen bekeken", "Folders listed")
MESSAGE_READ = _action("message-read", BERICHTENBOX_ACCESS, "Bericht gelezen", "Message read")
ATTACHMENT_READ = _action(
    "attachment-read", BERICHTENBOX_ACCESS, "Bijlage gedownload", "Attachment downloaded"
)
TRAIL_READ = _action(
    "trail-read", BERICHTENBOX_ACCESS, "Verloop van een bericht bekeken", "Message trail viewed"
)
RECEIPT_READ = _action(
    "receipt-read", BERICHTENBOX_ACCESS, "Ontvangstbewijs bekeken", "Receipt viewed"
)
HELPER_MESSAGE_READ = _action(
    "helper-message-read",
    BERICHTENBOX_HELPER,
    "Bericht gelezen door gemachtigde",
    "Message read by a helper",
)
HELPER_ATTACHMENT_READ = _action(
    "helper-attachment-read",
    BERICHTENBOX_HELPER,
    "Bijlage gedownload door gemachtigde",
    "Attachment downloaded by a helper",
)
MESSAGE_STATUS_QUERIED = _action(
    "message-status-queried",
    DELIVERY_STATUS,
    "Status van bericht opgevraagd",
    "Message status queried",
)
DIGITAL_DELIVERY_QUERIED = _action(
    "digital-delivery-queried",
    DIGITAL_DELIVERY,
    "Toestemming voor digitale post opgevraagd",
    "Digital post consent queried",
)
CASES_LISTED = _action("cases-listed", CASES_ACCESS, "Zaken bekeken", "Cases listed")
CASE_READ = _action("case-read", CASES_ACCESS, "Zaak bekeken", "Case viewed")
CASE_STATE_QUERIED = _action(
    "case-state-queried", CASE_STATE, "Stand van zaak opgevraagd", "Case state queried"
)
REGISTRATIONS_LISTED = _action(
    "registrations-listed", REGISTRATIONS_ACCESS, "Registraties bekeken", "Registrations listed"
)
REGISTRATION_READ = _action(
    "registration-read", REGISTRATIONS_ACCESS, "Registratie bekeken", "Registration viewed"
)
CONTACT_DETAILS_READ = _action(
    "contact-details-read", CONTACT_ACCESS, "Contactgegevens bekeken", "Contact details viewed"
)
NOTIFICATION_STATUS_QUERIED = _action(
    "notification-status-queried",
    NOTIFICATION_STATUS,
    "Status van e-mailbericht opgevraagd",
    "Notification status queried",
)

ACTIONS = {
    action.code: action
    for action in (
        MESSAGES_LISTED,
        FOLDERS_LISTED,
        MESSAGE_READ,
        ATTACHMENT_READ,
        TRAIL_READ,
        RECEIPT_READ,
        HELPER_MESSAGE_READ,
        HELPER_ATTACHMENT_READ,
        MESSAGE_STATUS_QUERIED,
        DIGITAL_DELIVERY_QUERIED,
        CASES_LISTED,
        CASE_READ,
        CASE_STATE_QUERIED,
        REGISTRATIONS_LISTED,
        REGISTRATION_READ,
        CONTACT_DETAILS_READ,
        NOTIFICATION_STATUS_QUERIED,
    )
}
