"""Routes: intake, the register, the case life cycle, issuance, receipts, public status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.cases import receipts
from queue_server.cases import service as cases
from queue_server.cases.models import CASE_STATUSES, READY, STORED, Case, CaseStep, Issuance
from queue_server.cases.schemas import (
    CaseOut,
    CaseSettingsIn,
    CaseSettingsOut,
    CaseSummaryOut,
    DocumentOut,
    FormDocumentOut,
    FormVariantOut,
    IntakeFormOut,
    IntakeIn,
    IssuanceOut,
    IssueIn,
    LinkTicketIn,
    LookupOut,
    PublicCaseOut,
    PublicCaseStep,
    ReasonIn,
    ResultIn,
    ScanIn,
    SendIn,
    StepOut,
    TicketCaseOut,
    VisitOut,
)
from queue_server.catalogue.models import Agency, Service, ServiceVariant
from queue_server.catalogue.service import get_service
from queue_server.deps import (
    ClockDep,
    CurrentOffice,
    CurrentTicket,
    PrincipalDep,
    RuntimeDep,
    SessionDep,
)
from queue_server.errors import Forbidden, InvalidInput, NotFound
from queue_server.events.service import emit
from queue_server.offices.models import Office
from queue_server.windows.models import Window
from queue_server.windows.service import get_window

router = APIRouter(tags=["cases"])


def get_case(case_id: int, session: SessionDep, principal: PrincipalDep) -> Case:
    """The case in the path, locked for the change, visible only to its office's staff."""
    case = cases.get_case(session=session, case_id=case_id, lock=True)
    cases.require_office_staff(principal, case.office_id)
    return case


CurrentCase = Annotated[Case, Depends(get_case)]


def summary_out(session: Session, case: Case) -> CaseSummaryOut:
    """A register line without personal data."""
    office = session.get(Office, case.office_id)
    service = session.get(Service, case.service_id)
    agency = session.get(Agency, case.agency_id)
    variant = session.get(ServiceVariant, case.variant_id) if case.variant_id else None
    assert office is not None and service is not None and agency is not None
    return CaseSummaryOut(
        id=case.id,
        registration_number=case.registration_number,
        status=case.status,
        office=office.code,
        service=service.code,
        service_name_ru=service.name_ru,
        variant=variant.code if variant else None,
        agency=agency.code,
        registered_at=case.registered_at,
        transfer_due=case.transfer_due,
        due_date=case.due_date,
        storage_until=case.storage_until,
    )


