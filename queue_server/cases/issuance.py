"""Issuance (R13): the result handed over against signature, once, to a checked person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.auth.service import Principal
from queue_server.cases.access import require_office_staff
from queue_server.cases.exceptions import AlreadyIssued, ResultNotReady
from queue_server.cases.history import record_step
from queue_server.cases.models import ISSUED, Case, Issuance
from queue_server.cases.schemas import IssueIn
from queue_server.cases.statemachine import ISSUABLE, advance
from queue_server.cases.visits import link_ticket, serving_ticket
from queue_server.clock import Clock
from queue_server.errors import InvalidInput
from queue_server.messages import Term
from queue_server.offices.calendar import local_now
from queue_server.offices.models import Office
from queue_server.tickets.models import Ticket


def _check_issuable(session: Session, office: Office, case: Case, data: IssueIn) -> None:
    """R13: the result arrived, was not issued yet, and the recipient's identity was checked."""
    existing = session.scalar(select(Issuance).where(Issuance.case_id == case.id))
    if existing is not None or case.status == ISSUED:
        when = local_now(office, existing.issued_at) if existing else None
        if when is None:
            raise AlreadyIssued(
                code="already_issued", key="already_issued.undated", number=case.registration_number
            )
        raise AlreadyIssued(
            number=case.registration_number, day=f"{when:%d.%m.%Y}", time=f"{when:%H:%M}"
        )
    if case.status not in ISSUABLE:
        raise ResultNotReady(
            number=case.registration_number, status=Term("case_status", case.status)
        )
    if not data.identity_checked:
        raise InvalidInput("R13: identity not confirmed", code="identity_not_checked")


def _issued_items(case: Case, data: IssueIn) -> list[str]:
    """What the issuance receipt lists: as given, else the service's result (or refusal)."""
    if data.items:
        return data.items
    refusal = " (отказ)" if case.outcome == "refusal" else ""
    return ["Результат предоставления услуги: " + case.service.name_ru + refusal]


def _save_issuance(
    session: Session,
    case: Case,
    principal: Principal,
    data: IssueIn,
    ticket: Ticket | None,
    issued_at: datetime,
) -> Issuance:
    """Write the issuance record; a concurrent issuance of the same case → AlreadyIssued."""
    representative = data.representative
    issuance = Issuance(
        case_id=case.id,
        ticket_id=ticket.id if ticket else None,
        issued_at=issued_at,
        clerk_id=principal.id,
        identity_checked=True,
        recipient_name=representative.name if representative else case.applicant_name,
        representative_authority=representative.authority_document if representative else None,
        items=_issued_items(case, data),
    )
    try:
        # The unique case_id is the last guard against two clerks issuing at once.
        with session.begin_nested():
            session.add(issuance)
            session.flush()
    except IntegrityError as exc:
        raise AlreadyIssued(
            code="already_issued", key="already_issued.now", number=case.registration_number
        ) from exc
    return issuance


def issue_result(
    *, session: Session, clock: Clock, case: Case, principal: Principal, data: IssueIn
) -> Issuance:
    """Hand the result over against signature (R13); refuses if not ready or already issued."""
    require_office_staff(principal, case.office_id)
    office = session.get(Office, case.office_id)
    assert office is not None
    _check_issuable(session, office, case, data)
    ticket = None
    if data.ticket_id is not None:
        ticket = serving_ticket(
            session=session,
            ticket_id=data.ticket_id,
            office=office,
            principal=principal,
            kind="issuance",
        )
    previous = advance(case, "issue")
    now = clock.now()
    case.closed_at = now
    issuance = _save_issuance(session, case, principal, data, ticket, now)
    if ticket is not None:
        link_ticket(
            session=session,
            clock=clock,
            case=case,
            ticket=ticket,
            purpose="issuance",
            clerk_id=principal.id,
        )
    record_step(
        session,
        clock,
        case,
        action="issue",
        from_status=previous,
        clerk_id=principal.id,
        detail={
            "ticket": ticket.number if ticket else None,
            "by_representative": data.representative is not None,
        },
    )
    return issuance
