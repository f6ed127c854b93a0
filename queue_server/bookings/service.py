"""Bookings: create, check in at the kiosk (becomes a ticket called first once due, R4)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.auth.service import Principal
from queue_server.bookings.models import BOOKED, CHECKED_IN, Booking
from queue_server.catalogue.models import Service
from queue_server.catalogue.service import get_service
from queue_server.clock import Clock
from queue_server.errors import Conflict, NotFound
from queue_server.offices.calendar import local_now
from queue_server.offices.models import Office
from queue_server.tickets.models import Ticket
from queue_server.tickets.service import issue_ticket

# No 0/O or 1/I: the code is read aloud and typed on a kiosk keypad.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_code() -> str:
    """An unguessable short booking code (8 characters, ~40 bits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(8))


def create_booking(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    principal: Principal,
    service_code: str,
    slot_start: datetime,
    applicant_name: str = "",
    phone: str = "",
) -> Booking:
    """Book a slot for an applicant (staff only here; the public page comes later)."""
    principal.require_office(office.id)
    service = get_service(session=session, code=service_code)
    booking = Booking(
        office_id=office.id,
        service_id=service.id,
        code=new_code(),
        slot_start=slot_start,
        applicant_name=applicant_name,
        phone=phone,
        status=BOOKED,
        created_at=clock.now(),
    )
    session.add(booking)
    session.flush()
    return booking


def check_in(
    *, session: Session, clock: Clock, office: Office, principal: Principal, code: str
) -> Ticket:
    """Turn a booking into a ticket, if it is presented within the check-in window."""
    booking = session.scalar(
        select(Booking)
        .where(Booking.office_id == office.id, Booking.code == code.upper())
        .with_for_update()
    )
    if booking is None:
        raise NotFound(f"No booking with code {code!r} at this office.", code="booking_not_found")
    if booking.status == CHECKED_IN:
        existing = session.scalar(select(Ticket).where(Ticket.booking_id == booking.id))
        if existing is not None:
            return existing
    if booking.status != BOOKED:
        raise Conflict(f"Booking {booking.code} is {booking.status}.", code="booking_not_active")
    now = clock.now()
    opens = booking.slot_start - timedelta(minutes=office.booking_checkin_before_minutes)
    closes = booking.slot_start + timedelta(minutes=office.booking_checkin_after_minutes)
    slot_local = local_now(office, booking.slot_start)
    if now < opens:
        raise Conflict(
            f"Too early: check-in for the {slot_local:%H:%M} slot opens at "
            f"{local_now(office, opens):%H:%M}. You can take a live-queue ticket instead.",
            code="checkin_too_early",
        )
    if now > closes:
        raise Conflict(
            f"Too late: check-in for the {slot_local:%H:%M} slot closed at "
            f"{local_now(office, closes):%H:%M}. You can take a live-queue ticket instead.",
            code="checkin_too_late",
        )
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
    return ticket
