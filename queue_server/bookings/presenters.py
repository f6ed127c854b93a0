"""Bookings as the API shows them: to staff, to the holder of the code, to the kiosk."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from queue_server.bookings.exceptions import CheckInRefused
from queue_server.bookings.models import Booking, BookingPolicy
from queue_server.bookings.schemas import (
    BookableServiceOut,
    BookingOut,
    BookingPolicyIn,
    BookingPolicyOut,
    CheckInOut,
    DaySlotsOut,
    PublicBookingOut,
    PublicOfficeOut,
    SlotOut,
)
from queue_server.bookings.service import (
    checkin_window,
    format_code,
    mask_email,
    mask_name,
    mask_phone,
)
from queue_server.bookings.slots import DaySlots
from queue_server.catalogue.models import Service
from queue_server.offices.calendar import local_now
from queue_server.offices.models import Office
from queue_server.runtime import Runtime
from queue_server.tickets.models import Ticket
from queue_server.tickets.presenters import issued_out


def staff_out(booking: Booking, service: Service, *, own_office: bool = True) -> BookingOut:
    """A booking as staff see it: contacts in full only for the staff of its own office.

    Anyone else (an admin of every office) sees initials and masked contacts (R16).
    """
    name, phone, email = booking.applicant_name, booking.phone, booking.email
    if not own_office:
        name, phone, email = mask_name(name), mask_phone(phone), mask_email(email)
    return BookingOut(
        code=booking.code,
        service=service.code,
        slot_start=booking.slot_start,
        status=booking.status,
        checked_in_at=booking.checked_in_at,
        applicant_name=name,
        phone=phone,
        email=email,
        source=booking.source,
    )


def manage_url(runtime: Runtime, code: str) -> str:
    """The public page of a booking (its QR code and link in confirmations)."""
    return f"{runtime.settings.public_url.rstrip('/')}/b/{code}"


def public_out(session: Session, runtime: Runtime, booking: Booking) -> PublicBookingOut:
    """A booking as its holder sees it: contacts masked, check-in window (R4) spelled out."""
    office = session.get(Office, booking.office_id)
    service = session.get(Service, booking.service_id)
    assert office is not None and service is not None
    opens, closes = checkin_window(office, booking.slot_start)
    return PublicBookingOut(
        code=booking.code,
        code_display=format_code(booking.code),
        status=booking.status,
        office=office.code,
        office_name=office.name,
        office_address=office.address,
        service=service.code,
        service_name_ru=service.name_ru,
        service_name_en=service.name_en,
        slot_start=booking.slot_start,
        slot_local=f"{local_now(office, booking.slot_start):%d.%m.%Y %H:%M}",
        checkin_opens=opens,
        checkin_closes=closes,
        applicant_name=booking.applicant_name,
        phone_masked=mask_phone(booking.phone),
        email_masked=mask_email(booking.email),
        manage_url=manage_url(runtime, booking.code),
        qr_url=f"/api/v1/public/bookings/{booking.code}/qr.png",
    )


def check_in_out(
    session: Session,
    runtime: Runtime,
    office: Office,
    ticket: Ticket,
    refused: CheckInRefused | None,
    now: datetime,
) -> CheckInOut:
    """The ticket a check-in gave (booked, or live with the refusal as a notice)."""
    issued = issued_out(session, runtime, office, ticket, now)
    return CheckInOut(
        **issued.model_dump(),
        booked=ticket.booking_id is not None,
        notice=refused.message if refused else None,
        notice_code=refused.code if refused else None,
    )


def policy_out(policy: BookingPolicy) -> BookingPolicyOut:
    """The office's booking rules; the webhook token is only said to be set."""
    data = {f: getattr(policy, f) for f in BookingPolicyIn.model_fields}
    return BookingPolicyOut(**data, webhook_token_set=bool(policy.webhook_token))


def public_office_out(
    office: Office, policy: BookingPolicy, services: list[Service], now: datetime
) -> PublicOfficeOut:
    """The office and the services that can be booked there."""
    return PublicOfficeOut(
        office=office.code,
        name=office.name,
        address=office.address,
        timezone=office.timezone,
        today=local_now(office, now).date(),
        horizon_days=policy.horizon_days,
        services=[
            BookableServiceOut(
                service=s.code,
                name_ru=s.name_ru,
                name_en=s.name_en,
                norm_minutes=s.service_norm_minutes,
            )
            for s in services
        ],
    )


def day_slots_out(office: Office, service_code: str, result: DaySlots) -> DaySlotsOut:
    """A service's slots on a date with the free places of each, in office time."""
    return DaySlotsOut(
        office=office.code,
        service=service_code,
        day=result.day,
        is_open=result.is_open,
        reason=result.reason,
        slots=[
            SlotOut(
                start=s.start,
                end=s.end,
                local_time=f"{local_now(office, s.start):%H:%M}",
                free=s.free,
            )
            for s in result.slots
        ],
    )
