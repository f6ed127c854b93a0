"""A complaint's terms on its office's production calendar (R17); who is near or past them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_server.complaints import rules
from queue_server.complaints.models import OPEN_STATUSES, Complaint
from queue_server.offices.calendar import local_now
from queue_server.offices.models import Office, OfficeDay
from queue_server.offices.service import overrides_for

# The dashboard lists complaints one by one up to this many of each kind, then counts them.
DASHBOARD_LINES = 5
# The office's own calendar dates around a term (15 working days fit in well under this).
_SPAN = timedelta(days=120)


@dataclass(frozen=True)
class Terms:
    """R17: the registration term after receipt; the answer's term and its warning day."""

    registration_due: date
    answer_due: date
    warn_from: date


def local_date(office: Office, moment: datetime) -> date:
    """The office's local date at an instant."""
    return local_now(office, moment).date()


def _overrides(session: Session, office: Office, start: date) -> dict[date, OfficeDay]:
    return overrides_for(
        session=session, office_id=office.id, start=start - _SPAN, end=start + _SPAN
    )


def complaint_terms(
    *, session: Session, office: Office, received_on: date, registered_on: date, category: str
) -> Terms:
    """R17: every term of a complaint received and registered on these local dates."""
    overrides = _overrides(session, office, registered_on)
    country = office.calendar_country
    answer_due = rules.answer_due(
        country=country, registered_on=registered_on, category=category, overrides=overrides
    )
    return Terms(
        registration_due=rules.registration_due(
            country=country, received_on=received_on, overrides=overrides
        ),
        answer_due=answer_due,
        warn_from=rules.warn_from(country=country, due=answer_due, overrides=overrides),
    )


def dashboard_alerts(*, session: Session, office: Office, now: datetime) -> list[dict[str, Any]]:
    """The dashboard's lines: open complaints past their answer term (red), then those near
    it (amber); one line each up to DASHBOARD_LINES, else one line with the count and the
    earliest ones."""
    today = local_date(office, now)
    open_here = (Complaint.office_id == office.id, Complaint.status.in_(OPEN_STATUSES))
    groups = (
        (True, Complaint.answer_due < today),
        (False, (Complaint.warn_from <= today) & (Complaint.answer_due >= today)),
    )
    alerts: list[dict[str, Any]] = []
    for late, condition in groups:
        rows = session.execute(
            select(Complaint.number, Complaint.answer_due)
            .where(*open_here, condition)
            .order_by(Complaint.answer_due, Complaint.id)
            .limit(DASHBOARD_LINES + 1)
        ).all()
        level, kind = ("red", "complaint_overdue") if late else ("amber", "complaint_near_due")
        if len(rows) <= DASHBOARD_LINES:
            for number, due in rows:
                when = due.strftime("%d.%m.%Y")
                text = f"срок ответа истёк {when}" if late else f"ответ нужно дать до {when}"
                alerts.append({"level": level, "kind": kind, "text": f"Жалоба № {number}: {text}"})
            continue
        count = session.scalar(select(func.count(Complaint.id)).where(*open_here, condition))
        first = ", ".join(f"№ {n} (до {d.strftime('%d.%m.%Y')})" for n, d in rows[:3])
        what = "с истёкшим сроком ответа" if late else "со сроком ответа в ближайшие дни"
        alerts.append(
            {"level": level, "kind": kind, "text": f"Жалоб {what}: {count}; первые: {first}"}
        )
    return alerts
