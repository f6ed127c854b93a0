"""Routes: staff bookings, policy and report; kiosk check-in; the public booking API.

Public routes need no login and answer only about the booking whose code is given, or
with free places per slot: never another applicant's data.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Annotated

from fastapi import Body, Depends, Query, Response

from queue_server.api import api_router
from queue_server.bookings import presenters
from queue_server.bookings import service as bookings
from queue_server.bookings.schemas import (
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
)
from queue_server.bookings.slots import policy_for
from queue_server.catalogue.service import get_service
from queue_server.deps import ClockDep, CurrentOffice, PrincipalDep, RuntimeDep, SessionDep
from queue_server.errors import InvalidInput
from queue_server.offices.calendar import local_now
from queue_server.outbound import OutboundRefused, OutboundRules, check_webhook_url
from queue_server.types import Code, Day, HolderCode

router = api_router(tags=["bookings"])
STAFF = ("admin", "manager", "clerk")


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
    service = get_service(session=session, code=data.service)
    return presenters.staff_out(booking, service)


@router.get("/offices/{code}/bookings", response_model=list[BookingOut])
def list_bookings(
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    day: Day | None = None,
) -> list[BookingOut]:
    """The office's bookings on a date (default today), by time (staff)."""
    principal.require_role(*STAFF)
    principal.require_office(office.id)
    day = day or local_now(office, clock.now()).date()
    own = principal.office_id == office.id
    return [
        presenters.staff_out(b, s, own_office=own)
        for b, s in bookings.list_bookings(session=session, office=office, day=day)
    ]


@router.get("/offices/{code}/bookings/report", response_model=list[ReportRowOut])
def report(
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    start: Day,
    end: Day,
) -> list[ReportRowOut]:
    """Bookings per date and service by status, no-shows included (managers)."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    if end < start or end - start > timedelta(days=366):
        raise InvalidInput(code="invalid_period")
    rows = bookings.booking_report(session=session, office=office, start=start, end=end)
    return [ReportRowOut.model_validate(row) for row in rows]


@router.post("/offices/{code}/bookings/{booking_code}/check-in", response_model=CheckInOut)
def check_in(
    booking_code: HolderCode,
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
    ticket, refused = bookings.check_in_or_live(
        session=session,
        clock=clock,
        office=office,
        principal=principal,
        code=booking_code,
        live_if_refused=options is not None and options.live_if_refused,
    )
    return presenters.check_in_out(session, runtime, office, ticket, refused, clock.now())


@router.get("/offices/{code}/booking-policy", response_model=BookingPolicyOut)
def get_policy(
    office: CurrentOffice, session: SessionDep, principal: PrincipalDep
) -> BookingPolicyOut:
    """The office's booking rules (staff)."""
    principal.require_role(*STAFF)
    principal.require_office(office.id)
    return presenters.policy_out(policy_for(session=session, office=office))


def _allowed_webhook(data: BookingPolicyIn, runtime: RuntimeDep) -> BookingPolicyIn:
    """The policy, once its webhook URL passed the operator's rules (422 otherwise).

    A dependency declared first, so the check (it may ask DNS) runs before the request's
    transaction opens: a slow resolver never holds the database's write slot.
    """
    if data.webhook_url:
        try:
            check_webhook_url(data.webhook_url, OutboundRules.from_settings(runtime.settings))
        except OutboundRefused as exc:
            raise InvalidInput(code="webhook_not_allowed", reason=exc.message) from None
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
    policy = bookings.update_policy(session=session, office=office, changes=data.model_dump())
    return presenters.policy_out(policy)


@router.put("/offices/{code}/booking-services/{service_code}", response_model=ServiceRuleIn)
def put_service_rule(
    service_code: Code,
    data: ServiceRuleIn,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
) -> ServiceRuleIn:
    """Whether a service can be booked here and a fixed capacity per slot (managers)."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    bookings.set_service_rule(
        session=session,
        office=office,
        service_code=service_code,
        bookable=data.bookable,
        capacity_per_slot=data.capacity_per_slot,
    )
    return data


# --- public: no login, answers by code only ----------------------------------------------


@router.get("/public/offices/{code}/booking", response_model=PublicOfficeOut, tags=["public"])
def public_office(office: CurrentOffice, session: SessionDep, clock: ClockDep) -> PublicOfficeOut:
    """The office and the services that can be booked there."""
    return presenters.public_office_out(
        office,
        policy_for(session=session, office=office),
        bookings.bookable_services(session=session, office=office),
        clock.now(),
    )


@router.get("/public/offices/{code}/slots", response_model=DaySlotsOut, tags=["public"])
def public_slots(
    office: CurrentOffice,
    session: SessionDep,
    clock: ClockDep,
    service: Annotated[Code, Query()],
    day: Day,
) -> DaySlotsOut:
    """A service's slots on a date with the free places of each."""
    result = bookings.available_slots(
        session=session, clock=clock, office=office, service_code=service, day=day
    )
    return presenters.day_slots_out(office, service, result)


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
    return presenters.public_out(session, runtime, booking)


@router.get("/public/bookings/{booking_code}", response_model=PublicBookingOut, tags=["public"])
def public_booking(
    booking_code: HolderCode, session: SessionDep, runtime: RuntimeDep
) -> PublicBookingOut:
    """A booking by its code."""
    booking = bookings.find_booking(session=session, code=booking_code)
    return presenters.public_out(session, runtime, booking)


@router.post(
    "/public/bookings/{booking_code}/cancel", response_model=PublicBookingOut, tags=["public"]
)
def public_cancel(
    booking_code: HolderCode, session: SessionDep, clock: ClockDep, runtime: RuntimeDep
) -> PublicBookingOut:
    """Cancel a booking by its code."""
    booking = bookings.cancel_booking(session=session, clock=clock, code=booking_code)
    return presenters.public_out(session, runtime, booking)


@router.post(
    "/public/bookings/{booking_code}/reschedule", response_model=PublicBookingOut, tags=["public"]
)
def public_reschedule(
    booking_code: HolderCode,
    data: RescheduleIn,
    session: SessionDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> PublicBookingOut:
    """Move a booking to another listed slot; the code stays the same."""
    booking = bookings.reschedule_booking(
        session=session, clock=clock, code=booking_code, slot_start=data.slot_start
    )
    return presenters.public_out(session, runtime, booking)


@router.get(
    "/public/bookings/{booking_code}/qr.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
    tags=["public"],
)
def public_qr(booking_code: HolderCode, session: SessionDep) -> Response:
    """The booking code as a QR image, for the kiosk's scanner."""
    booking = bookings.find_booking(session=session, code=booking_code)
    import qrcode  # here, not at start-up: qrcode and Pillow weigh ~5 MiB in every worker

    buffer = io.BytesIO()
    qrcode.make(booking.code, box_size=8, border=4).save(buffer)
    return Response(
        buffer.getvalue(), media_type="image/png", headers={"Cache-Control": "no-store"}
    )
