"""Intake records, the case life cycle, deadlines, issuance and the links to tickets."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.cases.exceptions import (
    AlreadyIssued,
    ConsentMissing,
    IllegalCaseStep,
    ResultNotReady,
)
from queue_server.cases.models import (
    ARCHIVED,
    ISSUED,
    READY,
    REFUSED,
    REGISTERED,
    RESULT_RECEIVED,
    RETURNED,
    SENT,
    STORED,
    Case,
    CaseDocument,
    CaseSettings,
    CaseStep,
    CaseVisit,
    Issuance,
)
from queue_server.cases.numbering import format_registration_number, next_registration_seq
from queue_server.cases.schemas import CaseSettingsIn, IntakeIn, IssueIn, ResultIn
from queue_server.catalogue.models import Agency, Service, ServiceDocument, ServiceVariant
from queue_server.catalogue.service import get_service
from queue_server.clock import Clock
from queue_server.errors import Conflict, Forbidden, InvalidInput, NotFound
from queue_server.events.service import emit
from queue_server.offices.calendar import WEEKDAYS, add_working_days, is_working_day, local_now
from queue_server.offices.models import Office
from queue_server.offices.service import overrides_for
from queue_server.tickets.models import SERVING, Ticket
from queue_server.windows.models import Window

# action → (statuses it starts from, status it leads to)
STEPS: dict[str, tuple[tuple[str, ...], str]] = {
    "send": ((REGISTERED,), SENT),
    "result": ((SENT,), RESULT_RECEIVED),
    "ready": ((RESULT_RECEIVED,), READY),
    "issue": ((READY, STORED), ISSUED),
    "refuse": ((READY, STORED), REFUSED),
    "store": ((READY,), STORED),
    "return": ((STORED, REFUSED), RETURNED),
    "archive": ((STORED, REFUSED, ISSUED), ARCHIVED),
}
STATUS_RU = {
    REGISTERED: "зарегистрировано",
    SENT: "передано в орган",
    RESULT_RECEIVED: "результат поступил в МФЦ",
    READY: "готово к выдаче",
    ISSUED: "выдано",
    REFUSED: "заявитель отказался от получения",
    STORED: "на хранении в МФЦ",
    RETURNED: "возвращено в орган",
    ARCHIVED: "передано в архив",
}
# The calendar window loaded for deadline arithmetic (terms are at most a year).
_CALENDAR_SPAN = timedelta(days=800)


# --- access ------------------------------------------------------------------------------


def require_office_staff(principal: Principal, office_id: int) -> None:
    """R16: applicant details only for staff members of the case's own office."""
    if principal.kind != "user":
        raise Forbidden("Only staff members work with cases.", code="wrong_role")
    if principal.office_id != office_id:
        raise Forbidden(
            "Cases and applicants' personal data are visible only to the staff of their office.",
            code="wrong_office",
        )


def get_case(*, session: Session, case_id: int, lock: bool = False) -> Case:
    """The case with this id, or 404; `lock` takes its row lock."""
    stmt = select(Case).where(Case.id == case_id)
    if lock:
        stmt = stmt.with_for_update()
    case = session.scalar(stmt)
    if case is None:
        raise NotFound(f"No case with id {case_id}.", code="case_not_found")
    return case


def case_settings(*, session: Session, office_id: int) -> CaseSettings:
    """The office's case settings (defaults when never saved)."""
    found = session.get(CaseSettings, office_id)
    return found or CaseSettings(
        office_id=office_id, storage_days=30, courier_weekdays=[], printers={}
    )


def put_case_settings(*, session: Session, office: Office, data: CaseSettingsIn) -> CaseSettings:
    """Create or replace the office's case settings."""
    row = session.get(CaseSettings, office.id)
    if row is None:
        row = CaseSettings(office_id=office.id)
        session.add(row)
    row.storage_days = data.storage_days
    row.courier_weekdays = list(data.courier_weekdays)
    row.printers = dict(data.printers)
    session.flush()
    return row


# --- calendar ----------------------------------------------------------------------------


def local_date(office: Office, moment: datetime) -> date:
    """The office's local date at an instant."""
    return local_now(office, moment).date()


