"""One callable per incoming event: decide, save, emit."""

from berichtenbox.handlers.message_sent import MESSAGE_SENT_TYPE, MessageSentHandler
from berichtenbox.handlers.notification_status import NotificationStatusHandler
from berichtenbox.handlers.status_query import MessageStatusQueryHandler

__all__ = [
    "MESSAGE_SENT_TYPE",
    "MessageSentHandler",
    "MessageStatusQueryHandler",
    "NotificationStatusHandler",
]
