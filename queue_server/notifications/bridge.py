"""Booking confirmations and reminders through the office's channels.

The bookings keep their own outbox (bookings/notify.py: planned with the booking,
retried with backoff); an office whose booking notifier is "channels" has them delivered
by the SMS gateway or the SMTP server configured here, with the texts edited here.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from queue_server.notifications import templates
from queue_server.notifications.channels import (
    DeliveryError,
    Outgoing,
    SmsGateway,
    SmtpMail,
)
from queue_server.notifications.models import NotificationSettings
from queue_server.notifications.service import email_config, sms_config
from queue_server.outbound import OutboundRules

log = logging.getLogger(__name__)

KINDS = {
    "confirmation": templates.BOOKING_CONFIRMATION,
    "rescheduled": templates.BOOKING_RESCHEDULED,
    "cancellation": templates.BOOKING_CANCELLATION,
    "reminder": templates.BOOKING_REMINDER,
}


class ChannelUnavailable(DeliveryError):
    """The booking has no contact the office's channels can reach."""


class BookingChannelNotifier:
    """A booking notifier (bookings.notify.Notifier) that sends by SMS or e-mail."""

    def __init__(self, settings: NotificationSettings | None, rules: OutboundRules) -> None:
        self.overrides = dict(settings.templates) if settings and settings.templates else {}
        self.sms = sms_config(settings)
        self.email = email_config(settings)
        self.rules = rules

    def text(self, message: dict[str, Any]) -> str:
        """The message's text from the office's template for its kind."""
        local = datetime.fromisoformat(str(message["slot_local"]))
        return templates.render(
            KINDS[str(message["kind"])],
            self.overrides,
            office=message.get("office_name", ""),
            service=message.get("service_name_ru", ""),
            when=f"{local:%d.%m.%Y} в {local:%H:%M}",
            code=message.get("code", ""),
        )

    def send(self, message: dict[str, Any]) -> None:
        """Send by SMS when there is a phone, else by e-mail; raise when neither can go."""
        text = self.text(message)
        phone, email = str(message.get("phone") or ""), str(message.get("email") or "")
        if phone and self.sms is not None:
            SmsGateway(self.sms, self.rules).send(Outgoing(address=phone, text=text))
        elif email and self.email is not None:
            subject = templates.KIND_NAMES_RU[KINDS[str(message["kind"])]]
            SmtpMail(self.email, self.rules).send(
                Outgoing(address=email, text=text, subject=subject)
            )
        else:
            raise ChannelUnavailable("delivery_no_channel_for_contact")
