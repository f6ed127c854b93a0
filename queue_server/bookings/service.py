"""Bookings: slots, booking, cancel, reschedule, check-in at the kiosk, no-shows (R4)."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_server.auth.service import Principal
from queue_server.bookings import notify, rules
from queue_server.bookings.exceptions import CheckInRefused
from queue_server.bookings.models import (
    BOOKED,
    BOOKING_CANCELLED,
    BOOKING_STATUSES,
    CHECKED_IN,
    HOLDING,
    Booking,
    BookingPolicy,
    BookingServiceRule,
)
from queue_server.bookings.slots import DaySlots, Slot, day_slots, policy_for, slot_containing
from queue_server.catalogue.models import Service
from queue_server.catalogue.service import get_service
from queue_server.clock import Clock
from queue_server.errors import Conflict, InvalidInput, NotFound
from queue_server.events.service import emit
from queue_server.messages import TERMS, Term
from queue_server.offices.calendar import local_now
from queue_server.offices.models import Office
from queue_server.tickets.issuing import ensure_offered, issue_ticket
from queue_server.tickets.models import Ticket

# No 0/O or 1/I: the code is read aloud and typed on a kiosk keypad.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 32**10 ≈ 10**15 codes: guessing one of the live bookings is hopeless


# One text for "unknown code" and "not yours to see": the two must be indistinguishable.
def new_code() -> str:
    """An unguessable short booking code (10 characters, 50 bits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str:
    """A code as typed or scanned (any case, dashes, spaces) in its stored form."""
    return re.sub(r"[^0-9A-Za-z]", "", raw).upper()[:32]


def format_code(code: str) -> str:
    """The code in two groups for reading aloud: ABCDE-FGHJK."""
    return f"{code[:5]}-{code[5:]}" if len(code) == CODE_LENGTH else code


def normalize_phone(raw: str) -> str:
    """Digits of a phone number; Russian 8XXXXXXXXXX and 10-digit forms become 7XXXXXXXXXX."""
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    elif len(digits) == 10 and digits.startswith("9"):
        digits = "7" + digits
    if not 10 <= len(digits) <= 15:
        raise InvalidInput(code="invalid_phone")
    return digits


def mask_phone(phone: str) -> str:
    """A phone shown to whoever holds the code: only the last four digits."""
    return f"+{phone[:1]} *** ***-{phone[-4:-2]}-{phone[-2:]}" if len(phone) >= 5 else ""


def mask_name(name: str) -> str:
    """A name shown outside the booking's office: initials only ("Иванов Иван" → "И. И.")."""
    return " ".join(part[0] + "." for part in name.split() if part)


def mask_email(email: str) -> str:
    """An e-mail shown to whoever holds the code: first letter and the domain."""
    if "@" not in email:
        return ""
    user, domain = email.split("@", 1)
    return f"{user[:1]}***@{domain}"


def _local_day_bounds(office: Office, day: date) -> tuple[datetime, datetime]:
    tz = ZoneInfo(office.timezone)
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def bookable_service(*, session: Session, office: Office, code: str) -> Service:
    """A service the office serves and takes bookings for, or a clear refusal."""
    service = get_service(session=session, code=code)
    ensure_offered(session=session, office=office, service=service)
    rule = session.scalar(
        select(BookingServiceRule).where(
            BookingServiceRule.office_id == office.id, BookingServiceRule.service_id == service.id
        )
    )
    if rule is not None and not rule.bookable:
        raise InvalidInput(code="service_not_bookable", service=service.name_ru)
    return service


def bookable_services(*, session: Session, office: Office) -> list[Service]:
    """The services of the office that can be booked."""
    from queue_server.catalogue.service import services_of_office

    closed = set(
        session.scalars(
            select(BookingServiceRule.service_id).where(
                BookingServiceRule.office_id == office.id, BookingServiceRule.bookable.is_(False)
            )
        )
    )
    return [
        s for s in services_of_office(session=session, office_id=office.id) if s.id not in closed
    ]


def available_slots(
    *, session: Session, clock: Clock, office: Office, service_code: str, day: date
) -> DaySlots:
    """A service's slots on a day, with free places; past slots and days beyond the horizon
    have none left to book."""
    service = bookable_service(session=session, office=office, code=service_code)
    policy = policy_for(session=session, office=office)
    now = clock.now()
    today = local_now(office, now).date()
    if day < today:
        return DaySlots(day, False, "the date has passed", [])
    if day > today + timedelta(days=policy.horizon_days):
        return DaySlots(day, False, f"bookings open {policy.horizon_days} days ahead at most", [])
    result = day_slots(session=session, office=office, service=service, day=day, policy=policy)
    slots = [
        s if s.start > now else Slot(s.start, s.end, s.capacity, s.capacity) for s in result.slots
    ]
    return DaySlots(result.day, result.is_open, result.reason, slots)


def _slot_for(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    service: Service,
    policy: BookingPolicy,
    slot_start: datetime,
    exact: bool,
    exclude: Booking | None = None,
) -> Slot:
    """The slot a booking at `slot_start` takes, after checking it can be had."""
    now = clock.now()
    day = local_now(office, slot_start).date()
    today = local_now(office, now).date()
    if day > today + timedelta(days=policy.horizon_days):
        raise InvalidInput(code="beyond_horizon", days=policy.horizon_days)
    if exact and slot_start <= now:
        raise InvalidInput(code="slot_passed", key="slot_passed.slot_begun")
    if not exact and checkin_window(office, slot_start)[1] < now:
        raise InvalidInput(code="slot_passed")
    slots = day_slots(session=session, office=office, service=service, day=day, policy=policy)
    if not slots.is_open:
        reason = slots.reason
        raise InvalidInput(
            code="office_closed_that_day",
            day=f"{day:%d.%m.%Y}",
            reason=Term("closed_reason", reason) if reason in TERMS["closed_reason"] else reason,
        )
    slot = slot_containing(slots, slot_start)
    if slot is None or (exact and slot.start != slot_start):
        raise InvalidInput(code="not_a_slot", time=f"{local_now(office, slot_start):%H:%M}")
    taken = slot.booked
    if (
        exclude is not None
        and exclude.status in HOLDING
        and slot.start <= exclude.slot_start < slot.end
    ):
        taken -= 1
    if taken >= slot.capacity:
        raise Conflict(code="slot_full", time=f"{local_now(office, slot.start):%H:%M}")
    return slot


def _check_person_limit(
    *,
    session: Session,
    office: Office,
    policy: BookingPolicy,
    phone: str,
    day: date,
    exclude: Booking | None = None,
) -> None:
    if not phone:
        return
    start, end = _local_day_bounds(office, day)
    stmt = (
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.office_id == office.id,
            Booking.phone == phone,
            Booking.status.in_(HOLDING),
            Booking.slot_start >= start,
            Booking.slot_start < end,
        )
    )
    if exclude is not None:
        stmt = stmt.where(Booking.id != exclude.id)
    if int(session.scalar(stmt) or 0) >= policy.max_per_person_per_day:
        raise Conflict(code="person_limit", limit=policy.max_per_person_per_day)


