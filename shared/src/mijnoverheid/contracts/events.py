"""Every event of the platform, in one place: its routing key, CloudEvent type, data and meaning.

Services publish and subscribe by these routes; the queues (messaging/topology.py), the broker
provisioning and the AsyncAPI documents are derived from them.
"""

from __future__ import annotations

from mijnoverheid.contracts import berichtenbox as bb
from mijnoverheid.contracts import gegevens as gg
from mijnoverheid.contracts import notifier as nt
from mijnoverheid.contracts import portal as pt
from mijnoverheid.contracts import zaken as zk
from mijnoverheid.contracts.routing import Direction, EventRoute

IN, OUT, INTERNAL = Direction.INBOUND, Direction.OUTBOUND, Direction.INTERNAL

# --- published by organisations ---------------------------------------------------------------
MESSAGE_SENT = EventRoute(
    "berichtenbox", "message-sent", bb.MessageSent, IN,
    "An organisation sends a message to a citizen's Berichtenbox.",
    max_bytes=bb.MAX_MESSAGE_SENT_BYTES,
)  # fmt: skip
MESSAGE_STATUS_REQUESTED = EventRoute(
    "berichtenbox", "message-status-requested", bb.MessageStatusRequested, IN,
    "An organisation asks what happened to its own messages.",
)  # fmt: skip
CASE_STATUS_CHANGED = EventRoute(
    "zaken", "case-status-changed", zk.CaseStatusChanged, IN,
    "An organisation reports a status of a citizen's case.",
)  # fmt: skip
CASE_WITHDRAWN = EventRoute(
    "zaken", "case-withdrawn", zk.CaseWithdrawn, IN,
    "An organisation withdraws a case (e.g. opened in error).",
)  # fmt: skip
CASE_STATE_REQUESTED = EventRoute(
    "zaken", "case-state-requested", zk.CaseStateRequested, IN,
    "An organisation asks what is recorded for some of its own cases.",
)  # fmt: skip
REGISTRATION_CHANGED = EventRoute(
    "gegevens", "registration-changed", gg.RegistrationChanged, IN,
    "An organisation reports how a citizen is registered in one of its registers.",
)  # fmt: skip
REGISTRATION_REMOVED = EventRoute(
    "gegevens", "registration-removed", gg.RegistrationRemoved, IN,
    "An organisation reports that a citizen is no longer registered under a key.",
)  # fmt: skip
DIGITAL_DELIVERY_REQUESTED = EventRoute(
    "berichtenbox", "digital-delivery-requested", bb.DigitalDeliveryRequested, IN,
    "An organisation asks whether it may send citizens its post digitally.",
)  # fmt: skip
NOTIFICATION_STATUS_REQUESTED = EventRoute(
    "notifier", "notification-status-requested", nt.NotificationStatusRequested, IN,
    "An organisation asks for the histories of its own notifications.",
)  # fmt: skip

