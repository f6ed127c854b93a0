"""Routes: issue, call next, move a ticket, the queue, the public status."""

from __future__ import annotations

from fastapi import APIRouter, Response

from queue_server.deps import (
    ClockDep,
    CurrentOffice,
    CurrentTicket,
    PrincipalDep,
    ReadPrincipalDep,
    RuntimeDep,
    SessionDep,
    get_office,
)
from queue_server.tickets import issuing, moves, presenters
from queue_server.tickets.history import transitions_of
from queue_server.tickets.queue import office_queue
from queue_server.tickets.schemas import (
    CancelWaitingIn,
    CancelWaitingOut,
    PublicStatusOut,
    QueueOut,
    RedirectIn,
    TicketIssuedOut,
    TicketIssueIn,
    TicketOut,
    TransitionOut,
)
from queue_server.types import Code, HolderCode, WindowNumber

router = APIRouter(tags=["tickets"])


@router.post("/offices/{code}/tickets", response_model=TicketIssuedOut, status_code=201)
def issue_ticket(
    code: Code,
    data: TicketIssueIn,
    principal: ReadPrincipalDep,
    clock: ClockDep,
    runtime: RuntimeDep,
    response: Response,
) -> TicketIssuedOut:
    """Issue a ticket (kiosk device or staff); the same idempotency key gives the same ticket.

    Refusals (closed, over the kiosk's rate, numbers used up) are decided on a short
    read-only transaction first, closed before the write one opens: a kiosk that keeps
    asking never holds the office's write lock, and a request holds one connection at most.
    """
    per_minute = runtime.settings.kiosk_tickets_per_minute
    with runtime.db.transaction(read_only=True) as read:
        office = get_office(code, read)
        issuing.refuse_early(
            session=read,
            clock=clock,
            office=office,
            principal=principal,
            service_code=data.service,
            idempotency_key=data.idempotency_key,
            per_minute=per_minute,
        )
    with runtime.db.transaction() as session:
        writable = get_office(code, session)  # this transaction's own copy of the office
        ticket, created = issuing.issue_ticket(
            session=session,
            clock=clock,
            office=writable,
            principal=principal,
            service_code=data.service,
            priority_category=data.priority_category,
            idempotency_key=data.idempotency_key,
            per_minute=per_minute,
        )
        issued = presenters.issued_out(session, runtime, writable, ticket, clock.now())
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return issued


@router.post(
    "/offices/{code}/windows/{number}/call-next",
    response_model=TicketOut,
    responses={204: {"description": "Nobody is waiting for this window's services"}},
)
def call_next(
    number: WindowNumber,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> TicketOut | Response:
    """The clerk at the window calls the next ticket; 204 when nobody waits."""
    ticket = moves.call_next(
        session=session, clock=clock, office=office, number=number, principal=principal
    )
    if ticket is None:
        return Response(status_code=204)
    return presenters.ticket_out(session, ticket)


@router.post(
    "/offices/{code}/services/{service_code}/cancel-waiting", response_model=CancelWaitingOut
)
def cancel_waiting(
    service_code: Code,
    data: CancelWaitingIn,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> CancelWaitingOut:
    """A manager cancels all of today's waiting tickets of a service in one action."""
    count = moves.cancel_waiting(
        session=session,
        clock=clock,
        office=office,
        service_code=service_code,
        principal=principal,
        reason=data.reason,
    )
    return CancelWaitingOut(service=service_code, cancelled=count, reason=data.reason)


@router.get("/offices/{code}/queue", response_model=QueueOut)
def queue(
    office: CurrentOffice, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> QueueOut:
    """Waiting tickets per service, in call order, with their waits and deadlines."""
    principal.require_office(office.id)
    principal.require_staff_or_device("kiosk", "board", "led")
    return presenters.queue_out(office_queue(session=session, office=office, now=clock.now()))


@router.get("/tickets/status/{status_code}", response_model=PublicStatusOut)
def public_status(status_code: HolderCode, session: SessionDep, clock: ClockDep) -> PublicStatusOut:
    """A ticket's own status by its unguessable code; no login, no personal data."""
    ticket = issuing.find_by_status_code(session=session, status_code=status_code)
    return presenters.public_status_out(session, ticket, clock.now())


@router.get("/tickets/{ticket_id}", response_model=TicketOut)
def get_ticket(ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep) -> TicketOut:
    """One ticket (staff of its office)."""
    principal.require_office(ticket.office_id)
    principal.require_staff()
    return presenters.ticket_out(session, ticket)


@router.get("/tickets/{ticket_id}/history", response_model=list[TransitionOut])
def ticket_history(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep
) -> list[TransitionOut]:
    """Every stored step of the ticket, with time, window and clerk (staff)."""
    principal.require_office(ticket.office_id)
    principal.require_staff()
    return presenters.transitions_out(transitions_of(session=session, ticket=ticket))


@router.post("/tickets/{ticket_id}/recall", response_model=TicketOut)
def recall(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> TicketOut:
    """Call the ticket again."""
    moved = moves.recall(session=session, clock=clock, ticket=ticket, principal=principal)
    return presenters.ticket_out(session, moved)


@router.post("/tickets/{ticket_id}/start", response_model=TicketOut)
def start(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> TicketOut:
    """The applicant has come: service starts."""
    moved = moves.start(session=session, clock=clock, ticket=ticket, principal=principal)
    return presenters.ticket_out(session, moved)


@router.post("/tickets/{ticket_id}/finish", response_model=TicketOut)
def finish(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> TicketOut:
    """Service is over."""
    moved = moves.finish(session=session, clock=clock, ticket=ticket, principal=principal)
    return presenters.ticket_out(session, moved)


@router.post("/tickets/{ticket_id}/no-show", response_model=TicketOut)
def no_show(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> TicketOut:
    """The called applicant did not come."""
    moved = moves.mark_no_show(session=session, clock=clock, ticket=ticket, principal=principal)
    return presenters.ticket_out(session, moved)


@router.post("/tickets/{ticket_id}/cancel", response_model=TicketOut)
def cancel(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> TicketOut:
    """Take a waiting ticket out of the queue."""
    moved = moves.cancel(session=session, clock=clock, ticket=ticket, principal=principal)
    return presenters.ticket_out(session, moved)


@router.post("/tickets/{ticket_id}/redirect", response_model=TicketOut)
def redirect(
    data: RedirectIn,
    ticket: CurrentTicket,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> TicketOut:
    """Send the ticket to another service: same number, new wait."""
    moved = moves.redirect(
        session=session, clock=clock, ticket=ticket, principal=principal, service_code=data.service
    )
    return presenters.ticket_out(session, moved)