def booking_event(
    session: Session, clock: Clock, booking: Booking, type_: str, **extra: Any
) -> None:
    """Announce a change of the booking; no name, phone or code (events reach boards)."""
    emit(
        session=session,
        clock=clock,
        type=type_,
        office_id=booking.office_id,
        payload={
            "booking_id": booking.id,
            "service_id": booking.service_id,
            "slot_start": booking.slot_start.isoformat(),
            "status": booking.status,
            **extra,
        },
    )


def _applicant(name: str, phone: str, *, public: bool) -> tuple[str, str]:
    """The applicant's name and phone digits; the public page must give both."""
    if public and not name.strip():
        raise InvalidInput(code="name_required")
    if public and not phone.strip():
        raise InvalidInput(code="phone_required")
    return name.strip(), normalize_phone(phone) if phone.strip() else ""


def create_booking(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    service_code: str,
    slot_start: datetime,
    applicant_name: str = "",
    phone: str = "",
    email: str = "",
    principal: Principal | None = None,
) -> Booking:
    """Book a slot. Without a principal it is a public booking: exact slot, name and phone.

    Staff may book any time inside a slot whose check-in window is still open (an
    applicant who phoned in); capacity and the per-person limit hold for everyone.
    """
    public = principal is None
    if principal is not None:
        principal.require_office(office.id)
    name, digits = _applicant(applicant_name, phone, public=public)
    service = bookable_service(session=session, office=office, code=service_code)
    policy = policy_for(session=session, office=office, lock=True)
    slot = _slot_for(
        session=session,
        clock=clock,
        office=office,
        service=service,
        policy=policy,
        slot_start=slot_start,
        exact=public,
    )
    _check_person_limit(
        session=session,
        office=office,
        policy=policy,
        phone=digits,
        day=local_now(office, slot_start).date(),
    )
    booking = Booking(
        office_id=office.id,
        service_id=service.id,
        code=new_code(),
        slot_start=slot_start,
        applicant_name=name,
        phone=digits,
        email=email.strip(),
        status=BOOKED,
        source="public" if public else "staff",
        created_at=clock.now(),
        reschedule_count=0,
    )
    session.add(booking)
    session.flush()
    notify.plan(
        session=session,
        clock=clock,
        booking=booking,
        office=office,
        service=service,
        policy=policy,
        kind=notify.CONFIRMATION,
        slot_end=slot.end,
    )
    booking_event(session, clock, booking, "booking.created", source=booking.source)
    return booking