def transfer_deadline(
    *, session: Session, office: Office, registered_on: date, courier_weekdays: list[str]
) -> date:
    """R11: the next working day; with a courier schedule, the first courier day from then."""
    overrides = overrides_for(
        session=session,
        office_id=office.id,
        start=registered_on,
        end=registered_on + _CALENDAR_SPAN,
    )
    day = add_working_days(office.calendar_country, registered_on, 1, overrides)
    if not courier_weekdays:
        return day
    for _ in range(366):
        if WEEKDAYS[day.weekday()] in courier_weekdays and is_working_day(
            office.calendar_country, day, overrides
        ):
            return day
        day += timedelta(days=1)
    return day


def term_deadline(
    *, session: Session, office: Office, registered_on: date, working_days: int
) -> date:
    """The date `working_days` working days after registration (the agency's term)."""
    overrides = overrides_for(
        session=session,
        office_id=office.id,
        start=registered_on,
        end=registered_on + _CALENDAR_SPAN,
    )
    return add_working_days(office.calendar_country, registered_on, working_days, overrides)


# --- history and events ----------------------------------------------------------------


def case_payload(case: Case, **extra: Any) -> dict[str, Any]:
    """The event payload of a case: no personal data (R16)."""
    return {
        "case_id": case.id,
        "registration_number": case.registration_number,
        "status": case.status,
        "due_date": case.due_date.isoformat() if case.due_date else None,
        **extra,
    }


def _record(
    session: Session,
    clock: Clock,
    case: Case,
    *,
    action: str,
    from_status: str | None,
    clerk_id: int | None,
    automatic: bool = False,
    detail: dict[str, Any] | None = None,
    event: str | None = None,
) -> None:
    now = clock.now()
    session.add(
        CaseStep(
            case_id=case.id,
            action=action,
            from_status=from_status,
            to_status=case.status,
            at=now,
            clerk_id=clerk_id,
            automatic=automatic,
            detail=detail or {},
        )
    )
    emit(
        session=session,
        clock=clock,
        type=event or f"case.{case.status}",
        office_id=case.office_id,
        payload=case_payload(case, action=action, automatic=automatic),
    )


def _advance(case: Case, action: str) -> str:
    sources, target = STEPS[action]
    if case.status not in sources:
        raise IllegalCaseStep(
            f"Case {case.registration_number} is {STATUS_RU[case.status]} ({case.status}); "
            f"'{action}' is possible only when it is "
            + " or ".join(f"{STATUS_RU[s]} ({s})" for s in sources)
            + "."
        )
    previous = case.status
    case.status = target
    return previous


def _clerk_id(principal: Principal | None) -> int | None:
    return principal.id if principal is not None and principal.is_staff else None


# --- ticket links (R8) -------------------------------------------------------------------


