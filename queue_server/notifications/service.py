"""Subscriptions with consent (R10), the office's settings, and purging contacts.

A contact is kept only while it serves: a ticket's until the end of the office's day, a
case's until the case is closed (issued, refused, returned, archived). The purge wipes
the number from the subscription and from every message still holding it; the consent
record (when, where, which wording) stays.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from queue_server.bookings.service import mask_phone, normalize_phone
from queue_server.cases.models import READY, RESULT_RECEIVED, Case
from queue_server.clock import Clock
from queue_server.errors import Conflict, InvalidInput
from queue_server.events.models import Event
from queue_server.notifications import templates
from queue_server.notifications.models import (
    EMAIL,
    PENDING,
    SKIPPED,
    SMS,
    TELEGRAM,
    EventCursor,
    NotificationMessage,
    NotificationSettings,
    Subscription,
)
from queue_server.notifications.schemas import (
    EmailConfig,
    NotificationSettingsIn,
    SmsConfig,
    TelegramConfig,
)
from queue_server.offices.models import Office
from queue_server.tickets.models import CANCELLED, DONE, NO_SHOW, Ticket

# A case's contact serves until the case is closed; these states still wait for it.
CASE_OPEN = ("registered", "sent_to_agency", RESULT_RECEIVED, READY)
TICKET_ENDED = (DONE, NO_SHOW, CANCELLED)
# A ticket has at most this many contacts: a stranger holding the code cannot flood it.
MAX_CONTACTS_PER_TICKET = 3
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")


def settings_of(session: Session, office_id: int) -> NotificationSettings | None:
    """The office's notification settings, or None when it never set any."""
    return session.get(NotificationSettings, office_id)


def configure(
    *, session: Session, office: Office, data: NotificationSettingsIn
) -> NotificationSettings:
    """Save the office's channels, thresholds and texts; a blank secret keeps the old one."""
    row = settings_of(session, office.id)
    if row is None:
        row = NotificationSettings(office_id=office.id, telegram_offset=0)
        session.add(row)
        # Events from now on are told; earlier ones are history, sent to nobody.
        last = session.scalar(select(func.max(Event.id)).where(Event.office_id == office.id))
        if session.get(EventCursor, office.id) is None:
            session.add(EventCursor(office_id=office.id, last_event_id=last or 0))
    sms = data.sms.model_dump()
    telegram = data.telegram.model_dump()
    email = data.email.model_dump()
    for new, old, secrets in (
        (sms, row.sms or {}, ("password",)),
        (telegram, row.telegram or {}, ("token",)),
        (email, row.email or {}, ("password",)),
    ):
        for name in secrets:
            if not new[name]:
                new[name] = old.get(name, "")
    for name, config, needs in (
        ("СМС", sms, ("url",)),
        ("Телеграм", telegram, ("token", "base_url")),
        ("электронная почта", email, ("host", "sender")),
    ):
        if config["enabled"] and not all(config[field] for field in needs):
            raise InvalidInput(code="notification_channel_incomplete", channel=name)
    row.sms, row.telegram, row.email = sms, telegram, email
    row.near_people_ahead = data.near_people_ahead
    row.near_minutes = data.near_minutes
    row.return_warning_days = data.return_warning_days
    row.per_recipient_per_hour = data.per_recipient_per_hour
    row.templates = dict(data.templates)
    session.flush()
    return row


def sms_config(row: NotificationSettings | None) -> SmsConfig | None:
    """The office's SMS gateway when it is switched on."""
    config = SmsConfig.model_validate(row.sms) if row and row.sms else None
    return config if config and config.enabled else None


def telegram_config(row: NotificationSettings | None) -> TelegramConfig | None:
    """The office's Telegram bot when it is switched on."""
    config = TelegramConfig.model_validate(row.telegram) if row and row.telegram else None
    return config if config and config.enabled else None


