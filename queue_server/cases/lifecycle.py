"""The case after intake (R11–R14): sent to the agency, result back, ready, closed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from queue_server.auth.service import Principal
from queue_server.cases import rules
from queue_server.cases.access import acting_clerk_id, require_office_staff
from queue_server.cases.deadlines import handover_late, local_date
from queue_server.cases.exceptions import IllegalCaseStep
from queue_server.cases.history import record_step
from queue_server.cases.models import Case
from queue_server.cases.office_settings import case_settings
from queue_server.cases.schemas import ResultIn
from queue_server.cases.statemachine import CLOSING_STEPS, advance
from queue_server.clock import Clock
from queue_server.errors import InvalidInput
from queue_server.offices.models import Office


def send_to_agency(
    *,
    session: Session,
    clock: Clock,
    case: Case,
    principal: Principal | None,
    agency_incoming_number: str | None = None,
) -> Case:
    """The case leaves for the agency (R11), with the agency's incoming number if known."""
    if principal is not None:
        require_office_staff(principal, case.office_id)
    previous = advance(case, "send")
    case.sent_at = clock.now()
    if agency_incoming_number:
        case.agency_incoming_number = agency_incoming_number
    record_step(
        session,
        clock,
        case,
        action="send",
        from_status=previous,
        clerk_id=acting_clerk_id(principal),
        detail={"agency_incoming_number": agency_incoming_number},
    )
    return case


def register_result(
    *, session: Session, clock: Clock, case: Case, principal: Principal | None, data: ResultIn
) -> Case:
    """The agency's result arrived and is registered the same day (R12)."""
    if principal is not None:
        require_office_staff(principal, case.office_id)
    now = clock.now()
    _record_handover(session, case, data, now)
    previous = advance(case, "result")
    case.result_received_at = now
    case.outcome = data.outcome
    if data.agency_incoming_number:
        case.agency_incoming_number = data.agency_incoming_number
    record_step(
        session,
        clock,
        case,
        action="result",
        from_status=previous,
        clerk_id=acting_clerk_id(principal),
        detail={"outcome": data.outcome, "note": data.note, "by_agency": principal is None},
    )
    if data.ready:
        mark_ready(session=session, clock=clock, case=case, principal=principal)
    return case


def _record_handover(session: Session, case: Case, data: ResultIn, now: datetime) -> None:
    """R12: when the agency prepared the result, and whether it arrived later than the next
    working day; a preparation time in the future or before the case is refused."""
    if data.prepared_at is None:
        return
    if data.prepared_at > now:
        raise InvalidInput(code="prepared_at_in_future")
    if data.prepared_at < case.registered_at:
        raise InvalidInput(code="prepared_before_registration")
    office = session.get(Office, case.office_id)
    assert office is not None
    case.result_prepared_at = data.prepared_at
    case.result_handover_late = handover_late(
        session=session,
        office=office,
        prepared_on=local_date(office, data.prepared_at),
        received_on=local_date(office, now),
    )


def request_explanation(
    *, session: Session, clock: Clock, case: Case, principal: Principal, note: str = ""
) -> Case:
    """R11: the agency is past its term: staff ask it why; who asked and when is kept."""
    require_office_staff(principal, case.office_id)
    office = session.get(Office, case.office_id)
    assert office is not None
    now = clock.now()
    if not rules.may_ask_why(case.status, case.due_date, local_date(office, now)):
        due = case.due_date.strftime("%d.%m.%Y") if case.due_date else "—"
        raise IllegalCaseStep(code="agency_not_late", number=case.registration_number, due=due)
    case.explanation_requested_at = now
    case.explanation_requested_by = principal.id
    record_step(
        session,
        clock,
        case,
        action="request_explanation",
        from_status=case.status,
        clerk_id=principal.id,
        detail={"note": note},
        event="case.explanation_requested",
    )
    return case


def mark_ready(*, session: Session, clock: Clock, case: Case, principal: Principal | None) -> Case:
    """The result is ready for issuance; the storage period starts (R14)."""
    if principal is not None:
        require_office_staff(principal, case.office_id)
    previous = advance(case, "ready")
    now = clock.now()
    office = session.get(Office, case.office_id)
    assert office is not None
    settings = case_settings(session=session, office_id=case.office_id)
    case.ready_at = now
    case.storage_until = rules.storage_until(local_date(office, now), settings.storage_days)
    record_step(
        session,
        clock,
        case,
        action="ready",
        from_status=previous,
        clerk_id=acting_clerk_id(principal),
    )
    return case


def close_case(
    *, session: Session, clock: Clock, case: Case, principal: Principal, action: str, reason: str
) -> Case:
    """Refusal to take the result, return to the agency or archiving, with a reason (R14)."""
    require_office_staff(principal, case.office_id)
    if action not in CLOSING_STEPS:
        raise InvalidInput(code="unknown_step", step=action)
    previous = advance(case, action)
    case.closed_at = clock.now()
    record_step(
        session,
        clock,
        case,
        action=action,
        from_status=previous,
        clerk_id=principal.id,
        detail={"reason": reason},
    )
    return case
