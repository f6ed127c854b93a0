"""Routes: bookings (minimal) and check-in."""

from __future__ import annotations

from fastapi import APIRouter

from queue_server.bookings import service as bookings
from queue_server.bookings.schemas import BookingIn, BookingOut
from queue_server.deps import ClockDep, CurrentOffice, PrincipalDep, RuntimeDep, SessionDep
from queue_server.tickets.schemas import TicketIssuedOut
from queue_server.tickets.views import issued_out

router = APIRouter(tags=["bookings"])


@router.post("/offices/{code}/bookings", response_model=BookingOut, status_code=201)
def create_booking(
    data: BookingIn,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> BookingOut:
    """Book a slot for an applicant (staff)."""
    principal.require_role("admin", "manager", "clerk")
    booking = bookings.create_booking(
        session=session,
        clock=clock,
        office=office,
        principal=principal,
        service_code=data.service,
        slot_start=data.slot_start,
        applicant_name=data.applicant_name,
        phone=data.phone,
    )
    return BookingOut(
        code=booking.code,
        service=data.service,
        slot_start=booking.slot_start,
        status=booking.status,
        checked_in_at=booking.checked_in_at,
    )


@router.post("/offices/{code}/bookings/{booking_code}/check-in", response_model=TicketIssuedOut)
def check_in(
    booking_code: str,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> TicketIssuedOut:
    """Check a booking in at the kiosk: a ticket called first once its slot has come."""
    ticket = bookings.check_in(
        session=session, clock=clock, office=office, principal=principal, code=booking_code
    )
    return issued_out(session, runtime, office, ticket)
