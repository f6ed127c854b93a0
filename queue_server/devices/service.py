"""Device state reports and ticket print jobs (kiosk print failures, clerk reprints)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.auth.models import Device
from queue_server.auth.service import Principal
from queue_server.clock import Clock
from queue_server.devices import rules
from queue_server.devices.exceptions import (
    BoardOnly,
    DeviceNotFound,
    NoKioskForTicket,
    NotABoard,
    NotADevice,
    NotAKiosk,
    PrintJobNotFound,
    TicketNotActive,
)
from queue_server.devices.models import BOARD_DEFAULTS, FAILED, PENDING, PRINTED, TicketPrintJob
from queue_server.events.service import emit
from queue_server.messages import Term
from queue_server.offices.models import Office
from queue_server.tickets.models import ACTIVE_STATUSES, Ticket


def _device_of(session: Session, principal: Principal) -> Device:
    if principal.kind != "device":
        raise NotADevice()
    device = session.get(Device, principal.id)
    assert device is not None  # the token was just resolved to it
    return device


def report_state(
    *, session: Session, clock: Clock, principal: Principal, state: str, detail: dict[str, Any]
) -> tuple[Device, Office, bool]:
    """Store the device's state and time; emit `device.state` only when the state changed.

    Returns the device, its office and whether the state changed.
    """
    device = _device_of(session, principal)
    now = clock.now()
    changed = device.state != state or (device.state_detail or {}) != detail
    # A heartbeat after a silence is news too: the dashboards clear "нет связи" at once.
    back = rules.is_silent(last_heard=device.state_at, now=now)
    device.state = state
    device.state_detail = detail
    device.state_at = now
    if changed or back:
        emit(
            session=session,
            clock=clock,
            type="device.state",
            office_id=device.office_id,
            payload={
                "device_id": device.id,
                "name": device.name,
                "kind": device.kind,
                "state": state,
                "detail": detail,
                "back": back,
            },
        )
    office = session.get(Office, device.office_id)
    assert office is not None
    return device, office, changed


def board_settings(device: Device) -> dict[str, Any]:
    """A board's settings: the stored ones over the defaults."""
    return {**BOARD_DEFAULTS, **(device.settings or {})}


def my_settings(*, session: Session, principal: Principal) -> dict[str, Any]:
    """The calling board's own settings."""
    device = _device_of(session, principal)
    if device.kind != "board":
        raise BoardOnly()
    return board_settings(device)


def office_device(*, session: Session, office: Office, device_id: int) -> Device:
    """A device of the office that is not revoked, or 404."""
    device = session.get(Device, device_id)
    if device is None or device.office_id != office.id or device.revoked:
        raise DeviceNotFound(device=device_id, office=office.code)
    return device


def set_board_settings(
    *,
    session: Session,
    clock: Clock,
    principal: Principal,
    office: Office,
    device_id: int,
    settings: dict[str, Any],
) -> Device:
    """A manager sets a board's settings; the board reloads itself on `device.settings`."""
    principal.require_office(office.id)
    principal.require_role("admin", "manager")
    device = office_device(session=session, office=office, device_id=device_id)
    if device.kind != "board":
        raise NotABoard()
    device.settings = dict(settings)
    emit(
        session=session,
        clock=clock,
        type="device.settings",
        office_id=office.id,
        payload={"device_id": device.id, "name": device.name},
    )
    return device


def office_devices(*, session: Session, office: Office) -> list[Device]:
    """The office's devices that are not revoked, by name."""
    return list(
        session.scalars(
            select(Device)
            .where(Device.office_id == office.id, Device.revoked.is_(False))
            .order_by(Device.name, Device.id)
        )
    )


def _kiosk(principal: Principal, office_id: int) -> None:
    principal.require_office(office_id)
    if principal.kind != "device" or principal.role != "kiosk":
        raise NotAKiosk()


def _job_payload(job: TicketPrintJob, ticket: Ticket, **extra: Any) -> dict[str, Any]:
    return {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "job_id": job.id,
        "device_id": job.device_id,
        "status": job.status,
        "reason": job.reason,
        **extra,
    }


