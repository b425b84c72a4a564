"""One callable per incoming event: decide, save, emit."""

from berichtenbox.handlers.message_sent import MessageSentHandler
from berichtenbox.handlers.notification_status import NotificationStatusHandler
from berichtenbox.handlers.status_query import MessageStatusQueryHandler

__all__ = ["MessageSentHandler", "MessageStatusQueryHandler", "NotificationStatusHandler"]