def booking_exists(*, session: Session, code: str) -> bool:
    """Whether a booking has this code (its public page says no more than that)."""
    return (
        session.scalar(select(Booking.id).where(Booking.code == normalize_code(code))) is not None
    )


def find_booking(*, session: Session, code: str, lock: bool = False) -> Booking:
    """The booking with this code (any office), or 404 that says nothing more."""
    stmt = select(Booking).where(Booking.code == normalize_code(code))
    if lock:
        stmt = stmt.with_for_update()
    booking = session.scalar(stmt)
    if booking is None:
        raise NotFound(code="booking_not_found")
    return booking


def _office_of(session: Session, booking: Booking) -> Office:
    office = session.get(Office, booking.office_id)
    assert office is not None
    return office


def _must_be_booked(booking: Booking, action: str) -> None:
    if booking.status != BOOKED:
        raise Conflict(
            code="booking_not_active",
            booking=format_code(booking.code),
            state=Term("booking_state", booking.status),
            action=Term("booking_action", action),
        )


def cancel_booking(*, session: Session, clock: Clock, code: str) -> Booking:
    """Cancel by code: the place goes back to the slot and the reminder is dropped."""
    booking = find_booking(session=session, code=code, lock=True)
    _must_be_booked(booking, "cancelled")
    office = _office_of(session, booking)
    service = session.get(Service, booking.service_id)
    assert service is not None
    booking.status = BOOKING_CANCELLED
    booking.cancelled_at = clock.now()
    notify.drop_pending_reminders(session=session, booking=booking)
    notify.plan(
        session=session,
        clock=clock,
        booking=booking,
        office=office,
        service=service,
        policy=policy_for(session=session, office=office),
        kind=notify.CANCELLATION,
    )
    booking_event(session, clock, booking, "booking.cancelled")
    return booking


