"""Timed jobs of the complaints register, run by the scheduler on the injected clock (R17).

Each raises its event once per complaint, judged on the complaint's office's own date
(`deadline_events.raise_once`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from queue_server.clock import Clock
from queue_server.complaints import rules
from queue_server.complaints.history import complaint_payload
from queue_server.complaints.models import OPEN_STATUSES, Complaint
from queue_server.deadline_events import raise_once


def warn_of_complaints_near_their_term(*, session: Session, clock: Clock) -> int:
    """R17: an open complaint near its answer term raises `complaint.near_due` once."""
    return raise_once(
        session=session,
        clock=clock,
        flag=Complaint.near_due_flagged,
        day=Complaint.warn_from,
        has_come=lambda warn_from, today: today >= warn_from,
        where=[Complaint.status.in_(OPEN_STATUSES)],
        event="complaint.near_due",
        payload=complaint_payload,
    )


def flag_overdue_complaints(*, session: Session, clock: Clock) -> int:
    """R17: an open complaint past its answer term raises `complaint.overdue` once."""
    return raise_once(
        session=session,
        clock=clock,
        flag=Complaint.overdue_flagged,
        day=Complaint.answer_due,
        has_come=rules.is_late,
        where=[Complaint.status.in_(OPEN_STATUSES)],
        event="complaint.overdue",
        payload=complaint_payload,
    )
