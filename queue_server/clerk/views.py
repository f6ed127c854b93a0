"""Routes of the clerk's workplace: the ticket card, chosen calls, holds, transfers."""

from __future__ import annotations

from sqlalchemy import select

from queue_server.api import api_router
from queue_server.audit.service import record_ticket_move
from queue_server.auth.models import User
from queue_server.clerk import moves, reports, rules
from queue_server.clerk.card import ticket_card
from queue_server.clerk.schemas import (
    ChosenCallCountOut,
    ChosenCallIn,
    ClerkOut,
    HeldTicketOut,
    PostponeIn,
    ReasonOut,
    TicketCardOut,
    TransferIn,
)
from queue_server.deps import (
    ClockDep,
    CurrentOffice,
    CurrentTicket,
    PrincipalDep,
    SessionDep,
)
from queue_server.report_scope import check_period, offices_to_report
from queue_server.tickets.remote import confirm_arrival
from queue_server.types import Day, WindowNumber
from queue_server.windows.models import Window

router = api_router(tags=["clerk"])

#: The longest period of the chosen-calls count (a year and a day).
MAX_REPORT_DAYS = 366


@router.get("/tickets/{ticket_id}/card", response_model=TicketCardOut)
def card(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> TicketCardOut:
    """What the clerk must know of a ticket: category, booking, where it came from, wait."""
    principal.require_office(ticket.office_id)
    principal.require_staff()
    return ticket_card(session=session, ticket=ticket, now=clock.now())


@router.get("/clerk/call-reasons", response_model=list[ReasonOut])
def call_reasons(principal: PrincipalDep) -> list[ReasonOut]:
    """The reasons a clerk gives for calling a chosen ticket."""
    principal.require_staff()
    return [
        ReasonOut(code=code, name_ru=name, needs_note=code == rules.FREE_TEXT_REASON)
        for code, name in rules.CHOSEN_CALL_REASONS.items()
    ]


@router.post("/offices/{code}/windows/{number}/call-chosen", response_model=TicketCardOut)
def call_chosen(
    number: WindowNumber,
    data: ChosenCallIn,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> TicketCardOut:
    """Call a chosen ticket from the queue list (or the hold list), with the reason."""
    called = moves.call_chosen(
        session=session,
        clock=clock,
        office=office,
        number=number,
        principal=principal,
        ticket_id=data.ticket_id,
        reason=data.reason,
        note=data.note,
    )
    reason = {"window": number, "reason": rules.CHOSEN_CALL_REASONS[data.reason], "note": data.note}
    record_ticket_move(session, principal, "ticket_called_chosen", called, reason, clock=clock)
    return ticket_card(session=session, ticket=called, now=clock.now())


@router.post("/tickets/{ticket_id}/postpone", response_model=TicketCardOut)
def postpone(
    data: PostponeIn,
    ticket: CurrentTicket,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> TicketCardOut:
    """Set the applicant aside for some minutes: the ticket goes to the hold list."""
    held = moves.postpone(
        session=session, clock=clock, ticket=ticket, principal=principal, minutes=data.minutes
    )
    record_ticket_move(
        session, principal, "ticket_postponed", held, {"minutes": data.minutes}, clock=clock
    )
    return ticket_card(session=session, ticket=held, now=clock.now())


@router.post("/tickets/{ticket_id}/arrived", response_model=TicketCardOut)
def arrived(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> TicketCardOut:
    """The clerk sees the applicant of a place taken from the phone: it joins the queue."""
    joined = confirm_arrival(session=session, clock=clock, ticket=ticket, principal=principal)
    return ticket_card(session=session, ticket=joined, now=clock.now())


@router.post("/tickets/{ticket_id}/return", response_model=TicketCardOut)
def return_to_queue(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> TicketCardOut:
    """Put a postponed ticket back in the queue before its hold is over."""
    back = moves.return_from_hold(session=session, clock=clock, ticket=ticket, principal=principal)
    record_ticket_move(session, principal, "ticket_returned", back, clock=clock)
    return ticket_card(session=session, ticket=back, now=clock.now())


@router.post("/tickets/{ticket_id}/transfer", response_model=TicketCardOut)
def transfer(
    data: TransferIn,
    ticket: CurrentTicket,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> TicketCardOut:
    """Send the ticket to a chosen window or clerk (same service, a new wait)."""
    moved = moves.transfer(
        session=session,
        clock=clock,
        ticket=ticket,
        principal=principal,
        window_number=data.window,
        clerk_username=data.clerk,
    )
    target = {"to_window": data.window, "to_clerk": data.clerk}
    record_ticket_move(session, principal, "ticket_transferred", moved, target, clock=clock)
    return ticket_card(session=session, ticket=moved, now=clock.now())


@router.get("/offices/{code}/holds", response_model=list[HeldTicketOut])
def holds(
    office: CurrentOffice, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> list[HeldTicketOut]:
    """The office's postponed tickets, the soonest to return first."""
    principal.require_office(office.id)
    principal.require_staff()
    now = clock.now()
    out = []
    for t in moves.hold_list(session=session, office=office):
        assert t.hold_until is not None
        window = session.get(Window, t.window_id) if t.window_id else None
        clerk = session.get(User, t.clerk_id) if t.clerk_id else None
        out.append(
            HeldTicketOut(
                id=t.id,
                number=t.number,
                service=t.service.code,
                service_name_ru=t.service.name_ru,
                hold_until=t.hold_until,
                seconds_left=max(int((t.hold_until - now).total_seconds()), 0),
                window=window.number if window else None,
                clerk=(clerk.full_name or clerk.username) if clerk else None,
            )
        )
    return out


@router.get("/offices/{code}/clerks", response_model=list[ClerkOut])
def clerks(office: CurrentOffice, session: SessionDep, principal: PrincipalDep) -> list[ClerkOut]:
    """The office's active clerks with the window each holds (transfer targets)."""
    principal.require_office(office.id)
    principal.require_staff()
    rows = session.execute(
        select(User, Window.number)
        .outerjoin(Window, Window.clerk_id == User.id)
        .where(User.office_id == office.id, User.role == "clerk", User.active.is_(True))
        .order_by(User.username)
    ).all()
    return [
        ClerkOut(username=u.username, name=u.full_name or u.username, window=number)
        for u, number in rows
    ]


@router.get("/offices/{code}/reports/chosen-calls", response_model=list[ChosenCallCountOut])
def chosen_calls(
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    start: Day,
    end: Day,
) -> list[ChosenCallCountOut]:
    """Tickets called out of order, counted per clerk and reason, local days start..end."""
    offices_to_report(session=session, principal=principal, codes=[office.code])
    check_period(start, end, max_days=MAX_REPORT_DAYS)
    return reports.chosen_call_counts(session=session, office=office, first=start, last=end)
