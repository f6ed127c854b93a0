"""Device states and print jobs as the API shows them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from queue_server.auth.models import Device, User
from queue_server.devices.models import TicketPrintJob
from queue_server.devices.schemas import DeviceStateOut, PrintJobOut, PrintJobTicketOut
from queue_server.offices.models import Office
from queue_server.runtime import Runtime
from queue_server.tickets.models import Ticket
from queue_server.tickets.presenters import issued_out


def device_state_out(device: Device, office: Office, changed: bool = False) -> DeviceStateOut:
    """A device with its last reported state; `changed` tells a report that it was news."""
    return DeviceStateOut(
        id=device.id,
        name=device.name,
        kind=device.kind,
        office=office.code,
        state=device.state,
        detail=device.state_detail,
        at=device.state_at,
        changed=changed,
    )


def print_job_out(session: Session, job: TicketPrintJob) -> PrintJobOut:
    """A print job with its ticket's number, the kiosk's name and who asked for it."""
    ticket = session.get(Ticket, job.ticket_id)
    device = session.get(Device, job.device_id)
    user = session.get(User, job.requested_by_id) if job.requested_by_id else None
    assert ticket is not None and device is not None
    return PrintJobOut(
        id=job.id,
        ticket_id=ticket.id,
        number=ticket.number,
        device=device.name,
        status=job.status,
        reason=job.reason,
        failures=job.failures,
        failed_at=job.failed_at,
        requested_at=job.requested_at,
        requested_by=(user.full_name or user.username) if user else None,
        printed_at=job.printed_at,
    )


def print_job_ticket_out(
    session: Session, runtime: Runtime, job: TicketPrintJob, now: datetime
) -> PrintJobTicketOut:
    """An owed reprint with the ticket to print, as the kiosk prints it."""
    ticket = session.get(Ticket, job.ticket_id)
    office = session.get(Office, job.office_id)
    assert ticket is not None and office is not None
    return PrintJobTicketOut(
        **print_job_out(session, job).model_dump(),
        ticket=issued_out(session, runtime, office, ticket, now),
    )