def reschedule_booking(
    *, session: Session, clock: Clock, code: str, slot_start: datetime
) -> Booking:
    """Move a booking to another slot of the same service and office; the code stays."""
    booking = find_booking(session=session, code=code)
    office = _office_of(session, booking)
    policy = policy_for(session=session, office=office, lock=True)
    session.refresh(booking)  # read again under the office's booking lock
    _must_be_booked(booking, "moved")
    if slot_start == booking.slot_start:
        raise InvalidInput(code="same_slot")
    service = session.get(Service, booking.service_id)
    assert service is not None
    slot = _slot_for(
        session=session,
        clock=clock,
        office=office,
        service=service,
        policy=policy,
        slot_start=slot_start,
        exact=True,
        exclude=booking,
    )
    _check_person_limit(
        session=session,
        office=office,
        policy=policy,
        phone=booking.phone,
        day=local_now(office, slot_start).date(),
        exclude=booking,
    )
    previous = booking.slot_start
    booking.slot_start = slot_start
    booking.reschedule_count += 1
    notify.drop_pending_reminders(session=session, booking=booking)
    notify.plan(
        session=session,
        clock=clock,
        booking=booking,
        office=office,
        service=service,
        policy=policy,
        kind=notify.RESCHEDULED,
        slot_end=slot.end,
    )
    booking_event(
        session, clock, booking, "booking.rescheduled", previous_slot=previous.isoformat()
    )
    return booking


def checkin_window(office: Office, slot_start: datetime) -> tuple[datetime, datetime]:
    """When check-in opens and closes for a slot, by the office's window (R4)."""
    return rules.checkin_window(
        slot_start,
        before_minutes=office.booking_checkin_before_minutes,
        after_minutes=office.booking_checkin_after_minutes,
    )


def _ensure_in_checkin_window(office: Office, booking: Booking, now: datetime) -> None:
    """Refuse a check-in before or after the booking's window (R4), saying when it was."""
    opens, closes = checkin_window(office, booking.slot_start)
    slot_local = local_now(office, booking.slot_start)
    if now < opens:
        at = local_now(office, opens)
        raise CheckInRefused(code="checkin_too_early", slot=f"{slot_local:%H:%M}", at=f"{at:%H:%M}")
    if now > closes:
        at = local_now(office, closes)
        raise CheckInRefused(code="checkin_too_late", slot=f"{slot_local:%H:%M}", at=f"{at:%H:%M}")


