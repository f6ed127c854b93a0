"""Routes: issue, call next, move a ticket, the queue, the public status."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.catalogue.models import PriorityCategory
from queue_server.deps import (
    ClockDep,
    CurrentOffice,
    CurrentTicket,
    PrincipalDep,
    RuntimeDep,
    SessionDep,
)
from queue_server.errors import NotFound
from queue_server.offices.models import Office
from queue_server.tickets import service as tickets
from queue_server.tickets.models import CALLED, SERVING, WAITING, Ticket
from queue_server.tickets.schemas import (
    PublicStatusOut,
    QueueOut,
    RedirectIn,
    TicketIssuedOut,
    TicketIssueIn,
    TicketOut,
    TransitionOut,
)
from queue_server.windows.models import Window

router = APIRouter(tags=["tickets"])


def _category_code(session: Session, ticket: Ticket) -> str | None:
    if ticket.priority_category_id is None:
        return None
    category = session.get(PriorityCategory, ticket.priority_category_id)
    return category.code if category else None


def _ticket_out(session: Session, ticket: Ticket) -> TicketOut:
    office = session.get(Office, ticket.office_id)
    window = session.get(Window, ticket.window_id) if ticket.window_id else None
    assert office is not None
    return TicketOut(
        id=ticket.id,
        number=ticket.number,
        service=ticket.service.code,
        service_name_ru=ticket.service.name_ru,
        status=ticket.status,
        office=office.code,
        priority_category=_category_code(session, ticket),
        booked=ticket.booking_id is not None,
        issued_at=ticket.issued_at,
        waiting_since=ticket.waiting_since,
        deadline=ticket.deadline,
        called_at=ticket.called_at,
        started_at=ticket.started_at,
        finished_at=ticket.finished_at,
        recall_count=ticket.recall_count,
        window=window.number if window else None,
        redirect_count=ticket.redirect_count,
    )


def status_url(runtime: RuntimeDep, ticket: Ticket) -> str:
    """The public page of a ticket (printed as a QR code)."""
    return f"{runtime.settings.public_url.rstrip('/')}/t/{ticket.status_code}"


def issued_out(
    session: Session, runtime: RuntimeDep, office: Office, ticket: Ticket
) -> TicketIssuedOut:
    """What the kiosk prints: number, position, estimate, status link."""
    ahead = tickets.people_ahead(session=session, office=office, ticket=ticket)
    return TicketIssuedOut(
        id=ticket.id,
        number=ticket.number,
        service=ticket.service.code,
        service_name_ru=ticket.service.name_ru,
        service_name_en=ticket.service.name_en,
        issued_at=ticket.issued_at,
        position=ahead + 1,
        people_ahead=ahead,
        estimated_wait_minutes=tickets.estimated_wait_minutes(
            session=session, office=office, service=ticket.service, ahead=ahead
        ),
        wait_limit_minutes=int((ticket.deadline - ticket.waiting_since).total_seconds() // 60),
        status_url=status_url(runtime, ticket),
        status_code=ticket.status_code,
        office=office.code,
        office_name=office.name,
        footer=office.ticket_footer,
    )


@router.post("/offices/{code}/tickets", response_model=TicketIssuedOut, status_code=201)
def issue_ticket(
    data: TicketIssueIn,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    runtime: RuntimeDep,
    response: Response,
) -> TicketIssuedOut:
    """Issue a ticket (kiosk device or staff); the same idempotency key gives the same ticket."""
    ticket, created = tickets.issue_ticket(
        session=session,
        clock=clock,
        office=office,
        principal=principal,
        service_code=data.service,
        priority_category=data.priority_category,
        idempotency_key=data.idempotency_key,
    )
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return issued_out(session, runtime, office, ticket)


@router.post(
    "/offices/{code}/windows/{number}/call-next",
    response_model=TicketOut,
    responses={204: {"description": "Nobody is waiting for this window's services"}},
)
def call_next(
    number: int,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> TicketOut | Response:
    """The clerk at the window calls the next ticket; 204 when nobody waits."""
    ticket = tickets.call_next(
        session=session, clock=clock, office=office, number=number, principal=principal
    )
    if ticket is None:
        return Response(status_code=204)
    return _ticket_out(session, ticket)


@router.get("/offices/{code}/queue", response_model=QueueOut)
def queue(
    office: CurrentOffice, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> QueueOut:
    """Waiting tickets per service, in call order, with their waits and deadlines."""
    principal.require_office(office.id)
    return tickets.queue_view(session=session, office=office, now=clock.now())


@router.get("/tickets/status/{status_code}", response_model=PublicStatusOut)
def public_status(status_code: str, session: SessionDep, clock: ClockDep) -> PublicStatusOut:
    """A ticket's own status by its unguessable code; no login, no personal data."""
    ticket = session.scalar(select(Ticket).where(Ticket.status_code == status_code))
    if ticket is None:
        raise NotFound("No ticket with this code.", code="ticket_not_found")
    office = session.get(Office, ticket.office_id)
    assert office is not None
    window = session.get(Window, ticket.window_id) if ticket.window_id else None
    ahead = estimate = None
    if ticket.status == WAITING:
        ahead = tickets.people_ahead(session=session, office=office, ticket=ticket)
        estimate = tickets.estimated_wait_minutes(
            session=session, office=office, service=ticket.service, ahead=ahead
        )
    return PublicStatusOut(
        number=ticket.number,
        office_name=office.name,
        service_name_ru=ticket.service.name_ru,
        service_name_en=ticket.service.name_en,
        status=ticket.status,
        issued_at=ticket.issued_at,
        position=ahead + 1 if ahead is not None else None,
        people_ahead=ahead,
        estimated_wait_minutes=estimate,
        window=window.number if window and ticket.status in (CALLED, SERVING) else None,
    )


