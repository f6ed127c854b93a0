"""Finding cases: by id, by the receipt's number or code, by the applicant (R13), the register."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from queue_server.auth.service import Principal
from queue_server.cases.access import require_office_staff
from queue_server.cases.models import CASE_STATUSES, Case, CaseVisit, Issuance
from queue_server.cases.visits import visits_of
from queue_server.clock import Clock
from queue_server.errors import InvalidInput, NotFound
from queue_server.events.service import emit
from queue_server.offices.models import Office
from queue_server.tickets.models import Ticket
from queue_server.windows.models import Window
from queue_server.windows.service import get_window

# A register line names the office, service, variant and agency: loaded in the same query.
_REGISTER_LINE = (
    joinedload(Case.office),
    joinedload(Case.service),
    joinedload(Case.variant),
    joinedload(Case.agency),
)
# A full record also names the clerk who registered it.
_FULL_RECORD = (*_REGISTER_LINE, joinedload(Case.registrar))
_FOUND_AT_MOST = 50


@dataclass(frozen=True)
class CaseRecord:
    """A case with what its staff see besides its own row: the visits and the issuance."""

    case: Case
    visits: list[tuple[CaseVisit, Ticket]]
    issuance: Issuance | None


def get_case(*, session: Session, case_id: int, lock: bool = False) -> Case:
    """The case with this id, or 404; `lock` takes its row lock."""
    stmt = select(Case).where(Case.id == case_id)
    if lock:
        stmt = stmt.with_for_update()
    case = session.scalar(stmt)
    if case is None:
        raise NotFound(code="case_not_found")
    return case


def case_exists(*, session: Session, status_code: str) -> bool:
    """Whether a case's receipt carries this code (its public page says no more)."""
    return session.scalar(select(Case.id).where(Case.status_code == status_code)) is not None


def case_by_status_code(*, session: Session, status_code: str) -> Case:
    """The case whose receipt carries this unguessable code (R15), or 404."""
    case = session.scalar(select(Case).where(Case.status_code == status_code))
    if case is None:
        raise NotFound(code="case_not_found")
    return case


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


def _search(
    office: Office, number: str | None, name: str | None, document_number: str | None
) -> Select[Case]:
    stmt = select(Case).where(Case.office_id == office.id)
    if number:
        reg, code = _code_from_payload(number)
        if code is not None:
            return stmt.where(Case.status_code == code)
        assert reg is not None
        return stmt.where(Case.registration_number == reg)
    if name and document_number:
        return stmt.where(Case.applicant_key == applicant_key(name, document_number))
    raise InvalidInput(code="search_needs_terms")


def find_cases(
    *,
    session: Session,
    office: Office,
    principal: Principal,
    number: str | None = None,
    name: str | None = None,
    document_number: str | None = None,
) -> list[Case]:
    """R13: cases of the office by receipt number/code, or by applicant name and document."""
    require_office_staff(principal, office.id)
    stmt = _search(office, number, name, document_number).options(*_FULL_RECORD)
    return list(
        session.scalars(stmt.order_by(Case.registered_at.desc()).limit(_FOUND_AT_MOST)).unique()
    )


def record_scan(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    principal: Principal,
    window_number: int,
    payload: str,
) -> list[Case]:
    """A scanner at the window read a receipt: the cases found, announced to the window's page."""
    require_office_staff(principal, office.id)
    window = get_window(session=session, office=office, number=window_number)
    found = find_cases(session=session, office=office, principal=principal, number=payload)
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
    return found


def list_cases(
    *,
    session: Session,
    office: Office,
    principal: Principal,
    status: str | None = None,
    limit: int = 200,
) -> list[Case]:
    """The office's register, newest first, each line in the same single query."""
    require_office_staff(principal, office.id)
    if status is not None and status not in CASE_STATUSES:
        raise InvalidInput(code="unknown_status", status=status, allowed=", ".join(CASE_STATUSES))
    stmt = select(Case).where(Case.office_id == office.id).options(*_REGISTER_LINE)
    if status:
        stmt = stmt.where(Case.status == status)
    ordered = stmt.order_by(Case.year.desc(), Case.seq.desc()).limit(limit)
    return list(session.scalars(ordered).unique())


def case_records(*, session: Session, cases: list[Case]) -> list[CaseRecord]:
    """The cases with their visits and issuances: two queries however many cases."""
    visits = visits_of(session=session, cases=cases)
    issuances: dict[int, Issuance] = {}
    if cases:
        found = session.scalars(
            select(Issuance)
            .options(joinedload(Issuance.clerk))
            .where(Issuance.case_id.in_([c.id for c in cases]))
        )
        issuances = {i.case_id: i for i in found}
    return [CaseRecord(case, visits[case.id], issuances.get(case.id)) for case in cases]


def issuance_of(*, session: Session, case: Case) -> Issuance:
    """The issuance record of the case, or 404 when it was not issued yet."""
    issuance = session.scalar(select(Issuance).where(Issuance.case_id == case.id))
    if issuance is None:
        raise NotFound(code="not_issued", number=case.registration_number)
    return issuance


def window_of(*, session: Session, principal: Principal) -> int | None:
    """The number of the window the clerk has taken, if any (their workplace printer)."""
    window = session.scalar(select(Window).where(Window.clerk_id == principal.user_id))
    return window.number if window else None