def check_in(
    *, session: Session, clock: Clock, office: Office, principal: Principal, code: str
) -> Ticket:
    """Turn a booking into a ticket, if it is presented within the check-in window."""
    booking = session.scalar(
        select(Booking)
        .where(Booking.office_id == office.id, Booking.code == normalize_code(code))
        # The lock serialises check-in with the booking no-show job (which skips locked
        # rows) and with a second tap; populate_existing re-reads the state under it.
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if booking is None:
        raise NotFound(code="booking_not_found")
    if booking.status == CHECKED_IN:
        existing = session.scalar(select(Ticket).where(Ticket.booking_id == booking.id))
        if existing is not None:
            return existing
    if booking.status == BOOKING_CANCELLED:
        raise CheckInRefused(code="booking_cancelled")
    if booking.status != BOOKED:  # missed: the no-show job closed it after its window
        _, closes = checkin_window(office, booking.slot_start)
        raise CheckInRefused(
            code="checkin_too_late",
            slot=f"{local_now(office, booking.slot_start):%H:%M}",
            at=f"{local_now(office, closes):%H:%M}",
        )
    now = clock.now()
    _ensure_in_checkin_window(office, booking, now)
    service = session.get(Service, booking.service_id)
    assert service is not None
    ticket, _ = issue_ticket(
        session=session,
        clock=clock,
        office=office,
        principal=principal,
        service_code=service.code,
        idempotency_key=f"booking-{booking.code}",
        booking_id=booking.id,
        booking_slot=booking.slot_start,
    )
    booking.status = CHECKED_IN
    booking.checked_in_at = now
    booking_event(session, clock, booking, "booking.checked_in", ticket_id=ticket.id)
    return ticket


def live_ticket_instead(
    *, session: Session, clock: Clock, office: Office, principal: Principal, code: str
) -> Ticket:
    """The live-queue ticket a kiosk gives when check-in is refused (same code, same ticket)."""
    booking = session.scalar(
        select(Booking).where(Booking.office_id == office.id, Booking.code == normalize_code(code))
    )
    if booking is None:
        raise NotFound(code="booking_not_found")
    service = session.get(Service, booking.service_id)
    assert service is not None
    ticket, _ = issue_ticket(
        session=session,
        clock=clock,
        office=office,
        principal=principal,
        service_code=service.code,
        idempotency_key=f"booking-live-{booking.code}",
    )
    return ticket


def check_in_or_live(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    principal: Principal,
    code: str,
    live_if_refused: bool,
) -> tuple[Ticket, CheckInRefused | None]:
    """Check in; when refused and asked to, a live-queue ticket instead and the refusal.

    A kiosk or clerk of another office gets the very answer of an unknown code: the
    booking's existence and slot time are the applicant's business, not theirs.
    """
    if not principal.may_act_in(office.id):
        raise NotFound(code="booking_not_found")
    principal.require_staff_or_device("kiosk")
    try:
        ticket = check_in(
            session=session, clock=clock, office=office, principal=principal, code=code
        )
    except CheckInRefused as refused:
        if not live_if_refused:
            raise
        live = live_ticket_instead(
            session=session, clock=clock, office=office, principal=principal, code=code
        )
        return live, refused
    return ticket, None


def list_bookings(*, session: Session, office: Office, day: date) -> list[tuple[Booking, Service]]:
    """The office's bookings on a local date, by time (staff)."""
    start, end = _local_day_bounds(office, day)
    return [
        (b, s)
        for b, s in session.execute(
            select(Booking, Service)
            .join(Service, Service.id == Booking.service_id)
            .where(
                Booking.office_id == office.id,
                Booking.slot_start >= start,
                Booking.slot_start < end,
            )
            .order_by(Booking.slot_start, Booking.id)
        ).all()
    ]


def update_policy(*, session: Session, office: Office, changes: dict[str, Any]) -> BookingPolicy:
    """Change the office's booking rules and notifier (under its booking lock)."""
    if changes.get("notifier") == "webhook" and not changes.get("webhook_url"):
        raise InvalidInput(code="webhook_url_required")
    policy = policy_for(session=session, office=office, lock=True)
    for field, value in changes.items():
        setattr(policy, field, value)
    session.flush()
    return policy


def set_service_rule(
    *,
    session: Session,
    office: Office,
    service_code: str,
    bookable: bool,
    capacity_per_slot: int | None,
) -> BookingServiceRule:
    """Whether a service can be booked at the office, and a fixed capacity per slot."""
    service = get_service(session=session, code=service_code)
    policy_for(session=session, office=office, lock=True)  # no booking half-sees the change
    rule = session.scalar(
        select(BookingServiceRule).where(
            BookingServiceRule.office_id == office.id, BookingServiceRule.service_id == service.id
        )
    ) or BookingServiceRule(office_id=office.id, service_id=service.id)
    rule.bookable, rule.capacity_per_slot = bookable, capacity_per_slot
    session.add(rule)
    session.flush()
    return rule


def booking_report(
    *, session: Session, office: Office, start: date, end: date
) -> list[dict[str, Any]]:
    """Bookings per local date and service between two dates, counted by status."""
    first, _ = _local_day_bounds(office, start)
    _, last = _local_day_bounds(office, end)
    rows = session.execute(
        select(Booking.slot_start, Service.code, Booking.status)
        .join(Service, Service.id == Booking.service_id)
        .where(
            Booking.office_id == office.id,
            Booking.slot_start >= first,
            Booking.slot_start < last,
        )
    ).all()
    table: dict[tuple[date, str], dict[str, int]] = {}
    for slot_start, service_code, status in rows:
        key = (local_now(office, slot_start).date(), service_code)
        counts = table.setdefault(key, dict.fromkeys(BOOKING_STATUSES, 0))
        counts[status] = counts.get(status, 0) + 1
    return [
        {"day": day, "service": service, "total": sum(counts.values()), **counts}
        for (day, service), counts in sorted(table.items())
    ]
