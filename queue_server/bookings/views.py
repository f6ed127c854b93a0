"""Routes: staff bookings, policy and report; kiosk check-in; the public booking API.

Public routes need no login and answer only about the booking whose code is given, or
with free places per slot: never another applicant's data.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Annotated

import qrcode
from fastapi import APIRouter, Body, Depends, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.bookings import service as bookings
from queue_server.bookings.exceptions import CheckInRefused
from queue_server.bookings.models import Booking, BookingServiceRule
from queue_server.bookings.schemas import (
    BookableServiceOut,
    BookingIn,
    BookingOut,
    BookingPolicyIn,
    BookingPolicyOut,
    CheckInIn,
    CheckInOut,
    DaySlotsOut,
    PublicBookingIn,
    PublicBookingOut,
    PublicOfficeOut,
    ReportRowOut,
    RescheduleIn,
    ServiceRuleIn,
    SlotOut,
)
from queue_server.bookings.slots import policy_for
from queue_server.catalogue.models import Service
from queue_server.catalogue.service import get_service
from queue_server.deps import ClockDep, CurrentOffice, PrincipalDep, RuntimeDep, SessionDep
from queue_server.errors import InvalidInput
from queue_server.offices.calendar import local_now
from queue_server.offices.models import Office
from queue_server.outbound import OutboundRefused, OutboundRules, check_webhook_url
from queue_server.runtime import Runtime
from queue_server.tickets.models import Ticket
from queue_server.tickets.views import issued_out

router = APIRouter(tags=["bookings"])
STAFF = ("admin", "manager", "clerk")


def _staff_out(booking: Booking, service: Service) -> BookingOut:
    return BookingOut(
        code=booking.code,
        service=service.code,
        slot_start=booking.slot_start,
        status=booking.status,
        checked_in_at=booking.checked_in_at,
        applicant_name=booking.applicant_name,
        phone=booking.phone,
        email=booking.email,
        source=booking.source,
    )


def manage_url(runtime: Runtime, code: str) -> str:
    """The public page of a booking (its QR code and link in confirmations)."""
    return f"{runtime.settings.public_url.rstrip('/')}/b/{code}"


def public_out(session: Session, runtime: Runtime, booking: Booking) -> PublicBookingOut:
    """A booking as its holder sees it."""
    office = session.get(Office, booking.office_id)
    service = session.get(Service, booking.service_id)
    assert office is not None and service is not None
    opens, closes = bookings.checkin_window(office, booking)
    return PublicBookingOut(
        code=booking.code,
        code_display=bookings.format_code(booking.code),
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
        phone_masked=bookings.mask_phone(booking.phone),
        email_masked=bookings.mask_email(booking.email),
        manage_url=manage_url(runtime, booking.code),
        qr_url=f"/api/v1/public/bookings/{booking.code}/qr.png",
    )


# --- staff and kiosk --------------------------------------------------------------------


@router.post("/offices/{code}/bookings", response_model=BookingOut, status_code=201)
def create_booking(
    data: BookingIn,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> BookingOut:
    """Book a slot for an applicant (staff; any time inside a slot, e.g. booked by phone)."""
    principal.require_role(*STAFF)
    booking = bookings.create_booking(
        session=session,
        clock=clock,
        office=office,
        principal=principal,
        service_code=data.service,
        slot_start=data.slot_start,
        applicant_name=data.applicant_name,
        phone=data.phone,
        email=data.email,
    )
    return _staff_out(booking, get_service(session=session, code=data.service))


@router.get("/offices/{code}/bookings", response_model=list[BookingOut])
def list_bookings(
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    day: date | None = None,
) -> list[BookingOut]:
    """The office's bookings on a date (default today), by time (staff)."""
    principal.require_role(*STAFF)
    principal.require_office(office.id)
    day = day or local_now(office, clock.now()).date()
    return [
        _staff_out(b, s) for b, s in bookings.list_bookings(session=session, office=office, day=day)
    ]


