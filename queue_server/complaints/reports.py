"""The complaints report (R8, R17): counts per office, category, clerk and service, with
the share answered within the term. Counts only: no applicant's data leaves the register."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.auth.models import User
from queue_server.catalogue.models import Service
from queue_server.complaints import rules
from queue_server.complaints.deadlines import local_date
from queue_server.complaints.models import ANSWERED, OPEN_STATUSES, Complaint
from queue_server.complaints.schemas import ComplaintReportOut, ReportRowOut
from queue_server.offices.models import Office


@dataclass
class _Tally:
    total: int = 0
    answered: int = 0
    on_time: int = 0
    open: int = 0
    overdue: int = 0

    def add(self, complaint: Any, today: date) -> None:
        self.total += 1
        if complaint.status == ANSWERED:
            self.answered += 1
            self.on_time += 1 if complaint.answered_on_time else 0
            self.overdue += 0 if complaint.answered_on_time else 1
        elif complaint.status in OPEN_STATUSES:
            self.open += 1
            self.overdue += 1 if rules.is_late(complaint.answer_due, today) else 0

    def row(self, key: str | None, name: str) -> ReportRowOut:
        return ReportRowOut(
            key=key,
            name=name,
            total=self.total,
            answered=self.answered,
            answered_on_time=self.on_time,
            open=self.open,
            overdue=self.overdue,
            on_time_share=round(self.on_time / self.answered, 4) if self.answered else None,
        )


def _rows(
    complaints: list[tuple[Any, date]],
    key: Callable[[Any], str | None],
    names: dict[str | None, str],
) -> list[ReportRowOut]:
    tallies: dict[str | None, _Tally] = defaultdict(_Tally)
    for complaint, today in complaints:
        tallies[key(complaint)].add(complaint, today)
    rows = [tally.row(k, names.get(k, k or "не указано")) for k, tally in tallies.items()]
    return sorted(rows, key=lambda r: (-r.total, r.name))


def complaint_report(
    *, session: Session, offices: list[Office], start: date, end: date, now: datetime
) -> ComplaintReportOut:
    """Complaints registered from `start` to `end` (the offices' local dates, inclusive)."""
    by_id = {o.id: o for o in offices}
    # A day's margin each side covers every time zone; the local date decides below.
    low = datetime.combine(start - timedelta(days=1), time(), tzinfo=UTC)
    high = datetime.combine(end + timedelta(days=2), time(), tzinfo=UTC)
    # The columns the counts need, not whole rows: the texts stay in the database.
    found = session.execute(
        select(
            Complaint.office_id,
            Complaint.registered_at,
            Complaint.status,
            Complaint.category,
            Complaint.clerk_id,
            Complaint.service_id,
            Complaint.answer_due,
            Complaint.answered_on_time,
        ).where(
            Complaint.office_id.in_(list(by_id)),
            Complaint.registered_at >= low,
            Complaint.registered_at < high,
        )
    ).all()
    zones = {o.id: ZoneInfo(o.timezone) for o in offices}
    today = {o.id: local_date(o, now) for o in offices}
    chosen = [
        (c, today[c.office_id])
        for c in found
        if start <= c.registered_at.astimezone(zones[c.office_id]).date() <= end
    ]
    clerk_ids = {c.clerk_id for c, _ in chosen if c.clerk_id is not None}
    service_ids = {c.service_id for c, _ in chosen if c.service_id is not None}
    users = list(session.scalars(select(User).where(User.id.in_(clerk_ids))))
    login = {u.id: u.username for u in users}
    clerks: dict[str | None, str] = {u.username: u.full_name or u.username for u in users}
    known = list(session.scalars(select(Service).where(Service.id.in_(service_ids))))
    service_code = {s.id: s.code for s in known}
    services: dict[str | None, str] = {s.code: s.name_ru for s in known}
    categories: dict[str | None, str] = dict(rules.CATEGORY_RU.items())
    return ComplaintReportOut(
        start=start,
        end=end,
        total=len(chosen),
        by_office=_rows(
            chosen, lambda c: by_id[c.office_id].code, {o.code: o.name for o in offices}
        ),
        by_category=_rows(chosen, lambda c: c.category, categories),
        by_clerk=_rows(chosen, lambda c: login.get(c.clerk_id) if c.clerk_id else None, clerks),
        by_service=_rows(
            chosen,
            lambda c: service_code.get(c.service_id) if c.service_id is not None else None,
            services,
        ),
    )
