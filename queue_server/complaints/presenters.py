"""Complaints as the API shows them: in full to their office's staff, a receipt to the applicant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from queue_server.auth.models import User
from queue_server.cases.models import Case
from queue_server.complaints import rules
from queue_server.complaints.deadlines import local_date
from queue_server.complaints.history import steps_of
from queue_server.complaints.models import OPEN_STATUSES, STATUS_RU, Complaint
from queue_server.complaints.schemas import ComplaintOut, PublicComplaintOut, StepOut
from queue_server.offices.models import Office
from queue_server.tickets.models import Ticket
from queue_server.windows.models import Window


def _name(user: User | None) -> str | None:
    return (user.full_name or user.username) if user is not None else None


def complaint_out(
    *, session: Session, complaint: Complaint, now: datetime, with_steps: bool = True
) -> ComplaintOut:
    """The complaint with what it concerns, its terms and (optionally) every step."""
    office = complaint.office
    ticket = session.get(Ticket, complaint.ticket_id) if complaint.ticket_id else None
    case = session.get(Case, complaint.case_id) if complaint.case_id else None
    window = session.get(Window, complaint.window_id) if complaint.window_id else None
    registrar = session.get(User, complaint.registered_by) if complaint.registered_by else None
    state = (
        rules.deadline_state(
            today=local_date(office, now), warn_on=complaint.warn_from, due=complaint.answer_due
        )
        if complaint.status in OPEN_STATUSES
        else "closed"
    )
    steps = (
        [
            StepOut(
                action=step.action,
                from_status=step.from_status,
                to_status=step.to_status,
                at=step.at,
                by=by,
                note=step.note,
            )
            for step, by in steps_of(session=session, complaint=complaint)
        ]
        if with_steps
        else []
    )
    return ComplaintOut(
        id=complaint.id,
        number=complaint.number,
        office=office.code,
        source=complaint.source,
        category=complaint.category,
        category_ru=rules.CATEGORY_RU[complaint.category],
        status=complaint.status,
        status_ru=STATUS_RU[complaint.status],
        applicant_name=complaint.applicant_name,
        applicant_contact=complaint.applicant_contact,
        text=complaint.text,
        reference=complaint.reference,
        ticket_number=ticket.number if ticket else None,
        case_number=case.registration_number if case else None,
        window=window.number if window else None,
        clerk=_name(complaint.clerk),
        service=complaint.service.code if complaint.service else None,
        service_name=complaint.service.name_ru if complaint.service else None,
        received_at=complaint.received_at,
        registered_at=complaint.registered_at,
        registered_by=_name(registrar),
        registration_due=complaint.registration_due,
        registered_late=complaint.registered_late,
        answer_due=complaint.answer_due,
        deadline_state=state,
        answer=complaint.answer,
        closed_at=complaint.closed_at,
        answered_on_time=complaint.answered_on_time,
        steps=steps,
    )


def public_complaint_out(complaint: Complaint, office: Office) -> PublicComplaintOut:
    """What the applicant sees after sending: the number and the answer's term (R17)."""
    return PublicComplaintOut(
        number=complaint.number,
        office_name=office.name,
        category_ru=rules.CATEGORY_RU[complaint.category],
        registered_at=complaint.registered_at,
        answer_due=complaint.answer_due,
        answer_working_days=rules.answer_term(complaint.category),
    )