@router.get("/offices/{code}/bookings/report", response_model=list[ReportRowOut])
def report(
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    start: date,
    end: date,
) -> list[ReportRowOut]:
    """Bookings per date and service by status, no-shows included (managers)."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    if end < start or end - start > timedelta(days=366):
        raise InvalidInput("Give start <= end, at most a year apart.", code="invalid_period")
    rows = bookings.booking_report(session=session, office=office, start=start, end=end)
    return [ReportRowOut.model_validate(row) for row in rows]


@router.post("/offices/{code}/bookings/{booking_code}/check-in", response_model=CheckInOut)
def check_in(
    booking_code: str,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    runtime: RuntimeDep,
    options: Annotated[CheckInIn | None, Body()] = None,
) -> CheckInOut:
    """Check a booking in at the kiosk: a ticket called first once its slot has come.

    Outside the check-in window the answer is 409 with the times, or, with
    `live_if_refused`, a live-queue ticket and the reason as `notice`.
    """
    try:
        ticket = bookings.check_in(
            session=session, clock=clock, office=office, principal=principal, code=booking_code
        )
    except CheckInRefused as refused:
        if options is None or not options.live_if_refused:
            raise
        live = bookings.live_ticket_instead(
            session=session, clock=clock, office=office, principal=principal, code=booking_code
        )
        return _check_in_out(session, runtime, office, live, refused)
    return _check_in_out(session, runtime, office, ticket, None)


def _check_in_out(
    session: Session,
    runtime: Runtime,
    office: Office,
    ticket: Ticket,
    refused: CheckInRefused | None,
) -> CheckInOut:
    issued = issued_out(session, runtime, office, ticket)
    return CheckInOut(
        **issued.model_dump(),
        booked=ticket.booking_id is not None,
        notice=refused.message if refused else None,
        notice_code=refused.code if refused else None,
    )


def _policy_out(session: Session, office: Office) -> BookingPolicyOut:
    policy = policy_for(session=session, office=office)
    data = {f: getattr(policy, f) for f in BookingPolicyIn.model_fields}
    return BookingPolicyOut(**data, webhook_token_set=bool(policy.webhook_token))


@router.get("/offices/{code}/booking-policy", response_model=BookingPolicyOut)
def get_policy(
    office: CurrentOffice, session: SessionDep, principal: PrincipalDep
) -> BookingPolicyOut:
    """The office's booking rules (staff)."""
    principal.require_role(*STAFF)
    principal.require_office(office.id)
    return _policy_out(session, office)


def _allowed_webhook(data: BookingPolicyIn, runtime: RuntimeDep) -> BookingPolicyIn:
    """The policy, once its webhook URL passed the operator's rules (422 otherwise).

    A dependency declared first, so the check (it may ask DNS) runs before the request's
    transaction opens: a slow resolver never holds the database's write slot.
    """
    if data.webhook_url:
        try:
            check_webhook_url(data.webhook_url, OutboundRules.from_settings(runtime.settings))
        except OutboundRefused as exc:
            raise InvalidInput(exc.message, code="webhook_not_allowed") from None
    return data


@router.put("/offices/{code}/booking-policy", response_model=BookingPolicyOut)
def put_policy(
    data: Annotated[BookingPolicyIn, Depends(_allowed_webhook)],
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
) -> BookingPolicyOut:
    """Change slot length, horizon, per-person limit, reminders and the notifier (managers)."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    if data.notifier == "webhook" and not data.webhook_url:
        raise InvalidInput("The webhook notifier needs a webhook_url.", code="webhook_url_required")
    policy = policy_for(session=session, office=office, lock=True)
    for field, value in data.model_dump().items():
        setattr(policy, field, value)
    session.flush()
    return _policy_out(session, office)


@router.put("/offices/{code}/booking-services/{service_code}", response_model=ServiceRuleIn)
def put_service_rule(
    service_code: str,
    data: ServiceRuleIn,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
) -> ServiceRuleIn:
    """Whether a service can be booked here and a fixed capacity per slot (managers)."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    service = get_service(session=session, code=service_code)
    policy_for(session=session, office=office, lock=True)  # no booking half-sees the change
    rule = session.scalar(
        select(BookingServiceRule).where(
            BookingServiceRule.office_id == office.id, BookingServiceRule.service_id == service.id
        )
    ) or BookingServiceRule(office_id=office.id, service_id=service.id)
    rule.bookable, rule.capacity_per_slot = data.bookable, data.capacity_per_slot
    session.add(rule)
    session.flush()
    return data


