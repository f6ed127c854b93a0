"""Routes: intake, the register, the case life cycle, issuance, receipts, public status.

Each route parses, calls a service of the case domain and returns a presenter's result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Query, Response
from sqlalchemy.orm import Session

from queue_server.api import api_router
from queue_server.audit.service import record, writes_audit
from queue_server.cases import (
    access,
    deadlines,
    history,
    intake,
    issuance,
    lifecycle,
    office_settings,
    presenters,
    receipts,
    visits,
)
from queue_server.cases import lookup as case_lookup
from queue_server.cases import overdue as late_cases
from queue_server.cases.models import Case
from queue_server.cases.schemas import (
    CaseOut,
    CaseSettingsIn,
    CaseSettingsOut,
    CaseSummaryOut,
    ExplanationRequestIn,
    HandoverRowOut,
    IntakeFormOut,
    IntakeIn,
    IssueIn,
    LinkTicketIn,
    LookupOut,
    OverdueCaseOut,
    PublicCaseOut,
    ReasonIn,
    ResultIn,
    ScanIn,
    SendIn,
    StepOut,
    TicketCaseOut,
)
from queue_server.catalogue.service import get_service
from queue_server.deps import (
    ClockDep,
    CurrentOffice,
    CurrentTicket,
    PrincipalDep,
    RuntimeDep,
    SessionDep,
)
from queue_server.outbound import OutboundRules
from queue_server.report_scope import check_period
from queue_server.types import Code, Day, HolderCode, Id, SearchText, WindowNumber

router = api_router(tags=["cases"])

# The longest period of the hand-over report (R12), as the other reports' (report_scope).
MAX_REPORT_DAYS = 366


def get_case(case_id: Id, session: SessionDep, principal: PrincipalDep) -> Case:
    """The case in the path, locked for the change, visible only to its office's staff."""
    case = case_lookup.get_case(session=session, case_id=case_id, lock=True)
    access.require_office_staff(principal, case.office_id)
    return case


CurrentCase = Annotated[Case, Depends(get_case)]


def _out(session: Session, runtime: RuntimeDep, case: Case) -> CaseOut:
    return _outs(session, runtime, [case])[0]


def _outs(session: Session, runtime: RuntimeDep, cases: list[Case]) -> list[CaseOut]:
    records = case_lookup.case_records(session=session, cases=cases)
    return [presenters.case_out(r, runtime.settings.public_url) for r in records]


# --- public (no login, no personal data) -------------------------------------------------


@router.get("/cases/status/{status_code}", response_model=PublicCaseOut)
def public_case_status(status_code: HolderCode, session: SessionDep) -> PublicCaseOut:
    """A case's progress by the unguessable code on its receipt (R15); no personal data."""
    case = case_lookup.case_by_status_code(session=session, status_code=status_code)
    return presenters.public_case_out(case, history.public_steps(session=session, case=case))


# --- the register ------------------------------------------------------------------------


@router.post("/offices/{code}/cases", response_model=CaseOut, status_code=201)
def register_intake(
    data: IntakeIn,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    runtime: RuntimeDep,
    response: Response,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=8, max_length=100)
    ] = None,
) -> CaseOut:
    """Register an intake case (R9–R11); the same Idempotency-Key gives the same case."""
    case, created = intake.register_intake_once(
        session=session,
        clock=clock,
        office=office,
        principal=principal,
        data=data,
        idempotency_key=idempotency_key,
    )
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return _out(session, runtime, case)


@router.get("/services/{service_code}/intake-form", response_model=IntakeFormOut)
def intake_form(service_code: Code, session: SessionDep, principal: PrincipalDep) -> IntakeFormOut:
    """The variants and the document checklist (with ids) the intake form shows."""
    access.require_staff(principal)
    return presenters.intake_form_out(get_service(session=session, code=service_code))


@router.get("/offices/{code}/cases", response_model=list[CaseSummaryOut])
def list_cases(
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    status: Code | None = None,
    limit: int = Query(default=200, ge=1, le=1000),
) -> list[CaseSummaryOut]:
    """The office's register, newest first."""
    found = case_lookup.list_cases(
        session=session, office=office, principal=principal, status=status, limit=limit
    )
    return [presenters.summary_out(c) for c in found]


