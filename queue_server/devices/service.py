"""Device state reports and ticket print jobs (kiosk print failures, clerk reprints)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.auth.models import Device
from queue_server.auth.service import Principal
from queue_server.clock import Clock
from queue_server.devices.exceptions import (
    NoKioskForTicket,
    NotADevice,
    NotAKiosk,
    PrintJobNotFound,
    TicketNotActive,
)
from queue_server.devices.models import FAILED, PENDING, PRINTED, TicketPrintJob
from queue_server.events.service import emit
from queue_server.offices.models import Office
from queue_server.tickets.models import ACTIVE_STATUSES, Ticket


def _device_of(session: Session, principal: Principal) -> Device:
    if principal.kind != "device":
        raise NotADevice("Only a device reports its own state.")
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
    changed = device.state != state or (device.state_detail or {}) != detail
    device.state = state
    device.state_detail = detail
    device.state_at = clock.now()
    if changed:
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
            },
        )
    office = session.get(Office, device.office_id)
    assert office is not None
    return device, office, changed


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
        raise NotAKiosk("Only a kiosk reports print failures and prints tickets.")


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
        raise TicketNotActive(f"Ticket {ticket.number} is {ticket.status}; it is not reprinted.")
    job = job_of_ticket(session=session, ticket=ticket)
    if job is None:
        if ticket.issued_by_device_id is None:
            raise NoKioskForTicket(
                f"Ticket {ticket.number} was issued by staff; no kiosk prints it."
            )
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
        raise NotAKiosk("Only a kiosk prints tickets.")
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
        raise PrintJobNotFound(f"No print job {job_id} for this kiosk.")
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
