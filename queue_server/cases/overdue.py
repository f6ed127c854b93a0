"""The overdue list (R11): cases past the transfer day or the agency's term, with whether
and when the agency was asked why. Registration numbers only: no applicant's data."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from queue_server.auth.models import User
from queue_server.cases.deadlines import local_date
from queue_server.cases.models import REGISTERED, SENT, Case
from queue_server.cases.schemas import HandoverRowOut, OverdueCaseOut
from queue_server.catalogue.models import Agency
from queue_server.offices.models import Office


def overdue_cases(*, session: Session, office: Office, now: datetime) -> list[OverdueCaseOut]:
    """R11: the office's cases past a deadline, the longest late first."""
    today = local_date(office, now)
    cases = session.scalars(
        select(Case).where(
            Case.office_id == office.id,
            or_(
                (Case.status == REGISTERED) & (Case.transfer_due < today),
                Case.status.in_((REGISTERED, SENT))
                & Case.due_date.is_not(None)
                & (Case.due_date < today),
            ),
        )
    ).all()
    askers = {
        u.id: u.full_name or u.username
        for u in session.scalars(
            select(User).where(User.id.in_({c.explanation_requested_by for c in cases}))
        )
    }
    rows = []
    for case in cases:
        agency_late = case.due_date is not None and case.due_date < today
        due = case.due_date if agency_late and case.due_date else case.transfer_due
        rows.append(
            OverdueCaseOut(
                id=case.id,
                registration_number=case.registration_number,
                status=case.status,
                service=case.service.code,
                agency=case.agency.name,
                transfer_due=case.transfer_due,
                due_date=case.due_date,
                late="agency" if agency_late else "transfer",
                days_late=(today - due).days,
                explanation_requested_at=case.explanation_requested_at,
                explanation_requested_by=askers.get(case.explanation_requested_by)
                if case.explanation_requested_by
                else None,
            )
        )
    return sorted(rows, key=lambda r: (-r.days_late, r.registration_number))


def handover_report(
    *, session: Session, office: Office, start: date, end: date
) -> list[HandoverRowOut]:
    """R12: per agency, the results received from `start` to `end` (local dates), how many
    had their preparation time recorded, how many arrived late, and the mean hand-over time."""
    low = datetime.combine(start - timedelta(days=1), time(), tzinfo=UTC)
    high = datetime.combine(end + timedelta(days=2), time(), tzinfo=UTC)
    cases = [
        c
        for c in session.scalars(
            select(Case).where(
                Case.office_id == office.id,
                Case.result_received_at.is_not(None),
                Case.result_received_at >= low,
                Case.result_received_at < high,
            )
        )
        if c.result_received_at is not None
        and start <= local_date(office, c.result_received_at) <= end
    ]
    by_agency: dict[int, list[Case]] = defaultdict(list)
    for case in cases:
        by_agency[case.agency_id].append(case)
    agencies = {a.id: a for a in session.scalars(select(Agency).where(Agency.id.in_(by_agency)))}
    rows = []
    for agency_id, received in by_agency.items():
        timed = [c for c in received if c.result_prepared_at is not None]
        hours = [
            (c.result_received_at - c.result_prepared_at).total_seconds() / 3600
            for c in timed
            if c.result_received_at is not None and c.result_prepared_at is not None
        ]
        rows.append(
            HandoverRowOut(
                agency=agencies[agency_id].code,
                agency_name=agencies[agency_id].name,
                received=len(received),
                with_prepared_time=len(timed),
                late=sum(1 for c in timed if c.result_handover_late),
                average_hours=round(sum(hours) / len(hours), 1) if hours else None,
            )
        )
    return sorted(rows, key=lambda r: r.agency)