@router.get("/tickets/{ticket_id}", response_model=TicketOut)
def get_ticket(ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep) -> TicketOut:
    """One ticket (staff of its office)."""
    principal.require_office(ticket.office_id)
    return _ticket_out(session, ticket)


@router.get("/tickets/{ticket_id}/history", response_model=list[TransitionOut])
def ticket_history(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep
) -> list[TransitionOut]:
    """Every stored step of the ticket, with time, window and clerk."""
    principal.require_office(ticket.office_id)
    return [
        TransitionOut(
            action=t.action,
            from_status=t.from_status,
            to_status=t.to_status,
            at=t.at,
            service=service_code,
            window=window_number,
            clerk=clerk,
            automatic=t.automatic,
        )
        for t, service_code, window_number, clerk in tickets.transitions_of(
            session=session, ticket=ticket
        )
    ]


@router.post("/tickets/{ticket_id}/recall", response_model=TicketOut)
def recall(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> TicketOut:
    """Call the ticket again."""
    return _ticket_out(
        session, tickets.recall(session=session, clock=clock, ticket=ticket, principal=principal)
    )


@router.post("/tickets/{ticket_id}/start", response_model=TicketOut)
def start(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> TicketOut:
    """The applicant has come: service starts."""
    return _ticket_out(
        session, tickets.start(session=session, clock=clock, ticket=ticket, principal=principal)
    )


@router.post("/tickets/{ticket_id}/finish", response_model=TicketOut)
def finish(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> TicketOut:
    """Service is over."""
    return _ticket_out(
        session, tickets.finish(session=session, clock=clock, ticket=ticket, principal=principal)
    )


@router.post("/tickets/{ticket_id}/no-show", response_model=TicketOut)
def no_show(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> TicketOut:
    """The called applicant did not come."""
    return _ticket_out(
        session,
        tickets.mark_no_show(session=session, clock=clock, ticket=ticket, principal=principal),
    )


@router.post("/tickets/{ticket_id}/cancel", response_model=TicketOut)
def cancel(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> TicketOut:
    """Take a waiting ticket out of the queue."""
    return _ticket_out(
        session, tickets.cancel(session=session, clock=clock, ticket=ticket, principal=principal)
    )


@router.post("/tickets/{ticket_id}/redirect", response_model=TicketOut)
def redirect(
    data: RedirectIn,
    ticket: CurrentTicket,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> TicketOut:
    """Send the ticket to another service: same number, new wait."""
    moved = tickets.redirect(
        session=session, clock=clock, ticket=ticket, principal=principal, service_code=data.service
    )
    return _ticket_out(session, moved)
