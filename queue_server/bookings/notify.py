"""Confirmations and reminders: an outbox written with the booking, delivered by notifiers.

A notifier only sends; it never touches the database. Delivery claims due rows in one
short transaction, sends with no transaction open (a slow gateway must not hold
SQLite's write lock), then records each outcome. The office's SMS gateway or SMTP server
(queue_server/notifications) is the notifier "channels".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from queue_server.bookings.models import (
    FAILED,
    PENDING,
    SENT,
    Booking,
    BookingNotification,
    BookingPolicy,
)
from queue_server.catalogue.models import Service
from queue_server.clock import Clock
from queue_server.db import Database
from queue_server.offices.calendar import local_now
from queue_server.offices.models import Office
from queue_server.outbound import OutboundRefused, OutboundRules, webhook_target

log = logging.getLogger(__name__)

CONFIRMATION = "confirmation"
RESCHEDULED = "rescheduled"
CANCELLATION = "cancellation"
REMINDER = "reminder"
SKIPPED = "skipped"
MAX_ATTEMPTS = 5
CLAIM = timedelta(minutes=2)

_TEXT_RU = {
    CONFIRMATION: "Вы записаны в {office}: {service}, {when}. Код записи {code}.",
    RESCHEDULED: "Запись перенесена: {office}, {service}, {when}. Код записи {code}.",
    CANCELLATION: "Запись {code} в {office} на {when} отменена.",
    REMINDER: "Напоминание: {office}, {service}, {when}. Код записи {code}.",
}


class NotificationError(Exception):
    """A notifier could not deliver a message; delivery will be retried."""


class Notifier(Protocol):
    """Sends one message to an applicant (SMS, e-mail, a gateway behind a webhook…)."""

    def send(self, message: dict[str, Any]) -> None:
        """Deliver the message or raise NotificationError."""
        ...


class LogNotifier:
    """Writes each message to the log: the default, and enough for offices without a gateway."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or log

    def send(self, message: dict[str, Any]) -> None:
        """Log the message (the applicant's phone is shortened to its last digits)."""
        self.logger.info(
            "booking %s to …%s: %s",
            message.get("kind"),
            str(message.get("phone", ""))[-4:],
            message.get("text_ru"),
        )


class WebhookNotifier:
    """POSTs each message as JSON to a URL (an SMS/e-mail gateway); 2xx means delivered."""

    def __init__(
        self, url: str, *, rules: OutboundRules, token: str = "", timeout: float = 5.0
    ) -> None:
        self.url = url
        self.rules = rules
        self.token = token
        self.timeout = timeout

    def send(self, message: dict[str, Any]) -> None:
        """POST the message; a refused URL, a network error or a non-2xx answer raises."""
        try:
            # Checked at every send: the URL may predate the operator's rule, or its name
            # may resolve elsewhere now. The request goes to the address that was checked.
            target = webhook_target(self.url, self.rules)
        except OutboundRefused as exc:
            raise NotificationError(exc.message) from None
        headers = {"Host": target.host_header}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        extensions = {"sni_hostname": target.tls_name} if target.tls_name else {}
        # Imported on the first webhook, not at start-up: httpx brings rich and pygments
        # (its command line), some 15 MiB in every worker that never sends one.
        import httpx

        try:
            # No redirects: a gateway's 3xx could point anywhere the check never saw.
            with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
                response = client.post(
                    target.url, json=message, headers=headers, extensions=extensions
                )
        except httpx.HTTPError as exc:
            raise NotificationError(f"webhook unreachable: {exc}") from exc
        if not response.is_success:
            raise NotificationError(f"webhook answered {response.status_code}")


def notifier_for(
    policy: BookingPolicy, rules: OutboundRules, session: Session | None = None
) -> Notifier:
    """The notifier an office's policy names, held to the operator's outbound rules.

    "channels": the office's SMS gateway or SMTP server (queue_server/notifications).
    """
    if policy.notifier == "channels" and session is not None:
        return _channel_notifier(session, policy.office_id, rules)
    if policy.notifier == "webhook" and policy.webhook_url:
        return WebhookNotifier(
            policy.webhook_url,
            rules=rules,
            token=policy.webhook_token,
            timeout=float(policy.webhook_timeout_seconds),
        )
    return LogNotifier()


class _ChannelNotifier:
    """Adapts the notifications' channel notifier to this module's NotificationError."""

    def __init__(self, inner: Notifier) -> None:
        self.inner = inner

    def send(self, message: dict[str, Any]) -> None:
        """Send through the office's channels; their failure is a NotificationError."""
        from queue_server.notifications.channels import DeliveryError

        try:
            self.inner.send(message)
        except DeliveryError as exc:
            raise NotificationError(str(exc)) from exc


def _channel_notifier(session: Session, office_id: int, rules: OutboundRules) -> Notifier:
    # Imported here: the notifications package reads the bookings' phone helpers.
    from queue_server.notifications.bridge import BookingChannelNotifier
    from queue_server.notifications.models import NotificationSettings

    settings = session.get(NotificationSettings, office_id)
    return _ChannelNotifier(BookingChannelNotifier(settings, rules))


