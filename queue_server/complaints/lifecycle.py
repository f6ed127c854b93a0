"""The life of a complaint after registration (R17): under review, answered or withdrawn.

One function per action; each checks the caller, moves the status and writes its step
through `history.record_step` (where an audit trail will hook in).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from queue_server.auth.service import Principal
from queue_server.clock import Clock
from queue_server.complaints import rules
from queue_server.complaints.access import require_office_staff
from queue_server.complaints.deadlines import local_date
from queue_server.complaints.exceptions import IllegalComplaintStep
from queue_server.complaints.history import record_step
from queue_server.complaints.models import (
    ANSWERED,
    REGISTERED,
    UNDER_REVIEW,
    WITHDRAWN,
    Complaint,
)
from queue_server.messages import Term
from queue_server.offices.models import Office

# action → (statuses it starts from, status it leads to)
STEPS: dict[str, tuple[tuple[str, ...], str]] = {
    "review": ((REGISTERED,), UNDER_REVIEW),
    "answer": ((REGISTERED, UNDER_REVIEW), ANSWERED),
    "withdraw": ((REGISTERED, UNDER_REVIEW), WITHDRAWN),
}


def _advance(complaint: Complaint, action: str) -> str:
    """Move the complaint along `action`; its previous status, or IllegalComplaintStep."""
    sources, target = STEPS[action]
    if complaint.status not in sources:
        raise IllegalComplaintStep(
            number=complaint.number,
            status=Term("complaint_status", complaint.status),
            allowed=tuple(Term("complaint_status", s) for s in sources),
        )
    previous = complaint.status
    complaint.status = target
    return previous


def start_review(
    *, session: Session, clock: Clock, complaint: Complaint, principal: Principal, note: str = ""
) -> Complaint:
    """The complaint is taken under review."""
    require_office_staff(principal, complaint.office_id)
    previous = _advance(complaint, "review")
    record_step(
        session,
        clock,
        complaint,
        action="review",
        from_status=previous,
        user_id=principal.id,
        note=note,
    )
    return complaint


def answer_complaint(
    *, session: Session, clock: Clock, complaint: Complaint, principal: Principal, answer: str
) -> Complaint:
    """The answer is given; whether within the term is recorded for the reports (R17)."""
    require_office_staff(principal, complaint.office_id)
    previous = _advance(complaint, "answer")
    now = clock.now()
    office = session.get(Office, complaint.office_id)
    assert office is not None
    complaint.answer = answer.strip()
    complaint.closed_at = now
    complaint.answered_on_time = not rules.is_late(complaint.answer_due, local_date(office, now))
    record_step(
        session,
        clock,
        complaint,
        action="answer",
        from_status=previous,
        user_id=principal.id,
        note=complaint.answer,
    )
    return complaint


def withdraw_complaint(
    *, session: Session, clock: Clock, complaint: Complaint, principal: Principal, reason: str
) -> Complaint:
    """The applicant withdrew the complaint; the reason is kept."""
    require_office_staff(principal, complaint.office_id)
    previous = _advance(complaint, "withdraw")
    complaint.closed_at = clock.now()
    record_step(
        session,
        clock,
        complaint,
        action="withdraw",
        from_status=previous,
        user_id=principal.id,
        note=reason.strip(),
    )
    return complaint
