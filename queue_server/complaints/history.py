"""The one place each step of a complaint is written: the step row and its event.

Every action of the life cycle (register, review, answer, withdraw) ends here, so an
audit trail can hook in at one function.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.auth.models import User
from queue_server.clock import Clock
from queue_server.complaints.models import Complaint, ComplaintStep
from queue_server.events.service import emit


def complaint_payload(complaint: Complaint, **extra: Any) -> dict[str, Any]:
    """The event payload of a complaint: number, category, status, terms; no personal data."""
    return {
        "complaint_id": complaint.id,
        "number": complaint.number,
        "category": complaint.category,
        "status": complaint.status,
        "answer_due": complaint.answer_due.isoformat(),
        **extra,
    }


def record_step(
    session: Session,
    clock: Clock,
    complaint: Complaint,
    *,
    action: str,
    from_status: str | None,
    user_id: int | None,
    note: str = "",
) -> ComplaintStep:
    """Append the step with who and when, and emit `complaint.<status>` in the same transaction."""
    step = ComplaintStep(
        complaint_id=complaint.id,
        action=action,
        from_status=from_status,
        to_status=complaint.status,
        at=clock.now(),
        user_id=user_id,
        note=note,
    )
    session.add(step)
    emit(
        session=session,
        clock=clock,
        type=f"complaint.{complaint.status}",
        office_id=complaint.office_id,
        payload=complaint_payload(complaint, action=action),
    )
    return step


def steps_of(*, session: Session, complaint: Complaint) -> list[tuple[ComplaintStep, str | None]]:
    """The complaint's steps in order, each with the staff member's name."""
    rows = session.execute(
        select(ComplaintStep, User.full_name, User.username)
        .outerjoin(User, User.id == ComplaintStep.user_id)
        .where(ComplaintStep.complaint_id == complaint.id)
        .order_by(ComplaintStep.id)
    ).all()
    return [(step, (full or user) if user else None) for step, full, user in rows]