def message_for(
    kind: str, *, booking: Booking, office: Office, service: Service, slot_end: datetime | None
) -> dict[str, Any]:
    """The message of a notification: what a gateway needs to send an SMS or e-mail."""
    local = local_now(office, booking.slot_start)
    when = f"{local:%d.%m.%Y} в {local:%H:%M}"
    text = _TEXT_RU[kind].format(
        office=office.name, service=service.name_ru, when=when, code=booking.code
    )
    return {
        "kind": kind,
        "code": booking.code,
        "office": office.code,
        "office_name": office.name,
        "office_address": office.address,
        "service": service.code,
        "service_name_ru": service.name_ru,
        "slot_start": booking.slot_start.isoformat(),
        "slot_end": slot_end.isoformat() if slot_end else None,
        "slot_local": f"{local:%Y-%m-%d %H:%M}",
        "applicant_name": booking.applicant_name,
        "phone": booking.phone,
        "email": booking.email,
        "text_ru": text,
    }


def plan(
    *,
    session: Session,
    clock: Clock,
    booking: Booking,
    office: Office,
    service: Service,
    policy: BookingPolicy,
    kind: str,
    slot_end: datetime | None = None,
) -> None:
    """Queue the message of `kind` now and, for a new or moved booking, its reminder."""
    now = clock.now()
    session.add(
        BookingNotification(
            booking_id=booking.id,
            office_id=office.id,
            kind=kind,
            due_at=now,
            status=PENDING,
            attempts=0,
            last_error="",
            message=message_for(
                kind, booking=booking, office=office, service=service, slot_end=slot_end
            ),
        )
    )
    if kind in (CONFIRMATION, RESCHEDULED) and policy.reminder_minutes_before > 0:
        remind_at = booking.slot_start - timedelta(minutes=policy.reminder_minutes_before)
        # A reminder only makes sense if it comes well after the confirmation.
        if remind_at > now + timedelta(hours=1):
            session.add(
                BookingNotification(
                    booking_id=booking.id,
                    office_id=office.id,
                    kind=REMINDER,
                    due_at=remind_at,
                    status=PENDING,
                    attempts=0,
                    last_error="",
                    message=message_for(
                        REMINDER, booking=booking, office=office, service=service, slot_end=slot_end
                    ),
                )
            )


def drop_pending_reminders(*, session: Session, booking: Booking) -> None:
    """A cancelled or moved booking's old reminder is never sent."""
    for row in session.scalars(
        select(BookingNotification).where(
            BookingNotification.booking_id == booking.id,
            BookingNotification.kind == REMINDER,
            BookingNotification.status == PENDING,
        )
    ):
        row.status = SKIPPED


@dataclass(frozen=True)
class _Claimed:
    id: int
    message: dict[str, Any]
    notifier: Notifier


def deliver_notifications(
    *,
    db: Database,
    clock: Clock,
    limit: int = 50,
    notifier: Notifier | None = None,
    outbound: OutboundRules | None = None,
) -> int:
    """Send due notifications; returns how many were delivered. Failures retry with backoff.

    `notifier` overrides the offices' own notifiers (tests, a CLI resend); `outbound` is
    where webhooks may go (the server's settings; the defaults when not given).
    """
    rules = outbound or OutboundRules.defaults()
    now = clock.now()
    claimed: list[_Claimed] = []
    with db.transaction() as session:
        rows = session.execute(
            select(BookingNotification, BookingPolicy)
            .outerjoin(BookingPolicy, BookingPolicy.office_id == BookingNotification.office_id)
            .where(
                BookingNotification.status == PENDING,
                BookingNotification.due_at <= now,
                or_(
                    BookingNotification.claimed_until.is_(None),
                    BookingNotification.claimed_until <= now,
                ),
            )
            .order_by(BookingNotification.due_at, BookingNotification.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=BookingNotification)
        ).all()
        for row, policy in rows:
            row.claimed_until = now + CLAIM
            chosen = notifier or notifier_for(policy or _log_policy(), rules, session)
            claimed.append(_Claimed(row.id, dict(row.message), chosen))
    outcomes: dict[int, str | None] = {}
    for item in claimed:
        try:
            item.notifier.send(item.message)
            outcomes[item.id] = None
        except NotificationError as exc:
            outcomes[item.id] = str(exc)[:500]
        except Exception as exc:  # a broken notifier must not stop the others
            log.exception("notifier failed")
            outcomes[item.id] = f"{type(exc).__name__}: {exc}"[:500]
    if not outcomes:
        return 0
    done = clock.now()
    with db.transaction() as session:
        for row in session.scalars(
            select(BookingNotification).where(BookingNotification.id.in_(outcomes))
        ):
            error = outcomes[row.id]
            row.attempts += 1
            row.claimed_until = None
            if error is None:
                row.status, row.sent_at, row.last_error = SENT, done, ""
            else:
                row.last_error = error
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = FAILED
                else:
                    row.due_at = done + timedelta(minutes=2**row.attempts)
    return sum(1 for error in outcomes.values() if error is None)


def _log_policy() -> BookingPolicy:
    return BookingPolicy(notifier="log", webhook_url="", webhook_token="")