@router.get("/offices/{code}/cases/lookup", response_model=LookupOut)
@writes_audit
def lookup(
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    clock: ClockDep,
    number: SearchText | None = Query(default=None, max_length=300),
    name: SearchText | None = Query(default=None, max_length=200),
    document_number: SearchText | None = Query(default=None, max_length=50),
) -> LookupOut:
    """Find cases for issuance: by receipt number/code, or by applicant name and document."""
    found = case_lookup.find_cases(
        session=session,
        office=office,
        principal=principal,
        number=number,
        name=name,
        document_number=document_number,
    )
    if name or document_number:  # a search by the applicant's details shows personal data
        record(
            session,
            principal,
            "personal_data_viewed",
            office,
            "поиск дел по данным заявителя",
            {
                "by": [k for k, v in (("name", name), ("document", document_number)) if v],
                "cases": [c.registration_number for c in found],
            },
            clock=clock,
        )
    return LookupOut(cases=_outs(session, runtime, found))


@router.post("/offices/{code}/windows/{number}/scans", response_model=LookupOut)
def scanned(
    number: WindowNumber,
    data: ScanIn,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> LookupOut:
    """A scanner at the window read a receipt: find the case and tell the window's page."""
    found = case_lookup.record_scan(
        session=session,
        clock=clock,
        office=office,
        principal=principal,
        window_number=number,
        payload=data.payload,
    )
    return LookupOut(cases=_outs(session, runtime, found))


@router.get("/offices/{code}/case-settings", response_model=CaseSettingsOut)
def get_case_settings(
    office: CurrentOffice, session: SessionDep, principal: PrincipalDep
) -> CaseSettingsOut:
    """Storage period, courier days and workplace printers of the office (its managers)."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    row = office_settings.case_settings(session=session, office_id=office.id)
    return presenters.settings_out(office, row)


def _allowed_printers(data: CaseSettingsIn, runtime: RuntimeDep) -> CaseSettingsIn:
    """The settings, once every printer URL passed the operator's rules (422 otherwise).

    A dependency declared first, so the check (it may ask DNS) runs before the request's
    transaction opens: a slow resolver never holds the database's write slot.
    """
    office_settings.check_printers(data=data, rules=OutboundRules.from_settings(runtime.settings))
    return data


@router.put("/offices/{code}/case-settings", response_model=CaseSettingsOut)
def put_case_settings(
    data: Annotated[CaseSettingsIn, Depends(_allowed_printers)],
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> CaseSettingsOut:
    """Replace the office's case settings (admin, manager)."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    row = office_settings.put_case_settings(session=session, office=office, data=data)
    record(session, principal, "case_settings_changed", office, office.code, {}, clock=clock)
    return presenters.settings_out(office, row)


@router.get("/offices/{code}/cases/overdue", response_model=dict[str, int])
def overdue(
    office: CurrentOffice, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> dict[str, int]:
    """How many cases are past their transfer or agency deadline, and how many are stored."""
    principal.require_office(office.id)
    principal.require_staff()
    return deadlines.overdue_counts(session=session, office=office, now=clock.now())


@router.get("/offices/{code}/cases/overdue/list", response_model=list[OverdueCaseOut])
def overdue_list(
    office: CurrentOffice, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> list[OverdueCaseOut]:
    """R11: the cases past a deadline, and who asked the agency why, when (no personal data)."""
    principal.require_office(office.id)
    principal.require_staff()
    return late_cases.overdue_cases(session=session, office=office, now=clock.now())


@router.get("/offices/{code}/cases/handover", response_model=list[HandoverRowOut])
def handover(
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    start: Annotated[Day, Query(alias="from", description="First local date, inclusive")],
    end: Annotated[Day, Query(alias="to", description="Last local date, inclusive")],
) -> list[HandoverRowOut]:
    """R12: per agency, results received in the period and how many came after 1 working day."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    check_period(start, end, max_days=MAX_REPORT_DAYS)
    return late_cases.handover_report(session=session, office=office, start=start, end=end)


@router.get("/tickets/{ticket_id}/cases", response_model=list[TicketCaseOut])
def cases_of_ticket(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep
) -> list[TicketCaseOut]:
    """The records a ticket produced or served (R8)."""
    found = visits.cases_of_ticket(session=session, ticket=ticket, principal=principal)
    return [presenters.ticket_case_out(case, purpose) for case, purpose in found]


# --- one case ----------------------------------------------------------------------------


@router.get("/cases/{case_id}", response_model=CaseOut)
@writes_audit
def read_case(
    case: CurrentCase,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> CaseOut:
    """One case with the applicant's details (staff of its office only, R16)."""
    record(
        session,
        principal,
        "personal_data_viewed",
        case.office_id,
        case.registration_number,
        {},
        clock=clock,
    )
    return _out(session, runtime, case)


@router.get("/cases/{case_id}/history", response_model=list[StepOut])
def case_history(case: CurrentCase, session: SessionDep) -> list[StepOut]:
    """Every step of the case with time and clerk (append-only)."""
    steps = history.history_of(session=session, case=case)
    return [presenters.step_out(step, clerk) for step, clerk in steps]


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
    lifecycle.send_to_agency(
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
    lifecycle.register_result(
        session=session, clock=clock, case=case, principal=principal, data=data
    )
    return _out(session, runtime, case)


@router.post("/cases/{case_id}/explanation-request", response_model=CaseOut)
def explanation_request(
    data: ExplanationRequestIn,
    case: CurrentCase,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> CaseOut:
    """R11: the agency is past its term: ask it why (the step keeps who and when)."""
    lifecycle.request_explanation(
        session=session, clock=clock, case=case, principal=principal, note=data.note
    )
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
    lifecycle.mark_ready(session=session, clock=clock, case=case, principal=principal)
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
    issuance.issue_result(session=session, clock=clock, case=case, principal=principal, data=data)
    by = {"by_representative": data.representative is not None, "ticket_id": data.ticket_id}
    record(
        session,
        principal,
        "result_issued",
        case.office_id,
        case.registration_number,
        by,
        clock=clock,
    )
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
        lifecycle.close_case(
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
    visits.link_visit(
        session=session, clock=clock, case=case, ticket_id=data.ticket_id, principal=principal
    )
    return _out(session, runtime, case)


# --- receipts ----------------------------------------------------------------------------


@router.get("/cases/{case_id}/receipt", response_model=list[str])
def receipt_text(case: CurrentCase, runtime: RuntimeDep) -> list[str]:
    """The text of both copies of the intake receipt, as printed (for the screen)."""
    return receipts.receipt_texts(case, public_url=runtime.settings.public_url)


@router.get("/cases/{case_id}/receipt.pdf", response_class=Response)
def receipt_pdf(case: CurrentCase, runtime: RuntimeDep) -> Response:
    """Both copies of the intake receipt/inventory as a PDF."""
    body = receipts.intake_receipt_pdf(case, public_url=runtime.settings.public_url)
    return presenters.pdf_response(body, kind="receipt", case=case)


@router.post("/cases/{case_id}/receipt/print", response_model=dict[str, str])
def print_receipt(
    case: CurrentCase,
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    clock: ClockDep,
) -> dict[str, str]:
    """Print both copies of the intake receipt on the clerk's workplace printer."""
    record(
        session,
        principal,
        "reprint",
        case.office_id,
        case.registration_number,
        {"document": "расписка"},
        clock=clock,
    )
    url = receipts.print_intake_receipt(
        session=session,
        case=case,
        principal=principal,
        public_url=runtime.settings.public_url,
        rules=OutboundRules.from_settings(runtime.settings),
    )
    return presenters.printed_out("intake_receipt", url)


@router.get("/cases/{case_id}/issuance-receipt.pdf", response_class=Response)
def issuance_pdf(case: CurrentCase, session: SessionDep) -> Response:
    """The issuance receipt as a PDF."""
    body = receipts.issuance_receipt_pdf(session=session, case=case)
    return presenters.pdf_response(body, kind="issuance", case=case)


@router.post("/cases/{case_id}/issuance-receipt/print", response_model=dict[str, str])
def print_issuance(
    case: CurrentCase,
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    clock: ClockDep,
) -> dict[str, str]:
    """Print the issuance receipt for the applicant's signature (R13)."""
    record(
        session,
        principal,
        "reprint",
        case.office_id,
        case.registration_number,
        {"document": "расписка о выдаче"},
        clock=clock,
    )
    url = receipts.print_issuance_receipt(
        session=session,
        case=case,
        principal=principal,
        rules=OutboundRules.from_settings(runtime.settings),
    )
    return presenters.printed_out("issuance_receipt", url)
