"""Routes: the public complaint form's API, the office's register, the steps, the report.

Each route parses, calls a service of the complaints domain and returns a presenter's result.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Request
from sqlalchemy import select

from queue_server.api import api_router
from queue_server.complaints import lifecycle, register
from queue_server.complaints.access import require_office_staff
from queue_server.complaints.exceptions import ComplaintNotFound
from queue_server.complaints.models import Complaint
from queue_server.complaints.presenters import complaint_out, public_complaint_out
from queue_server.complaints.reports import complaint_report
from queue_server.complaints.schemas import (
    AnswerIn,
    ComplaintIn,
    ComplaintOut,
    ComplaintReportOut,
    PublicComplaintIn,
    PublicComplaintOut,
    ReviewIn,
    WithdrawIn,
)
from queue_server.deps import ClockDep, CurrentOffice, PrincipalDep, RuntimeDep, SessionDep
from queue_server.report_scope import check_period, offices_to_report
from queue_server.types import Code, Day, Id

router = api_router(tags=["complaints"])

#: The longest period one report covers.
MAX_REPORT_DAYS = 366


def get_complaint(complaint_id: Id, session: SessionDep, principal: PrincipalDep) -> Complaint:
    """The complaint in the path, locked for the change, visible only to its office's staff."""
    complaint = session.scalar(
        select(Complaint).where(Complaint.id == complaint_id).with_for_update()
    )
    if complaint is None:
        raise ComplaintNotFound()
    require_office_staff(principal, complaint.office_id)
    return complaint


CurrentComplaint = Annotated[Complaint, Depends(get_complaint)]


# --- public (no login): the applicant sends a complaint -----------------------------------


@router.post(
    "/public/offices/{code}/complaints",
    response_model=PublicComplaintOut,
    status_code=201,
    tags=["public"],
)
def send_complaint(
    data: PublicComplaintIn,
    office: CurrentOffice,
    session: SessionDep,
    clock: ClockDep,
    request: Request,
    runtime: RuntimeDep,
) -> PublicComplaintOut:
    """The applicant's complaint, registered on receipt: its number and the answer's term (R17).

    At most MFCQ_PUBLIC_COMPLAINTS_PER_HOUR from one client address an hour (429 beyond).
    """
    complaint = register.receive_public_complaint(
        session=session,
        clock=clock,
        office=office,
        data=data,
        address=request.client.host if request.client else "",
        per_hour=runtime.settings.public_complaints_per_hour,
    )
    return public_complaint_out(complaint, office)


# --- the office's register (its own staff: personal data, R16) ---------------------------


@router.post("/offices/{code}/complaints", response_model=ComplaintOut, status_code=201)
def register_complaint(
    data: ComplaintIn,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> ComplaintOut:
    """Register a complaint received in person, on paper or by post (R17)."""
    complaint = register.register_complaint(
        session=session, clock=clock, office=office, principal=principal, data=data
    )
    return complaint_out(session=session, complaint=complaint, now=clock.now())


@router.get("/offices/{code}/complaints", response_model=list[ComplaintOut])
def list_complaints(
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    status: Literal["registered", "under_review", "answered", "withdrawn"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ComplaintOut]:
    """The office's complaints register, newest first (without the steps)."""
    require_office_staff(principal, office.id)
    query = select(Complaint).where(Complaint.office_id == office.id)
    if status is not None:
        query = query.where(Complaint.status == status)
    found = session.scalars(query.order_by(Complaint.id.desc()).limit(limit)).all()
    now = clock.now()
    return [complaint_out(session=session, complaint=c, now=now, with_steps=False) for c in found]


@router.get("/complaints/{complaint_id}", response_model=ComplaintOut)
def read_complaint(
    complaint: CurrentComplaint, session: SessionDep, clock: ClockDep
) -> ComplaintOut:
    """One complaint with every step: who and when."""
    return complaint_out(session=session, complaint=complaint, now=clock.now())


@router.post("/complaints/{complaint_id}/review", response_model=ComplaintOut)
def review(
    data: ReviewIn,
    complaint: CurrentComplaint,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> ComplaintOut:
    """Take the complaint under review."""
    lifecycle.start_review(
        session=session, clock=clock, complaint=complaint, principal=principal, note=data.note
    )
    return complaint_out(session=session, complaint=complaint, now=clock.now())


@router.post("/complaints/{complaint_id}/answer", response_model=ComplaintOut)
def answer(
    data: AnswerIn,
    complaint: CurrentComplaint,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> ComplaintOut:
    """Record the answer given; on time or late against the term (R17)."""
    lifecycle.answer_complaint(
        session=session, clock=clock, complaint=complaint, principal=principal, answer=data.answer
    )
    return complaint_out(session=session, complaint=complaint, now=clock.now())


@router.post("/complaints/{complaint_id}/withdraw", response_model=ComplaintOut)
def withdraw(
    data: WithdrawIn,
    complaint: CurrentComplaint,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> ComplaintOut:
    """The applicant withdrew the complaint."""
    lifecycle.withdraw_complaint(
        session=session, clock=clock, complaint=complaint, principal=principal, reason=data.reason
    )
    return complaint_out(session=session, complaint=complaint, now=clock.now())


# --- the report (counts only): managers of the office, admins ----------------------------


@router.get("/reports/complaints", response_model=ComplaintReportOut, tags=["reports"])
def report(
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    start: Annotated[Day, Query(alias="from", description="First local date, inclusive")],
    end: Annotated[Day, Query(alias="to", description="Last local date, inclusive")],
    office: Annotated[Code | None, Query(description="One office; all you may see if none")] = None,
) -> ComplaintReportOut:
    """Complaints per office, category, clerk and service, with the share answered on time."""
    check_period(start, end, max_days=MAX_REPORT_DAYS)
    codes = [office] if office is not None else None
    offices = offices_to_report(session=session, principal=principal, codes=codes)
    return complaint_report(session=session, offices=offices, start=start, end=end, now=clock.now())