def job_of_ticket(*, session: Session, ticket: Ticket) -> TicketPrintJob | None:
    """The ticket's print job, if any."""
    return session.scalar(select(TicketPrintJob).where(TicketPrintJob.ticket_id == ticket.id))


def record_print_failure(
    *, session: Session, clock: Clock, principal: Principal, ticket: Ticket, reason: str
) -> TicketPrintJob:
    """A kiosk issued the ticket but could not print it: the paper copy is owed."""
    _kiosk(principal, ticket.office_id)
    now = clock.now()
    job = job_of_ticket(session=session, ticket=ticket)
    if job is None:
        job = TicketPrintJob(
            ticket_id=ticket.id, office_id=ticket.office_id, device_id=principal.id, failures=0
        )
        session.add(job)
    job.device_id = principal.id
    job.status = FAILED
    job.reason = reason
    job.failures += 1
    job.failed_at = now
    session.flush()
    emit(
        session=session,
        clock=clock,
        type="ticket.print_failed",
        office_id=ticket.office_id,
        payload=_job_payload(job, ticket),
    )
    return job


def request_reprint(
    *, session: Session, clock: Clock, principal: Principal, ticket: Ticket
) -> TicketPrintJob:
    """A clerk asks the kiosk to print the ticket again (after a failure or a lost ticket)."""
    principal.require_office(ticket.office_id)
    principal.require_role("admin", "manager", "clerk")
    if ticket.status not in ACTIVE_STATUSES:
        raise TicketNotActive(number=ticket.number, state=Term("ticket_state", ticket.status))
    job = job_of_ticket(session=session, ticket=ticket)
    if job is None:
        if ticket.issued_by_device_id is None:
            raise NoKioskForTicket(number=ticket.number)
        job = TicketPrintJob(
            ticket_id=ticket.id,
            office_id=ticket.office_id,
            device_id=ticket.issued_by_device_id,
            failures=0,
            reason="",
        )
        session.add(job)
    job.status = PENDING
    job.requested_at = clock.now()
    job.requested_by_id = principal.id
    job.printed_at = None
    session.flush()
    emit(
        session=session,
        clock=clock,
        type="ticket.reprint_requested",
        office_id=ticket.office_id,
        payload=_job_payload(job, ticket, requested_by=principal.name),
    )
    return job


def pending_jobs(*, session: Session, principal: Principal) -> list[TicketPrintJob]:
    """The reprints this kiosk owes, oldest request first."""
    if principal.kind != "device" or principal.role != "kiosk":
        raise NotAKiosk()
    return list(
        session.scalars(
            select(TicketPrintJob)
            .where(TicketPrintJob.device_id == principal.id, TicketPrintJob.status == PENDING)
            .order_by(TicketPrintJob.requested_at, TicketPrintJob.id)
        )
    )


def get_job(*, session: Session, principal: Principal, job_id: int) -> TicketPrintJob:
    """A print job of this kiosk, or 404."""
    job = session.get(TicketPrintJob, job_id)
    if job is None or principal.kind != "device" or job.device_id != principal.id:
        raise PrintJobNotFound(job=job_id)
    return job


def mark_printed(
    *, session: Session, clock: Clock, principal: Principal, job: TicketPrintJob
) -> TicketPrintJob:
    """The kiosk printed the owed ticket (idempotent)."""
    ticket = session.get(Ticket, job.ticket_id)
    assert ticket is not None
    _kiosk(principal, ticket.office_id)
    if job.status == PRINTED:
        return job
    job.status = PRINTED
    job.printed_at = clock.now()
    emit(
        session=session,
        clock=clock,
        type="ticket.reprinted",
        office_id=ticket.office_id,
        payload=_job_payload(job, ticket),
    )
    return job


def office_jobs(
    *, session: Session, office: Office, statuses: tuple[str, ...] = (FAILED, PENDING)
) -> list[TicketPrintJob]:
    """The office's owed paper copies, newest first (the clerk's list)."""
    return list(
        session.scalars(
            select(TicketPrintJob)
            .where(TicketPrintJob.office_id == office.id, TicketPrintJob.status.in_(statuses))
            .order_by(TicketPrintJob.id.desc())
        )
    )