def email_config(row: NotificationSettings | None) -> EmailConfig | None:
    """The office's SMTP server when it is switched on."""
    config = EmailConfig.model_validate(row.email) if row and row.email else None
    return config if config and config.enabled else None


def mask(channel: str, address: str) -> str:
    """A contact as staff see it: +7 *** ***-12-34, i***@mail.ru, chat …4567."""
    if channel == SMS:
        return mask_phone(address)
    if channel == EMAIL:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"чат …{address[-4:]}"


def end_of_office_day(office: Office, now: datetime) -> datetime:
    """The next local midnight of the office (UTC): a ticket's contact lives until then."""
    zone = ZoneInfo(office.timezone)
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)
    return midnight.astimezone(UTC)


def _contact(channel: str, phone: str, email: str) -> str:
    if channel == SMS:
        return normalize_phone(phone)
    address = email.strip().lower()
    if not _EMAIL.match(address):
        raise InvalidInput(code="invalid_email")
    return address


def _require_channel(row: NotificationSettings | None, channel: str) -> None:
    available = {SMS: sms_config(row), EMAIL: email_config(row), TELEGRAM: telegram_config(row)}
    if available.get(channel) is None:
        raise Conflict(code="notification_channel_off")


def subscribe_ticket(
    *,
    session: Session,
    clock: Clock,
    ticket: Ticket,
    channel: str,
    phone: str = "",
    email: str = "",
    consent: bool,
    source: str,
) -> Subscription:
    """Record the applicant's consent and contact for a waiting ticket (kept for the day)."""
    if not consent:
        raise InvalidInput(code="notification_consent_required")
    if ticket.status in TICKET_ENDED:
        raise Conflict(code="notification_ticket_ended", number=ticket.number)
    _require_channel(settings_of(session, ticket.office_id), channel)
    address = _contact(channel, phone, email)
    return _follow_ticket(session, clock, ticket, channel, address, source)


def subscribe_case(
    *,
    session: Session,
    clock: Clock,
    case: Case,
    consent: bool,
    channel: str = SMS,
    phone: str = "",
    email: str = "",
) -> Subscription:
    """At intake: the applicant's phone or e-mail for the result notice (kept until
    issuance).

    Refused while the office does not send by that channel: a contact that serves nothing
    is not kept.
    """
    if not consent:
        raise InvalidInput(code="notification_consent_required")
    if case.status not in CASE_OPEN:
        raise Conflict(code="notification_case_closed", number=case.registration_number)
    address = _contact(channel, phone, email)
    _require_channel(settings_of(session, case.office_id), channel)
    return _subscribe(
        session=session,
        clock=clock,
        office_id=case.office_id,
        ticket_id=None,
        case_id=case.id,
        channel=channel,
        address=address,
        source="intake",
        keep_until=None,
    )


def bind_telegram_chat(
    *, session: Session, clock: Clock, office_id: int, payload: str, chat_id: str
) -> Subscription | None:
    """A /start deep link from the ticket's page: the chat follows the ticket or case."""
    kind, _, code = payload.partition("_")
    if kind == "t":
        ticket = session.scalar(select(Ticket).where(Ticket.status_code == code))
        if ticket is None or ticket.office_id != office_id or ticket.status in TICKET_ENDED:
            return None
        return _follow_ticket(session, clock, ticket, TELEGRAM, chat_id, "telegram")
    if kind == "c":
        case = session.scalar(select(Case).where(Case.status_code == code))
        if case is None or case.office_id != office_id or case.status not in CASE_OPEN:
            return None
        return _subscribe(
            session=session,
            clock=clock,
            office_id=case.office_id,
            ticket_id=None,
            case_id=case.id,
            channel=TELEGRAM,
            address=chat_id,
            source="telegram",
            keep_until=None,
        )
    return None


