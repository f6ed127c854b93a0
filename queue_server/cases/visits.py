"""The tickets that served a case (R8: hand in, collect) and the serving-ticket checks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.auth.service import Principal
from queue_server.cases.access import require_office_staff
from queue_server.cases.models import Case, CaseVisit
from queue_server.clock import Clock
from queue_server.errors import Conflict, Forbidden, InvalidInput, NotFound
from queue_server.messages import Term
from queue_server.offices.models import Office
from queue_server.tickets.models import SERVING, Ticket
from queue_server.windows.models import Window


def serving_ticket(
    *, session: Session, ticket_id: int, office: Office, principal: Principal, kind: str
) -> Ticket:
    """The ticket this clerk is serving now at their window, for an intake or an issuance."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.office_id != office.id:
        raise NotFound(code="ticket_not_found")
    if ticket.status != SERVING:
        raise Conflict(
            code="ticket_not_serving",
            number=ticket.number,
            state=Term("ticket_state", ticket.status),
            kind=Term("visit_kind", kind),
        )
    window = session.get(Window, ticket.window_id) if ticket.window_id else None
    if window is None or not principal.is_user(window.clerk_id):
        raise Forbidden(
            code="not_your_window",
            key="not_your_window.ticket_not_at_your_window",
            number=ticket.number,
        )
    if ticket.service.kind != kind:
        raise InvalidInput(
            code="wrong_ticket_kind",
            number=ticket.number,
            service=ticket.service.name_ru,
            ticket_kind=Term("visit_kind", ticket.service.kind),
            kind=Term("visit_kind", kind),
        )
    return ticket


def link_ticket(
    *,
    session: Session,
    clock: Clock,
    case: Case,
    ticket: Ticket,
    purpose: str,
    clerk_id: int | None,
) -> CaseVisit:
    """Record that a ticket served the case (idempotent per ticket)."""
    existing = session.scalar(
        select(CaseVisit).where(CaseVisit.case_id == case.id, CaseVisit.ticket_id == ticket.id)
    )
    if existing is not None:
        return existing
    visit = CaseVisit(
        case_id=case.id, ticket_id=ticket.id, purpose=purpose, at=clock.now(), clerk_id=clerk_id
    )
    session.add(visit)
    session.flush()
    return visit


def link_visit(
    *, session: Session, clock: Clock, case: Case, ticket_id: int, principal: Principal
) -> CaseVisit:
    """Link another ticket of the office to the case (e.g. the applicant brought a paper)."""
    require_office_staff(principal, case.office_id)
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.office_id != case.office_id:
        raise NotFound(code="ticket_not_found")
    return link_ticket(
        session=session,
        clock=clock,
        case=case,
        ticket=ticket,
        purpose="other",
        clerk_id=principal.id,
    )


def visits_of(*, session: Session, cases: list[Case]) -> dict[int, list[tuple[CaseVisit, Ticket]]]:
    """case id → the tickets that served it, oldest first (R8); one query for all the cases."""
    found: dict[int, list[tuple[CaseVisit, Ticket]]] = {case.id: [] for case in cases}
    if not found:
        return found
    rows = session.execute(
        select(CaseVisit, Ticket)
        .join(Ticket, Ticket.id == CaseVisit.ticket_id)
        .where(CaseVisit.case_id.in_(list(found)))
        .order_by(CaseVisit.id)
    ).all()
    for visit, ticket in rows:
        found[visit.case_id].append((visit, ticket))
    return found


def cases_of_ticket(
    *, session: Session, ticket: Ticket, principal: Principal
) -> list[tuple[Case, str]]:
    """The records a ticket produced or served, with the visit's purpose (R8)."""
    require_office_staff(principal, ticket.office_id)
    rows = session.execute(
        select(Case, CaseVisit.purpose)
        .join(CaseVisit, CaseVisit.case_id == Case.id)
        .where(CaseVisit.ticket_id == ticket.id)
        .order_by(CaseVisit.id)
    ).all()
    return [(case, purpose) for case, purpose in rows]
