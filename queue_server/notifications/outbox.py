"""From what happened to what is sent: the domain's events and the clock become messages.

Nothing in the ticket, case or complaint services knows about notifications: this module
reads the events outbox after a per-office cursor (ids are in commit order within an
office) and the states that change with time (the queue moving, a storage period running
out). Each message has a unique key of (what happened, recipient, kind), so reading an
event twice, or two processes planning at once, still gives one message.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.cases.models import READY, Case
from queue_server.catalogue.models import Agency
from queue_server.clock import Clock
from queue_server.complaints.models import Complaint
from queue_server.events.models import Event
from queue_server.events.service import events_after
from queue_server.notifications import templates
from queue_server.notifications.models import (
    EMAIL,
    PENDING,
    SMS,
    EventCursor,
    NotificationMessage,
    NotificationSettings,
    Subscription,
)
from queue_server.notifications.rules import describe_hours, is_near, return_warning_due
from queue_server.notifications.service import (
    email_config,
    live_subscriptions,
    mask,
    sms_config,
)
from queue_server.offices.calendar import local_now
from queue_server.offices.models import Office
from queue_server.tickets.estimates import load_live_queue
from queue_server.tickets.models import WAITING, Ticket

# A call is of no use once the applicant would have been marked absent long ago.
CALL_EXPIRES = timedelta(minutes=10)
# "Your turn is near" loses its point once the turn has surely come.
NEAR_EXPIRES = timedelta(minutes=30)
EVENTS_PER_PASS = 500


def enqueue(
    session: Session,
    clock: Clock,
    *,
    office_id: int,
    key: str,
    kind: str,
    channel: str,
    address: str,
    text: str,
    subscription_id: int | None = None,
    subject: str = "",
    expires_in: timedelta | None = None,
) -> bool:
    """Add a message unless its key is already there; whether one was added."""
    if session.scalar(select(NotificationMessage.id).where(NotificationMessage.key == key)):
        return False
    now = clock.now()
    message = NotificationMessage(
        office_id=office_id,
        subscription_id=subscription_id,
        key=key,
        kind=kind,
        channel=channel,
        address=address,
        address_masked=mask(channel, address),
        subject=subject or templates.KIND_NAMES_RU[kind],
        text=text,
        status=PENDING,
        created_at=now,
        due_at=now,
        expires_at=now + expires_in if expires_in else None,
        attempts=0,
        last_error="",
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:  # another process planned the same message just now
        return False
    return True


def plan_notifications(*, session: Session, clock: Clock) -> int:
    """Turn new events and the passing time into messages, office by office; how many."""
    planned = 0
    for settings, office in session.execute(
        select(NotificationSettings, Office).join(
            Office, Office.id == NotificationSettings.office_id
        )
    ).all():
        planned += _plan_office(session, clock, office, settings)
    return planned


def _cursor(session: Session, office: Office) -> EventCursor:
    cursor = session.scalar(
        select(EventCursor).where(EventCursor.office_id == office.id).with_for_update()
    )
    if cursor is None:
        # A new office starts from now: history is not sent to anyone.
        last = session.scalar(select(func.max(Event.id)).where(Event.office_id == office.id))
        cursor = EventCursor(office_id=office.id, last_event_id=last or 0)
        try:
            with session.begin_nested():
                session.add(cursor)
        except IntegrityError:
            cursor = session.scalars(
                select(EventCursor).where(EventCursor.office_id == office.id).with_for_update()
            ).one()
    return cursor


def _plan_office(
    session: Session, clock: Clock, office: Office, settings: NotificationSettings
) -> int:
    cursor = _cursor(session, office)  # also serialises two planners of one office
    overrides = settings.templates or {}
    planned = 0
    events = events_after(
        session=session, office_id=office.id, after_id=cursor.last_event_id, limit=EVENTS_PER_PASS
    )
    for event in events:
        planned += _from_event(session, clock, office, settings, overrides, event)
        cursor.last_event_id = event.id
    planned += _turns_near(session, clock, office, settings, overrides)
    planned += _return_warnings(session, clock, office, settings, overrides)
    return planned


def _from_event(
    session: Session,
    clock: Clock,
    office: Office,
    settings: NotificationSettings,
    overrides: dict[str, str],
    event: Event,
) -> int:
    payload: dict[str, Any] = event.payload or {}
    if event.type in ("ticket.called", "ticket.recalled"):
        kind = templates.CALLED if event.type == "ticket.called" else templates.RECALLED
        text = templates.render(
            kind,
            overrides,
            office=office.name,
            number=payload.get("number", ""),
            window=payload.get("window", ""),
            service=payload.get("service_name_ru", ""),
        )
        return _to_subscribers(
            session,
            clock,
            office,
            live_subscriptions(session, ticket_id=int(payload["ticket_id"])),
            kind=kind,
            key=f"{kind}:{event.id}",
            text=text,
            expires_in=CALL_EXPIRES,
        )
    if event.type == "case.ready":
        case = session.get(Case, int(payload["case_id"]))
        if case is None:
            return 0
        text = templates.render(
            templates.RESULT_READY,
            overrides,
            office=office.name,
            case=case.registration_number,
            address=office.address or office.name,
            hours=describe_hours(office.opening_hours),
            service=case.service.name_ru,
        )
        return _to_subscribers(
            session,
            clock,
            office,
            live_subscriptions(session, case_id=case.id),
            kind=templates.RESULT_READY,
            key=f"{templates.RESULT_READY}:{event.id}",
            text=text,
        )
    if event.type == "complaint.answered":
        complaint = session.get(Complaint, int(payload["complaint_id"]))
        if complaint is None:
            return 0
        return _complaint_answered(session, clock, office, settings, overrides, complaint)
    return 0


def _to_subscribers(
    session: Session,
    clock: Clock,
    office: Office,
    subscriptions: list[Subscription],
    *,
    kind: str,
    key: str,
    text: str,
    expires_in: timedelta | None = None,
) -> int:
    planned = 0
    for sub in subscriptions:
        if sub.address is None or sub.withdrawn_at is not None:
            continue
        planned += enqueue(
            session,
            clock,
            office_id=office.id,
            key=f"{key}:{sub.id}",
            kind=kind,
            channel=sub.channel,
            address=sub.address,
            subscription_id=sub.id,
            text=text,
            expires_in=expires_in,
        )
    return planned


def _complaint_answered(
    session: Session,
    clock: Clock,
    office: Office,
    settings: NotificationSettings,
    overrides: dict[str, str],
    complaint: Complaint,
) -> int:
    # The complaint's own consent covers telling its author that it was answered; the
    # contact stays in the complaint (its retention is the register's), not in a message.
    if not complaint.consent_personal_data:
        return 0
    contact = complaint.applicant_contact.strip()
    text = templates.render(
        templates.COMPLAINT_ANSWERED, overrides, office=office.name, complaint=complaint.number
    )
    if "@" in contact and email_config(settings) is not None:
        channel, address = EMAIL, contact.lower()
    else:
        digits = "".join(ch for ch in contact if ch.isdigit())
        if len(digits) == 11 and digits[0] == "8":
            digits = "7" + digits[1:]
        if not (len(digits) == 11 and digits[0] == "7") or sms_config(settings) is None:
            return 0
        channel, address = SMS, digits
    return int(
        enqueue(
            session,
            clock,
            office_id=office.id,
            key=f"{templates.COMPLAINT_ANSWERED}:{complaint.id}:{channel}",
            kind=templates.COMPLAINT_ANSWERED,
            channel=channel,
            address=address,
            text=text,
        )
    )


def _turns_near(
    session: Session,
    clock: Clock,
    office: Office,
    settings: NotificationSettings,
    overrides: dict[str, str],
) -> int:
    rows = session.execute(
        select(Subscription, Ticket)
        .join(Ticket, Ticket.id == Subscription.ticket_id)
        .where(
            Subscription.office_id == office.id,
            Subscription.purged_at.is_(None),
            Subscription.withdrawn_at.is_(None),
            Ticket.status == WAITING,
        )
    ).all()
    if not rows:
        return 0
    now = clock.now()
    tickets = {ticket.id: ticket for _sub, ticket in rows}
    live = load_live_queue(session=session, office=office, now=now, including=tickets.keys())
    waiting = {t.id for t in live.waiting}
    estimates = live.estimates({tid for tid in tickets if tid in waiting})
    planned = 0
    for sub, ticket in rows:
        if ticket.id not in estimates or sub.address is None:
            continue
        ahead = live.people_ahead(ticket.id)
        minutes = estimates[ticket.id].minutes
        if not is_near(
            ahead=ahead,
            minutes=minutes,
            near_people_ahead=settings.near_people_ahead,
            near_minutes=settings.near_minutes,
        ):
            continue
        text = templates.render(
            templates.TURN_NEAR,
            overrides,
            office=office.name,
            number=ticket.number,
            ahead=ahead,
            minutes=minutes if minutes is not None else "?",
            service=ticket.service.name_ru,
        )
        # Once per wait: a ticket redirected to another service waits anew.
        since = ticket.waiting_since.strftime("%Y%m%d%H%M%S")
        planned += enqueue(
            session,
            clock,
            office_id=office.id,
            key=f"{templates.TURN_NEAR}:{ticket.id}:{since}:{sub.id}",
            kind=templates.TURN_NEAR,
            channel=sub.channel,
            address=sub.address,
            subscription_id=sub.id,
            text=text,
            expires_in=NEAR_EXPIRES,
        )
    return planned


def _return_warnings(
    session: Session,
    clock: Clock,
    office: Office,
    settings: NotificationSettings,
    overrides: dict[str, str],
) -> int:
    if settings.return_warning_days <= 0:
        return 0
    today = local_now(office, clock.now()).date()
    rows = session.execute(
        select(Subscription, Case)
        .join(Case, Case.id == Subscription.case_id)
        .where(
            Subscription.office_id == office.id,
            Subscription.purged_at.is_(None),
            Subscription.withdrawn_at.is_(None),
            Case.status == READY,
            Case.storage_until.isnot(None),
        )
    ).all()
    planned = 0
    for sub, case in rows:
        assert case.storage_until is not None
        if sub.address is None or not return_warning_due(
            storage_until=case.storage_until, today=today, days=settings.return_warning_days
        ):
            continue
        agency = session.get(Agency, case.agency_id)
        text = templates.render(
            templates.RETURN_WARNING,
            overrides,
            office=office.name,
            case=case.registration_number,
            days=(case.storage_until - today).days,
            until=f"{case.storage_until:%d.%m.%Y}",
            agency=agency.name if agency else "ведомство",
            hours=describe_hours(office.opening_hours),
            service=case.service.name_ru,
        )
        planned += enqueue(
            session,
            clock,
            office_id=office.id,
            key=f"{templates.RETURN_WARNING}:{case.id}:{sub.id}",
            kind=templates.RETURN_WARNING,
            channel=sub.channel,
            address=sub.address,
            subscription_id=sub.id,
            text=text,
        )
    return planned