def _name(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id else None
    return (user.full_name or user.username) if user else "—"


def case_out(session: Session, runtime_public_url: str, case: Case) -> CaseOut:
    """A case with the applicant's details, for the staff of its office."""
    summary = summary_out(session, case)
    service = session.get(Service, case.service_id)
    agency = session.get(Agency, case.agency_id)
    variant = session.get(ServiceVariant, case.variant_id) if case.variant_id else None
    assert service is not None and agency is not None
    issuance = session.scalar(select(Issuance).where(Issuance.case_id == case.id))
    return CaseOut(
        **summary.model_dump(),
        variant_name_ru=variant.name_ru if variant else None,
        agency_name=agency.name,
        applicant_name=case.applicant_name,
        applicant_document_type=case.applicant_document_type,
        applicant_document_number=case.applicant_document_number,
        representative_name=case.representative_name,
        representative_authority=case.representative_authority,
        consent_personal_data=case.consent_personal_data,
        delivery=case.delivery,
        postal_address=case.postal_address,
        agency_incoming_number=case.agency_incoming_number,
        outcome=case.outcome,
        status_code=case.status_code,
        status_url=receipts.status_url(runtime_public_url, case),
        registered_by=_name(session, case.registered_by),
        documents=[
            DocumentOut(
                name=d.name,
                original=d.original,
                sheets=d.sheets,
                copies=d.copies,
                service_document_id=d.service_document_id,
            )
            for d in case.documents
        ],
        visits=[
            VisitOut(
                ticket_id=t.id, number=t.number, purpose=v.purpose, at=v.at, service=t.service.code
            )
            for v, t in cases.visits_of(session=session, case=case)
        ],
        issuance=IssuanceOut(
            issued_at=issuance.issued_at,
            clerk=_name(session, issuance.clerk_id),
            identity_checked=issuance.identity_checked,
            recipient_name=issuance.recipient_name,
            representative_authority=issuance.representative_authority,
            items=list(issuance.items),
            ticket_id=issuance.ticket_id,
        )
        if issuance
        else None,
    )


def _out(session: Session, runtime: RuntimeDep, case: Case) -> CaseOut:
    return case_out(session, runtime.settings.public_url, case)


# --- public (no login, no personal data) -------------------------------------------------


@router.get("/cases/status/{status_code}", response_model=PublicCaseOut)
def public_case_status(status_code: str, session: SessionDep) -> PublicCaseOut:
    """A case's progress by the unguessable code on its receipt (R15); no personal data."""
    case = session.scalar(select(Case).where(Case.status_code == status_code))
    if case is None:
        raise NotFound("No case with this code.", code="case_not_found")
    office = session.get(Office, case.office_id)
    service = session.get(Service, case.service_id)
    assert office is not None and service is not None
    steps = session.scalars(
        select(CaseStep).where(CaseStep.case_id == case.id).order_by(CaseStep.id)
    )
    return PublicCaseOut(
        registration_number=case.registration_number,
        office_name=office.name,
        service_name_ru=service.name_ru,
        status=case.status,
        registered_at=case.registered_at,
        due_date=case.due_date,
        ready_for_issuance=case.status in (READY, STORED),
        steps=[PublicCaseStep(status=s.to_status, at=s.at) for s in steps],
    )


# --- the register ------------------------------------------------------------------------


@router.post("/offices/{code}/cases", response_model=CaseOut, status_code=201)
def register_intake(
    data: IntakeIn,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> CaseOut:
    """Register an intake case while serving an intake ticket (R9–R11)."""
    case = cases.register_intake(
        session=session, clock=clock, office=office, principal=principal, data=data
    )
    return _out(session, runtime, case)


@router.get("/services/{service_code}/intake-form", response_model=IntakeFormOut)
def intake_form(service_code: str, session: SessionDep, principal: PrincipalDep) -> IntakeFormOut:
    """The variants and the document checklist (with ids) the intake form shows."""
    if principal.kind != "user":
        raise Forbidden("Only staff fill intake records.", code="wrong_role")
    service = get_service(session=session, code=service_code)
    return IntakeFormOut(
        service=service.code,
        name_ru=service.name_ru,
        agency=service.agency.code if service.agency else None,
        agency_name=service.agency.name if service.agency else None,
        term_working_days=service.term_working_days,
        variants=[
            FormVariantOut(code=v.code, name_ru=v.name_ru, term_working_days=v.term_working_days)
            for v in service.variants
        ],
        documents=[
            FormDocumentOut(
                id=d.id,
                name_ru=d.name_ru,
                needs_original=d.needs_original,
                needs_copy=d.needs_copy,
                required=d.required,
                variant=d.variant.code if d.variant else None,
            )
            for d in service.documents
        ],
    )


@router.get("/offices/{code}/cases", response_model=list[CaseSummaryOut])
def list_cases(
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    status: str | None = None,
    limit: int = Query(default=200, ge=1, le=1000),
) -> list[CaseSummaryOut]:
    """The office's register, newest first."""
    cases.require_office_staff(principal, office.id)
    if status is not None and status not in CASE_STATUSES:
        raise InvalidInput(
            f"Unknown status {status!r}; use one of {', '.join(CASE_STATUSES)}.",
            code="unknown_status",
        )
    return [
        summary_out(session, c)
        for c in cases.list_cases(session=session, office=office, status=status, limit=limit)
    ]


@router.get("/offices/{code}/cases/lookup", response_model=LookupOut)
def lookup(
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    number: str | None = Query(default=None, max_length=300),
    name: str | None = Query(default=None, max_length=200),
    document_number: str | None = Query(default=None, max_length=50),
) -> LookupOut:
    """Find cases for issuance: by receipt number/code, or by applicant name and document."""
    cases.require_office_staff(principal, office.id)
    found = cases.find_cases(
        session=session, office=office, number=number, name=name, document_number=document_number
    )
    return LookupOut(cases=[_out(session, runtime, c) for c in found])


@router.post("/offices/{code}/windows/{number}/scans", response_model=LookupOut)
def scanned(
    number: int,
    data: ScanIn,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> LookupOut:
    """A scanner at the window read a receipt: find the case and tell the window's page."""
    cases.require_office_staff(principal, office.id)
    window = get_window(session=session, office=office, number=number)
    found = cases.find_cases(session=session, office=office, number=data.payload)
    emit(
        session=session,
        clock=clock,
        type="case.scanned",
        office_id=office.id,
        payload={
            "window": window.number,
            "case_ids": [c.id for c in found],
            "registration_numbers": [c.registration_number for c in found],
            "found": bool(found),
        },
    )
    return LookupOut(cases=[_out(session, runtime, c) for c in found])


@router.get("/offices/{code}/case-settings", response_model=CaseSettingsOut)
def get_case_settings(
    office: CurrentOffice, session: SessionDep, principal: PrincipalDep
) -> CaseSettingsOut:
    """Storage period, courier days and workplace printers of the office."""
    principal.require_office(office.id)
    row = cases.case_settings(session=session, office_id=office.id)
    return CaseSettingsOut(
        office=office.code,
        storage_days=row.storage_days,
        courier_weekdays=list(row.courier_weekdays or []),
        printers=dict(row.printers or {}),
    )


@router.put("/offices/{code}/case-settings", response_model=CaseSettingsOut)
def put_case_settings(
    data: CaseSettingsIn, office: CurrentOffice, session: SessionDep, principal: PrincipalDep
) -> CaseSettingsOut:
    """Replace the office's case settings (admin, manager)."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    cases.put_case_settings(session=session, office=office, data=data)
    return CaseSettingsOut(office=office.code, **data.model_dump())


@router.get("/offices/{code}/cases/overdue", response_model=dict[str, int])
def overdue(
    office: CurrentOffice, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> dict[str, int]:
    """How many cases are past their transfer or agency deadline, and how many are stored."""
    principal.require_office(office.id)
    return cases.overdue_counts(session=session, office=office, now=clock.now())


@router.get("/tickets/{ticket_id}/cases", response_model=list[TicketCaseOut])
def cases_of_ticket(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep
) -> list[TicketCaseOut]:
    """The records a ticket produced or served (R8)."""
    cases.require_office_staff(principal, ticket.office_id)
    return [
        TicketCaseOut(
            case_id=case.id,
            registration_number=case.registration_number,
            purpose=purpose,
            status=case.status,
        )
        for case, purpose in cases.cases_of_ticket(session=session, ticket=ticket)
    ]


# --- one case ----------------------------------------------------------------------------


@router.get("/cases/{case_id}", response_model=CaseOut)
def read_case(case: CurrentCase, session: SessionDep, runtime: RuntimeDep) -> CaseOut:
    """One case with the applicant's details (staff of its office only, R16)."""
    return _out(session, runtime, case)


@router.get("/cases/{case_id}/history", response_model=list[StepOut])
def case_history(case: CurrentCase, session: SessionDep) -> list[StepOut]:
    """Every step of the case with time and clerk (append-only)."""
    return [
        StepOut(
            action=s.action,
            from_status=s.from_status,
            to_status=s.to_status,
            at=s.at,
            clerk=clerk,
            automatic=s.automatic,
            detail=s.detail,
        )
        for s, clerk in cases.history_of(session=session, case=case)
    ]


@router.post("/cases/{case_id}/send", response_model=CaseOut)
def send(
    data: SendIn,
    case: CurrentCase,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> CaseOut:
    """The case goes to the agency (R11)."""
    cases.send_to_agency(
        session=session,
        clock=clock,
        case=case,
        principal=principal,
        agency_incoming_number=data.agency_incoming_number,
    )
    return _out(session, runtime, case)


@router.post("/cases/{case_id}/result", response_model=CaseOut)
def result(
    data: ResultIn,
    case: CurrentCase,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> CaseOut:
    """The agency's result arrived at the office (R12)."""
    cases.register_result(session=session, clock=clock, case=case, principal=principal, data=data)
    return _out(session, runtime, case)


@router.post("/cases/{case_id}/ready", response_model=CaseOut)
def ready(
    case: CurrentCase,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> CaseOut:
    """The result is ready for issuance."""
    cases.mark_ready(session=session, clock=clock, case=case, principal=principal)
    return _out(session, runtime, case)


@router.post("/cases/{case_id}/issue", response_model=CaseOut)
def issue(
    data: IssueIn,
    case: CurrentCase,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> CaseOut:
    """Hand the result over (R13): 409 if not ready or already issued."""
    cases.issue_result(session=session, clock=clock, case=case, principal=principal, data=data)
    return _out(session, runtime, case)


def _close(action: str, doc: str) -> Callable[..., CaseOut]:
    def route(
        data: ReasonIn,
        case: CurrentCase,
        session: SessionDep,
        principal: PrincipalDep,
        clock: ClockDep,
        runtime: RuntimeDep,
    ) -> CaseOut:
        cases.close_case(
            session=session,
            clock=clock,
            case=case,
            principal=principal,
            action=action,
            reason=data.reason,
        )
        return _out(session, runtime, case)

    route.__doc__ = doc
    route.__name__ = f"case_{action}"
    return route


router.post("/cases/{case_id}/refuse", response_model=CaseOut)(
    _close("refuse", "The applicant declined to take the result (with a reason).")
)
router.post("/cases/{case_id}/return", response_model=CaseOut)(
    _close("return", "The stored or refused result goes back to the agency (R14).")
)
router.post("/cases/{case_id}/archive", response_model=CaseOut)(
    _close("archive", "The case goes to the archive (R14).")
)


@router.post("/cases/{case_id}/visits", response_model=CaseOut)
def add_visit(
    data: LinkTicketIn,
    case: CurrentCase,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> CaseOut:
    """Link another ticket that served the case (R8)."""
    cases.link_visit(
        session=session, clock=clock, case=case, ticket_id=data.ticket_id, principal=principal
    )
    return _out(session, runtime, case)


# --- receipts ----------------------------------------------------------------------------


def _issuance_of(session: Session, case: Case) -> Issuance:
    issuance = session.scalar(select(Issuance).where(Issuance.case_id == case.id))
    if issuance is None:
        raise NotFound(
            f"Case {case.registration_number} has not been issued yet.", code="not_issued"
        )
    return issuance


def _window_of(session: Session, principal: Principal) -> int | None:
    window = session.scalar(select(Window).where(Window.clerk_id == principal.id))
    return window.number if window else None


@router.get("/cases/{case_id}/receipt", response_model=list[str])
def receipt_text(case: CurrentCase, session: SessionDep, runtime: RuntimeDep) -> list[str]:
    """The text of both copies of the intake receipt, as printed (for the screen)."""
    doc = receipts.intake_document(
        session=session, case=case, public_url=runtime.settings.public_url
    )
    return receipts.receipt_texts(doc)


@router.get("/cases/{case_id}/receipt.pdf", response_class=Response)
def receipt_pdf(case: CurrentCase, session: SessionDep, runtime: RuntimeDep) -> Response:
    """Both copies of the intake receipt/inventory as a PDF."""
    doc = receipts.intake_document(
        session=session, case=case, public_url=runtime.settings.public_url
    )
    body = receipts.to_pdf(doc, title=f"Расписка {case.registration_number}")
    filename = "receipt-" + case.registration_number.replace("/", "-") + ".pdf"
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@router.post("/cases/{case_id}/receipt/print", response_model=dict[str, str])
def print_receipt(
    case: CurrentCase, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep
) -> dict[str, str]:
    """Print both copies of the intake receipt on the clerk's workplace printer."""
    doc = receipts.intake_document(
        session=session, case=case, public_url=runtime.settings.public_url
    )
    settings = cases.case_settings(session=session, office_id=case.office_id)
    window_number = _window_of(session, principal)
    # Nothing was written: end the transaction before talking to the printer, so a slow
    # or silent printer never holds the database (SQLite's single write slot) meanwhile.
    session.commit()
    url = receipts.print_document(settings=settings, window_number=window_number, doc=doc)
    return {"printed": "intake_receipt", "printer": url.split("?")[0]}


@router.get("/cases/{case_id}/issuance-receipt.pdf", response_class=Response)
def issuance_pdf(case: CurrentCase, session: SessionDep) -> Response:
    """The issuance receipt as a PDF."""
    doc = receipts.issuance_document(
        session=session, case=case, issuance=_issuance_of(session, case)
    )
    body = receipts.to_pdf(doc, title=f"Выдача {case.registration_number}")
    filename = "issuance-" + case.registration_number.replace("/", "-") + ".pdf"
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@router.post("/cases/{case_id}/issuance-receipt/print", response_model=dict[str, str])
def print_issuance(
    case: CurrentCase, session: SessionDep, principal: PrincipalDep
) -> dict[str, str]:
    """Print the issuance receipt for the applicant's signature (R13)."""
    doc = receipts.issuance_document(
        session=session, case=case, issuance=_issuance_of(session, case)
    )
    settings = cases.case_settings(session=session, office_id=case.office_id)
    window_number = _window_of(session, principal)
    session.commit()  # read-only so far; free the database before the printer I/O
    url = receipts.print_document(settings=settings, window_number=window_number, doc=doc)
    return {"printed": "issuance_receipt", "printer": url.split("?")[0]}