# --- published by the services ----------------------------------------------------------------
MESSAGE_DELIVERED = EventRoute(
    "berichtenbox", "message-delivered", bb.MessageDelivered, OUT,
    "The message of a berichtenbox.message-sent event is in the citizen's Berichtenbox. "
    "Published for the sending organisation (the OIN in the routing key); the Notifier "
    "consumes it too. A redelivered message-sent re-emits this event with the same id.",
)  # fmt: skip
MESSAGE_REJECTED = EventRoute(
    "berichtenbox", "message-rejected", bb.MessageRejected, OUT,
    "An event an organisation published to the Berichtenbox (message-sent, "
    "message-status-requested) was refused, with a reason code. Published for that "
    "organisation (the OIN in the routing key).",
)  # fmt: skip
MESSAGE_STATUS = EventRoute(
    "berichtenbox", "message-status", bb.MessageStatus, OUT,
    "The answer to berichtenbox.message-status-requested: the status (and optionally "
    "the trail) of the asking organisation's own messages. Published for the asker.",
)  # fmt: skip
DIGITAL_DELIVERY = EventRoute(
    "berichtenbox", "digital-delivery", bb.DigitalDelivery, OUT,
    "The answer to berichtenbox.digital-delivery-requested: per citizen asked about, whether a "
    "message-sent will be delivered (an activated account and consent for the asker) or why "
    "not (account-not-activated, no-digital-consent: send paper). Nothing else about the person. "
    "Published for the asker.",
)  # fmt: skip
MESSAGE_READ = EventRoute(
    "berichtenbox", "message-read", bb.MessageRead, OUT,
    "The citizen opened the message, reported once to the organisation that sent it.",
)  # fmt: skip
MESSAGE_EXPIRING = EventRoute(
    "berichtenbox", "message-expiring", bb.MessageExpiring, OUT,
    "An unread message's content will soon be removed: the Notifier's trigger for a "
    "warning e-mail. Routed with the sending organisation's OIN.",
)  # fmt: skip
MESSAGE_LEFT_UNREAD = EventRoute(
    "berichtenbox", "message-left-unread", bb.MessageLeftUnread, OUT,
    "A message is still unread UNREAD_REMINDER_DAYS after its delivery: the Notifier's "
    "trigger for one reminder e-mail (at most one per message, never on the day of its "
    "expiry warning). Routed with the sending organisation's OIN.",
)  # fmt: skip
CASE_STATUS_RECORDED = EventRoute(
    "zaken", "case-status-recorded", zk.CaseStatusRecorded, OUT,
    "A status newer than every status of its case recorded before it was recorded: the "
    "Notifier's trigger. No free text. Published for the organisation the case is from; "
    "the id is derived from its case-status-changed event, so a redelivery re-emits the "
    "same event. See docs/zaken.md.",
)  # fmt: skip
CASE_STATE = EventRoute(
    "zaken", "case-state", zk.CaseState, OUT,
    "The answer to zaken.case-state-requested: what is recorded for the asking "
    "organisation's own cases (others' are not-found). Published for the asker.",
)  # fmt: skip
ZAKEN_EVENT_REJECTED = EventRoute(
    "zaken", "event-rejected", zk.ZakenEventRejected, OUT,
    "An event to Lopende Zaken was refused, with a reason code (e.g. url-not-allowed "
    "for a dossier link outside the organisation's registered hosts). For the sender.",
)  # fmt: skip
REGISTRATION_RECORDED = EventRoute(
    "gegevens", "registration-recorded", gg.RegistrationRecorded, OUT,
    "A version that changes what the citizen sees was recorded in a register whose "
    "changes are e-mailed (notify_registers in the registry): the Notifier's trigger. "
    "No facts. Published for the organisation the registration is from; the id is "
    "derived from its event, so a redelivery re-emits the same event. See "
    "docs/gegevens.md.",
)  # fmt: skip
GEGEVENS_EVENT_REJECTED = EventRoute(
    "gegevens", "event-rejected", gg.GegevensEventRejected, OUT,
    "A gegevens.registration-changed or -removed event was refused, with a reason code "
    "(e.g. register-not-allowed, url-not-allowed). Published for the sender.",
)  # fmt: skip
NOTIFICATION_STATUS = EventRoute(
    "notifier", "notification-status", nt.NotificationStatus, OUT,
    "Every change of a notification (an e-mail telling the citizen about news from "
    "the organisation): created, sending, sent, delivered, temporary-failure, "
    "permanent-failure, bounced or no-contact. For the organisation the news came from.",
)  # fmt: skip
NOTIFICATION_OVERDUE = EventRoute(
    "notifier", "notification-overdue", nt.NotificationOverdue, OUT,
    "A notification was not sent successfully within the deadline (48 hours by "
    "default): the organisation can fall back to paper.",
)  # fmt: skip
NOTIFICATION_STATUS_REPORT = EventRoute(
    "notifier", "notification-status-report", nt.NotificationStatusReport, OUT,
    "The answer to notification-status-requested: the histories of the asking "
    "organisation's own notifications.",
)  # fmt: skip

# --- published by a service for other services -------------------------------------------------
ACCOUNT_ACTIVATED = EventRoute(
    "portal", "account-activated", pt.AccountActivated, INTERNAL,
    "A citizen of 14 or older logged in for the first time: the account exists from then on.",
)  # fmt: skip
DIGITAL_CONSENT_CHANGED = EventRoute(
    "portal", "digital-consent-changed", pt.DigitalConsentChanged, INTERNAL,
    "A citizen switched digital post from an organisation on or off (Wmebv, art. 2:8 Awb).",
)  # fmt: skip
GRANT_GIVEN = EventRoute(
    "portal", "grant-given", pt.GrantGiven, INTERNAL,
    "A citizen authorised another citizen with an activated account to read their messages "
    "from chosen organisations (machtigen), until a moment or until withdrawn.",
)  # fmt: skip
GRANT_WITHDRAWN = EventRoute(
    "portal", "grant-withdrawn", pt.GrantWithdrawn, INTERNAL,
    "A citizen withdrew a grant: from then on the helper reads nothing through it.",
)  # fmt: skip

INBOUND = (
    MESSAGE_SENT,
    MESSAGE_STATUS_REQUESTED,
    CASE_STATUS_CHANGED,
    CASE_WITHDRAWN,
    CASE_STATE_REQUESTED,
    REGISTRATION_CHANGED,
    REGISTRATION_REMOVED,
    NOTIFICATION_STATUS_REQUESTED,
    DIGITAL_DELIVERY_REQUESTED,
)
OUTBOUND = (
    MESSAGE_DELIVERED,
    MESSAGE_REJECTED,
    MESSAGE_STATUS,
    MESSAGE_READ,
    MESSAGE_EXPIRING,
    MESSAGE_LEFT_UNREAD,
    CASE_STATUS_RECORDED,
    CASE_STATE,
    ZAKEN_EVENT_REJECTED,
    REGISTRATION_RECORDED,
    GEGEVENS_EVENT_REJECTED,
    NOTIFICATION_STATUS,
    NOTIFICATION_OVERDUE,
    NOTIFICATION_STATUS_REPORT,
    DIGITAL_DELIVERY,
)
INTERNAL_EVENTS = (ACCOUNT_ACTIVATED, DIGITAL_CONSENT_CHANGED, GRANT_GIVEN, GRANT_WITHDRAWN)
# What the ZGW connector may publish on behalf of the organisations it serves (and nothing else).
ZGW_RELAYED = (CASE_STATUS_CHANGED, CASE_WITHDRAWN)


def published_by(service: str) -> tuple[EventRoute, ...]:
    return tuple(route for route in (*OUTBOUND, *INTERNAL_EVENTS) if route.service == service)