def _serving_ticket(
    *, session: Session, ticket_id: int, office: Office, principal: Principal, kind: str
) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.office_id != office.id:
        raise NotFound(f"No ticket with id {ticket_id} at this office.", code="ticket_not_found")
    if ticket.status != SERVING:
        raise Conflict(
            f"Ticket {ticket.number} is {ticket.status}; start serving it before recording "
            f"the {kind}.",
            code="ticket_not_serving",
        )
    window = session.get(Window, ticket.window_id) if ticket.window_id else None
    if window is None or window.clerk_id != principal.id:
        raise Forbidden(
            f"Ticket {ticket.number} is not being served at your window.", code="not_your_window"
        )
    if ticket.service.kind != kind:
        raise InvalidInput(
            f"Ticket {ticket.number} is for {ticket.service.name_ru} ({ticket.service.kind}), "
            f"not for {kind}.",
            code="wrong_ticket_kind",
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
        raise NotFound(f"No ticket with id {ticket_id} at this office.", code="ticket_not_found")
    return link_ticket(
        session=session,
        clock=clock,
        case=case,
        ticket=ticket,
        purpose="other",
        clerk_id=principal.id,
    )


# --- intake (R9–R11) ---------------------------------------------------------------------


def _resolve_variant(session: Session, service: Service, code: str | None) -> ServiceVariant | None:
    if code is None:
        if service.variants:
            names = ", ".join(v.code for v in service.variants)
            raise InvalidInput(
                f"Service {service.code} has variants ({names}); choose one.",
                code="variant_required",
            )
        return None
    for variant in service.variants:
        if variant.code == code:
            return variant
    raise InvalidInput(f"Service {service.code} has no variant {code!r}.", code="unknown_variant")


def checklist(service: Service, variant: ServiceVariant | None) -> list[ServiceDocument]:
    """The documents of the service's list that apply to the variant."""
    return [
        d
        for d in service.documents
        if d.variant_id is None or (variant is not None and d.variant_id == variant.id)
    ]


def _documents(
    service: Service, variant: ServiceVariant | None, data: IntakeIn
) -> list[CaseDocument]:
    applicable = {d.id: d for d in checklist(service, variant)}
    received: list[CaseDocument] = []
    seen: set[int] = set()
    for position, item in enumerate(data.documents):
        if item.service_document_id is not None:
            doc = applicable.get(item.service_document_id)
            if doc is None:
                raise InvalidInput(
                    f"Document {item.service_document_id} is not on the list of "
                    f"{service.code}" + (f"/{variant.code}" if variant else "") + ".",
                    code="unknown_document",
                )
            if doc.id in seen:
                raise InvalidInput(f"{doc.name_ru} is listed twice.", code="duplicate_document")
            seen.add(doc.id)
            name = item.name or doc.name_ru
        elif item.name is not None:
            name = item.name
        else:
            raise InvalidInput(
                "Each document needs a service_document_id or a name.", code="document_unnamed"
            )
        received.append(
            CaseDocument(
                service_document_id=item.service_document_id,
                name=name,
                original=item.original,
                sheets=item.sheets,
                copies=item.copies,
                position=position,
            )
        )
    missing = [d.name_ru for d in applicable.values() if d.required and d.id not in seen]
    if missing:
        raise InvalidInput(
            "Required documents are missing from the checklist: " + "; ".join(missing) + ".",
            code="documents_missing",
        )
    return received


def register_intake(
    *, session: Session, clock: Clock, office: Office, principal: Principal, data: IntakeIn
) -> Case:
    """Register an intake case with the next number of the office's register (R9–R11)."""
    require_office_staff(principal, office.id)
    if not data.consent_personal_data:
        raise ConsentMissing(
            "The applicant's consent to processing of personal data is required (R10); "
            "nothing was registered."
        )
    if data.delivery == "post" and not data.postal_address:
        raise InvalidInput(
            "Delivery by post needs a postal address.", code="postal_address_required"
        )
    ticket = None
    if data.ticket_id is not None:
        ticket = _serving_ticket(
            session=session,
            ticket_id=data.ticket_id,
            office=office,
            principal=principal,
            kind="intake",
        )
    service_code = data.service or (ticket.service.code if ticket else None)
    if service_code is None:
        raise InvalidInput("Name the service of the case.", code="service_required")
    service = get_service(session=session, code=service_code)
    if service.kind != "intake":
        raise InvalidInput(
            f"{service.name_ru} is not an intake service.", code="not_an_intake_service"
        )
    variant = _resolve_variant(session, service, data.variant)
    if data.agency is not None:
        agency = session.scalar(select(Agency).where(Agency.code == data.agency))
        if agency is None:
            raise InvalidInput(f"No agency with code {data.agency!r}.", code="unknown_agency")
    else:
        agency = service.agency
        if agency is None:
            raise InvalidInput(
                f"Service {service.code} has no agency; name the agency.", code="agency_required"
            )
    documents = _documents(service, variant, data)
    now = clock.now()
    today = local_date(office, now)
    settings = case_settings(session=session, office_id=office.id)
    term = (
        variant.term_working_days
        if variant is not None and variant.term_working_days is not None
        else service.term_working_days
    )
    seq = next_registration_seq(session=session, office_id=office.id, year=today.year)
    case = Case(
        office_id=office.id,
        year=today.year,
        seq=seq,
        registration_number=format_registration_number(office.id, today.year, seq),
        status_code=secrets.token_urlsafe(16),
        status=REGISTERED,
        service_id=service.id,
        variant_id=variant.id if variant else None,
        agency_id=agency.id,
        applicant_name=data.applicant.name,
        applicant_document_type=data.applicant.document_type,
        applicant_document_number=data.applicant.document_number,
        applicant_key=applicant_key(data.applicant.name, data.applicant.document_number),
        representative_name=data.representative.name if data.representative else None,
        representative_authority=(
            data.representative.authority_document if data.representative else None
        ),
        consent_personal_data=True,
        delivery=data.delivery,
        postal_address=data.postal_address,
        registered_at=now,
        registered_by=principal.id,
        transfer_due=transfer_deadline(
            session=session,
            office=office,
            registered_on=today,
            courier_weekdays=list(settings.courier_weekdays or []),
        ),
        due_date=(
            term_deadline(session=session, office=office, registered_on=today, working_days=term)
            if term is not None
            else None
        ),
        documents=documents,
    )
    session.add(case)
    session.flush()
    if ticket is not None:
        link_ticket(
            session=session,
            clock=clock,
            case=case,
            ticket=ticket,
            purpose="intake",
            clerk_id=principal.id,
        )
    _record(
        session,
        clock,
        case,
        action="register",
        from_status=None,
        clerk_id=principal.id,
        detail={"ticket": ticket.number if ticket else None},
    )
    return case


# --- the life cycle (R11–R14) ------------------------------------------------------------


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
    previous = _advance(case, "send")
    case.sent_at = clock.now()
    if agency_incoming_number:
        case.agency_incoming_number = agency_incoming_number
    _record(
        session,
        clock,
        case,
        action="send",
        from_status=previous,
        clerk_id=_clerk_id(principal),
        detail={"agency_incoming_number": agency_incoming_number},
    )
    return case


def register_result(
    *, session: Session, clock: Clock, case: Case, principal: Principal | None, data: ResultIn
) -> Case:
    """The agency's result arrived and is registered the same day (R12)."""
    if principal is not None:
        require_office_staff(principal, case.office_id)
    previous = _advance(case, "result")
    case.result_received_at = clock.now()
    case.outcome = data.outcome
    if data.agency_incoming_number:
        case.agency_incoming_number = data.agency_incoming_number
    _record(
        session,
        clock,
        case,
        action="result",
        from_status=previous,
        clerk_id=_clerk_id(principal),
        detail={"outcome": data.outcome, "note": data.note, "by_agency": principal is None},
    )
    if data.ready:
        mark_ready(session=session, clock=clock, case=case, principal=principal)
    return case


def mark_ready(*, session: Session, clock: Clock, case: Case, principal: Principal | None) -> Case:
    """The result is ready for issuance; the storage period starts (R14)."""
    if principal is not None:
        require_office_staff(principal, case.office_id)
    previous = _advance(case, "ready")
    now = clock.now()
    office = session.get(Office, case.office_id)
    assert office is not None
    settings = case_settings(session=session, office_id=case.office_id)
    case.ready_at = now
    case.storage_until = local_date(office, now) + timedelta(days=settings.storage_days)
    _record(
        session, clock, case, action="ready", from_status=previous, clerk_id=_clerk_id(principal)
    )
    return case


def close_case(
    *, session: Session, clock: Clock, case: Case, principal: Principal, action: str, reason: str
) -> Case:
    """Refusal to take the result, return to the agency or archiving, with a reason."""
    require_office_staff(principal, case.office_id)
    if action not in ("refuse", "return", "archive"):
        raise InvalidInput(f"Unknown step {action!r}.", code="unknown_step")
    previous = _advance(case, action)
    case.closed_at = clock.now()
    _record(
        session,
        clock,
        case,
        action=action,
        from_status=previous,
        clerk_id=principal.id,
        detail={"reason": reason},
    )
    return case


def issue_result(
    *, session: Session, clock: Clock, case: Case, principal: Principal, data: IssueIn
) -> Issuance:
    """Hand the result over against signature (R13); refuses if not ready or already issued."""
    require_office_staff(principal, case.office_id)
    office = session.get(Office, case.office_id)
    assert office is not None
    existing = session.scalar(select(Issuance).where(Issuance.case_id == case.id))
    if existing is not None or case.status == ISSUED:
        when = local_now(office, existing.issued_at) if existing else None
        raise AlreadyIssued(
            f"The result of case {case.registration_number} was already issued"
            + (f" on {when:%d.%m.%Y at %H:%M}" if when else "")
            + "; it cannot be issued twice."
        )
    if case.status not in STEPS["issue"][0]:
        raise ResultNotReady(
            f"The result of case {case.registration_number} is not ready for issuance: the case "
            f"is {STATUS_RU[case.status]} ({case.status})."
        )
    if not data.identity_checked:
        raise InvalidInput(
            "Confirm that the identity of the person taking the result was checked (R13).",
            code="identity_not_checked",
        )
    ticket = None
    if data.ticket_id is not None:
        ticket = _serving_ticket(
            session=session,
            ticket_id=data.ticket_id,
            office=office,
            principal=principal,
            kind="issuance",
        )
    previous = _advance(case, "issue")
    now = clock.now()
    service = session.get(Service, case.service_id)
    assert service is not None
    items = data.items or [
        "Результат предоставления услуги: "
        + service.name_ru
        + (" (отказ)" if case.outcome == "refusal" else "")
    ]
    issuance = Issuance(
        case_id=case.id,
        ticket_id=ticket.id if ticket else None,
        issued_at=now,
        clerk_id=principal.id,
        identity_checked=True,
        recipient_name=data.representative.name if data.representative else case.applicant_name,
        representative_authority=(
            data.representative.authority_document if data.representative else None
        ),
        items=items,
    )
    case.closed_at = now
    try:
        # The unique case_id is the last guard against two clerks issuing at once.
        with session.begin_nested():
            session.add(issuance)
            session.flush()
    except IntegrityError as exc:
        raise AlreadyIssued(
            f"The result of case {case.registration_number} was just issued by someone else."
        ) from exc
    if ticket is not None:
        link_ticket(
            session=session,
            clock=clock,
            case=case,
            ticket=ticket,
            purpose="issuance",
            clerk_id=principal.id,
        )
    _record(
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


# --- finding cases (R13) -----------------------------------------------------------------


def applicant_key(name: str, document_number: str) -> str:
    """The search key of an applicant: case-folded name and the document's letters and digits."""
    folded = " ".join(name.split()).casefold()
    return f"{folded}|{''.join(ch for ch in document_number if ch.isalnum()).casefold()}"


def _code_from_payload(payload: str) -> tuple[str | None, str | None]:
    """(registration number, status code) from what was scanned or typed."""
    text = payload.strip()
    if "/c/" in text:
        return None, text.rsplit("/c/", 1)[1].split("?")[0].strip("/")
    return text, None


def find_cases(
    *,
    session: Session,
    office: Office,
    number: str | None = None,
    name: str | None = None,
    document_number: str | None = None,
) -> list[Case]:
    """Cases of the office by receipt number/code, or by applicant name and document."""
    stmt = select(Case).where(Case.office_id == office.id)
    if number:
        reg, code = _code_from_payload(number)
        if code is not None:
            stmt = stmt.where(Case.status_code == code)
        else:
            assert reg is not None
            stmt = stmt.where(Case.registration_number == reg)
    elif name and document_number:
        stmt = stmt.where(Case.applicant_key == applicant_key(name, document_number))
    else:
        raise InvalidInput(
            "Search by the receipt's number (number=…) or, if the receipt is lost, by the "
            "applicant's name and document number (name=…&document_number=…).",
            code="search_needs_terms",
        )
    return list(session.scalars(stmt.order_by(Case.registered_at.desc()).limit(50)))


def list_cases(
    *, session: Session, office: Office, status: str | None = None, limit: int = 200
) -> list[Case]:
    """The office's register, newest first."""
    stmt = select(Case).where(Case.office_id == office.id)
    if status:
        stmt = stmt.where(Case.status == status)
    return list(session.scalars(stmt.order_by(Case.year.desc(), Case.seq.desc()).limit(limit)))


def cases_of_ticket(*, session: Session, ticket: Ticket) -> list[tuple[Case, str]]:
    """The records a ticket produced or served, with the visit's purpose."""
    rows = session.execute(
        select(Case, CaseVisit.purpose)
        .join(CaseVisit, CaseVisit.case_id == Case.id)
        .where(CaseVisit.ticket_id == ticket.id)
        .order_by(CaseVisit.id)
    ).all()
    return [(case, purpose) for case, purpose in rows]


def visits_of(*, session: Session, case: Case) -> list[tuple[CaseVisit, Ticket]]:
    """The tickets that served the case, oldest first (R8)."""
    rows = session.execute(
        select(CaseVisit, Ticket)
        .join(Ticket, Ticket.id == CaseVisit.ticket_id)
        .where(CaseVisit.case_id == case.id)
        .order_by(CaseVisit.id)
    ).all()
    return [(v, t) for v, t in rows]


def history_of(*, session: Session, case: Case) -> list[tuple[CaseStep, str | None]]:
    """The case history with each clerk's name."""
    rows = session.execute(
        select(CaseStep, User.full_name, User.username)
        .outerjoin(User, User.id == CaseStep.clerk_id)
        .where(CaseStep.case_id == case.id)
        .order_by(CaseStep.id)
    ).all()
    return [(step, (full or user) if user else None) for step, full, user in rows]


# --- deadlines, driven by the scheduler (R11, R11 agency term, R14) ---------------------


def watch_case_deadlines(*, session: Session, clock: Clock) -> int:
    """Raise transfer-overdue, agency-overdue and uncollected events once per case."""
    now = clock.now()
    changed = 0
    offices = {o.id: o for o in session.scalars(select(Office))}
    # The earliest local date of any office bounds the query; each case is checked locally.
    earliest = min((local_date(o, now) for o in offices.values()), default=now.date())
    late_transfer = session.scalars(
        select(Case)
        .where(
            Case.status == REGISTERED,
            Case.transfer_overdue_flagged.is_(False),
            Case.transfer_due < earliest + timedelta(days=1),
        )
        .with_for_update(skip_locked=True)
    ).all()
    for case in late_transfer:
        if local_date(offices[case.office_id], now) > case.transfer_due:
            case.transfer_overdue_flagged = True
            emit(
                session=session,
                clock=clock,
                type="case.transfer_overdue",
                office_id=case.office_id,
                payload=case_payload(case, transfer_due=case.transfer_due.isoformat()),
            )
            changed += 1
    late_agency = session.scalars(
        select(Case)
        .where(
            Case.status.in_((REGISTERED, SENT)),
            Case.agency_overdue_flagged.is_(False),
            Case.due_date.is_not(None),
            Case.due_date < earliest + timedelta(days=1),
        )
        .with_for_update(skip_locked=True)
    ).all()
    for case in late_agency:
        assert case.due_date is not None
        if local_date(offices[case.office_id], now) > case.due_date:
            case.agency_overdue_flagged = True
            emit(
                session=session,
                clock=clock,
                type="case.agency_overdue",
                office_id=case.office_id,
                payload=case_payload(case),
            )
            changed += 1
    uncollected = session.scalars(
        select(Case)
        .where(
            Case.status == READY,
            Case.storage_until.is_not(None),
            Case.storage_until < earliest + timedelta(days=1),
        )
        .with_for_update(skip_locked=True)
    ).all()
    for case in uncollected:
        assert case.storage_until is not None
        if local_date(offices[case.office_id], now) > case.storage_until:
            previous = _advance(case, "store")
            _record(
                session,
                clock,
                case,
                action="store",
                from_status=previous,
                clerk_id=None,
                automatic=True,
                detail={"storage_until": case.storage_until.isoformat()},
                event="case.uncollected",
            )
            changed += 1
    return changed


def overdue_counts(*, session: Session, office: Office, now: datetime) -> dict[str, int]:
    """How many of the office's cases are past each deadline now (for dashboards)."""
    today = local_date(office, now)
    base = select(func.count()).select_from(Case).where(Case.office_id == office.id)
    return {
        "transfer_overdue": int(
            session.scalar(base.where(Case.status == REGISTERED, Case.transfer_due < today)) or 0
        ),
        "agency_overdue": int(
            session.scalar(
                base.where(
                    Case.status.in_((REGISTERED, SENT)),
                    Case.due_date.is_not(None),
                    Case.due_date < today,
                )
            )
            or 0
        ),
        "stored": int(session.scalar(base.where(or_(Case.status == STORED))) or 0),
    }