def _follow_ticket(
    session: Session, clock: Clock, ticket: Ticket, channel: str, address: str, source: str
) -> Subscription:
    """Subscribe `address` to a waiting ticket's notices, kept until its office's day ends."""
    office = session.get(Office, ticket.office_id)
    assert office is not None
    return _subscribe(
        session=session,
        clock=clock,
        office_id=office.id,
        ticket_id=ticket.id,
        case_id=None,
        channel=channel,
        address=address,
        source=source,
        keep_until=end_of_office_day(office, clock.now()),
    )


def _subscribe(
    *,
    session: Session,
    clock: Clock,
    office_id: int,
    ticket_id: int | None,
    case_id: int | None,
    channel: str,
    address: str,
    source: str,
    keep_until: datetime | None,
) -> Subscription:
    live = list(
        session.scalars(
            select(Subscription).where(
                Subscription.ticket_id == ticket_id
                if ticket_id
                else Subscription.case_id == case_id,
                Subscription.purged_at.is_(None),
                Subscription.withdrawn_at.is_(None),
            )
        )
    )
    for existing in live:
        if existing.channel == channel and existing.address == address:
            return existing  # the same number twice: one subscription
    if ticket_id is not None and len(live) >= MAX_CONTACTS_PER_TICKET:
        raise Conflict(code="notification_too_many_contacts", limit=MAX_CONTACTS_PER_TICKET)
    now = clock.now()
    row = Subscription(
        office_id=office_id,
        ticket_id=ticket_id,
        case_id=case_id,
        channel=channel,
        address=address,
        address_masked=mask(channel, address),
        source=source,
        consent_at=now,
        consent_version=templates.CONSENT_VERSION,
        keep_until=keep_until,
    )
    session.add(row)
    session.flush()
    return row


def _owned_by(ticket_id: int | None, case_id: int | None) -> Any:
    if ticket_id is not None:
        return Subscription.ticket_id == ticket_id
    return Subscription.case_id == case_id


def withdraw(*, session: Session, clock: Clock, subscriptions: list[Subscription]) -> int:
    """The applicant opts out: the contacts are removed now, nothing more is sent to them."""
    now = clock.now()
    for row in subscriptions:
        row.withdrawn_at = now
    return _forget(session, [row.id for row in subscriptions], now)


def live_subscriptions(
    session: Session, *, ticket_id: int | None = None, case_id: int | None = None
) -> list[Subscription]:
    """The ticket's or case's subscriptions whose contact is still kept."""
    return list(
        session.scalars(
            select(Subscription)
            .where(
                Subscription.ticket_id == ticket_id
                if ticket_id
                else Subscription.case_id == case_id,
                Subscription.purged_at.is_(None),
            )
            .order_by(Subscription.id)
        )
    )


def remove_expired_contacts(*, session: Session, clock: Clock) -> int:
    """Wipe contacts past their period: tickets' at the end of the day, cases' at closing."""
    now = clock.now()
    expired = list(
        session.scalars(
            select(Subscription.id)
            .outerjoin(Case, Case.id == Subscription.case_id)
            .where(
                Subscription.purged_at.is_(None),
                or_(
                    Subscription.keep_until <= now,
                    Subscription.case_id.isnot(None) & Case.status.notin_(CASE_OPEN),
                ),
            )
        )
    )
    return _forget(session, expired, now)


def _forget(session: Session, ids: list[int], now: datetime) -> int:
    if not ids:
        return 0
    session.execute(
        update(Subscription)
        .where(Subscription.id.in_(ids))
        .values(address=None, purged_at=now)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(NotificationMessage)
        .where(NotificationMessage.subscription_id.in_(ids), NotificationMessage.status == PENDING)
        .values(status=SKIPPED, address=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(NotificationMessage)
        .where(NotificationMessage.subscription_id.in_(ids))
        .values(address=None)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    return len(ids)


def public_settings(row: NotificationSettings | None) -> dict[str, Any]:
    """What the applicant's pages may know: which channels are on, the bot's name."""
    telegram = telegram_config(row)
    return {
        "sms": sms_config(row) is not None,
        "email": email_config(row) is not None,
        "telegram_bot": telegram.bot_username if telegram else "",
    }