# --- public: no login, answers by code only ----------------------------------------------


@router.get("/public/offices/{code}/booking", response_model=PublicOfficeOut, tags=["public"])
def public_office(office: CurrentOffice, session: SessionDep, clock: ClockDep) -> PublicOfficeOut:
    """The office and the services that can be booked there."""
    policy = policy_for(session=session, office=office)
    return PublicOfficeOut(
        office=office.code,
        name=office.name,
        address=office.address,
        timezone=office.timezone,
        today=local_now(office, clock.now()).date(),
        horizon_days=policy.horizon_days,
        services=[
            BookableServiceOut(
                service=s.code,
                name_ru=s.name_ru,
                name_en=s.name_en,
                norm_minutes=s.service_norm_minutes,
            )
            for s in bookings.bookable_services(session=session, office=office)
        ],
    )


@router.get("/public/offices/{code}/slots", response_model=DaySlotsOut, tags=["public"])
def public_slots(
    office: CurrentOffice,
    session: SessionDep,
    clock: ClockDep,
    service: Annotated[str, Query(min_length=1, max_length=32)],
    day: date,
) -> DaySlotsOut:
    """A service's slots on a date with the free places of each."""
    result = bookings.available_slots(
        session=session, clock=clock, office=office, service_code=service, day=day
    )
    return DaySlotsOut(
        office=office.code,
        service=service,
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


@router.post(
    "/public/offices/{code}/bookings",
    response_model=PublicBookingOut,
    status_code=201,
    tags=["public"],
)
def public_book(
    data: PublicBookingIn,
    office: CurrentOffice,
    session: SessionDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> PublicBookingOut:
    """Book one of the listed slots: returns the code, its QR and the booking's page."""
    booking = bookings.create_booking(
        session=session,
        clock=clock,
        office=office,
        service_code=data.service,
        slot_start=data.slot_start,
        applicant_name=data.applicant_name,
        phone=data.phone,
        email=data.email,
    )
    return public_out(session, runtime, booking)


@router.get("/public/bookings/{booking_code}", response_model=PublicBookingOut, tags=["public"])
def public_booking(booking_code: str, session: SessionDep, runtime: RuntimeDep) -> PublicBookingOut:
    """A booking by its code."""
    return public_out(session, runtime, bookings.find_booking(session=session, code=booking_code))


@router.post(
    "/public/bookings/{booking_code}/cancel", response_model=PublicBookingOut, tags=["public"]
)
def public_cancel(
    booking_code: str, session: SessionDep, clock: ClockDep, runtime: RuntimeDep
) -> PublicBookingOut:
    """Cancel a booking by its code."""
    booking = bookings.cancel_booking(session=session, clock=clock, code=booking_code)
    return public_out(session, runtime, booking)


@router.post(
    "/public/bookings/{booking_code}/reschedule", response_model=PublicBookingOut, tags=["public"]
)
def public_reschedule(
    booking_code: str,
    data: RescheduleIn,
    session: SessionDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> PublicBookingOut:
    """Move a booking to another listed slot; the code stays the same."""
    booking = bookings.reschedule_booking(
        session=session, clock=clock, code=booking_code, slot_start=data.slot_start
    )
    return public_out(session, runtime, booking)


@router.get(
    "/public/bookings/{booking_code}/qr.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
    tags=["public"],
)
def public_qr(booking_code: str, session: SessionDep) -> Response:
    """The booking code as a QR image, for the kiosk's scanner."""
    booking = bookings.find_booking(session=session, code=booking_code)
    buffer = io.BytesIO()
    qrcode.make(booking.code, box_size=8, border=4).save(buffer)
    return Response(
        buffer.getvalue(), media_type="image/png", headers={"Cache-Control": "no-store"}
    )
