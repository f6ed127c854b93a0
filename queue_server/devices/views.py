"""Routes: device state reports, ticket print failures and reprints."""

from __future__ import annotations

from fastapi import Query

from queue_server.api import api_router
from queue_server.audit.service import record
from queue_server.deps import (
    ClockDep,
    CurrentOffice,
    CurrentTicket,
    PrincipalDep,
    RuntimeDep,
    SessionDep,
)
from queue_server.devices import presenters
from queue_server.devices import service as devices
from queue_server.devices.models import PRINT_JOB_STATUSES
from queue_server.devices.schemas import (
    BoardSettingsIn,
    BoardSettingsOut,
    DeviceStateIn,
    DeviceStateOut,
    PrintFailedIn,
    PrintJobOut,
    PrintJobTicketOut,
)
from queue_server.errors import InvalidInput
from queue_server.types import Code, Id

router = api_router(tags=["devices"])


@router.put("/devices/me/state", response_model=DeviceStateOut)
def put_my_state(
    data: DeviceStateIn,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> DeviceStateOut:
    """A device reports its state (a kiosk: its printer); `device.state` goes out on change."""
    device, office, changed = devices.report_state(
        session=session, clock=clock, principal=principal, state=data.state, detail=data.detail
    )
    return presenters.device_state_out(device, office, changed)


@router.get("/offices/{code}/device-states", response_model=list[DeviceStateOut])
def office_device_states(
    office: CurrentOffice, session: SessionDep, principal: PrincipalDep
) -> list[DeviceStateOut]:
    """Every device of the office with its last reported state (staff)."""
    principal.require_office(office.id)
    principal.require_role("admin", "manager", "clerk")
    return [
        presenters.device_state_out(d, office)
        for d in devices.office_devices(session=session, office=office)
    ]


@router.get("/devices/me/settings", response_model=BoardSettingsOut)
def get_my_settings(session: SessionDep, principal: PrincipalDep) -> BoardSettingsOut:
    """A board reads its own settings."""
    settings = devices.my_settings(session=session, principal=principal)
    return BoardSettingsOut(device_id=principal.id, name=principal.name, **settings)


@router.get("/offices/{code}/devices/{device_id}/settings", response_model=BoardSettingsOut)
def get_board_settings(
    device_id: Id, office: CurrentOffice, session: SessionDep, principal: PrincipalDep
) -> BoardSettingsOut:
    """A board's settings (managers)."""
    principal.require_office(office.id)
    principal.require_role("admin", "manager")
    device = devices.office_device(session=session, office=office, device_id=device_id)
    return BoardSettingsOut(device_id=device.id, name=device.name, **devices.board_settings(device))


@router.put("/offices/{code}/devices/{device_id}/settings", response_model=BoardSettingsOut)
def put_board_settings(
    device_id: Id,
    data: BoardSettingsIn,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> BoardSettingsOut:
    """Keep a board's settings on the server (the board reloads with them)."""
    device = devices.set_board_settings(
        session=session,
        clock=clock,
        principal=principal,
        office=office,
        device_id=device_id,
        settings=data.model_dump(),
    )
    return BoardSettingsOut(device_id=device.id, name=device.name, **devices.board_settings(device))


@router.post("/tickets/{ticket_id}/print-failed", response_model=PrintJobOut, status_code=201)
def print_failed(
    data: PrintFailedIn,
    ticket: CurrentTicket,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> PrintJobOut:
    """The kiosk issued this ticket but could not print it (a clerk can reprint it)."""
    job = devices.record_print_failure(
        session=session, clock=clock, principal=principal, ticket=ticket, reason=data.reason
    )
    return presenters.print_job_out(session, job)


@router.post("/tickets/{ticket_id}/reprint", response_model=PrintJobOut)
def reprint(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> PrintJobOut:
    """A clerk asks for the ticket to be printed again on its kiosk."""
    job = devices.request_reprint(session=session, clock=clock, principal=principal, ticket=ticket)
    record(
        session, principal, "reprint", ticket.office_id, f"талон {ticket.number}", {}, clock=clock
    )
    return presenters.print_job_out(session, job)


@router.get("/offices/{code}/print-jobs", response_model=list[PrintJobOut])
def office_print_jobs(
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    status: list[Code] = Query(default=["failed", "pending"], max_length=10),
) -> list[PrintJobOut]:
    """Tickets whose paper copy is owed (failed, pending), newest first (staff)."""
    principal.require_office(office.id)
    principal.require_role("admin", "manager", "clerk")
    unknown = set(status) - set(PRINT_JOB_STATUSES)
    if unknown:
        raise InvalidInput(
            code="unknown_print_job_status",
            statuses=", ".join(sorted(unknown)),
            allowed=", ".join(PRINT_JOB_STATUSES),
        )
    jobs = devices.office_jobs(session=session, office=office, statuses=tuple(status))
    return [presenters.print_job_out(session, job) for job in jobs]


@router.get("/devices/me/print-jobs", response_model=list[PrintJobTicketOut])
def my_print_jobs(
    session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep, clock: ClockDep
) -> list[PrintJobTicketOut]:
    """The reprints this kiosk owes, with the ticket to print."""
    now = clock.now()
    return [
        presenters.print_job_ticket_out(session, runtime, job, now)
        for job in devices.pending_jobs(session=session, principal=principal)
    ]


@router.post("/print-jobs/{job_id}/printed", response_model=PrintJobOut)
def job_printed(
    job_id: Id, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> PrintJobOut:
    """The kiosk printed the owed ticket."""
    job = devices.get_job(session=session, principal=principal, job_id=job_id)
    job = devices.mark_printed(session=session, clock=clock, principal=principal, job=job)
    return presenters.print_job_out(session, job)
