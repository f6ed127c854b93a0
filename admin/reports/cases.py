"""Case reports: visits per case (R8) and the case deadlines (R11, R12, R14), in SQL.

* **Visits per case**: cases registered on a local date of the period; a visit is a ticket
  linked to the case (`case_visits`: intake, issuance, other). R8 allows at most two.
* **Deadlines** whose date falls in the period: the transfer to the agency (`transfer_due`,
  done on the local date of `sent_at`), the agency's term (`due_date`, done when the result
  arrived, `result_received_at`), and collection of the result (`storage_until`, done on
  the local date of the issuance). A deadline is **late** when it was done after its date,
  or is still not done and the office's local today is past it; days late are calendar
  days to the day it was done, or to today.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, case, func, literal, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from admin.reports.scope import Scope, offset_expr
from admin.reports.sql import days_between, local_date
from admin.reports.tables import Column, Table
from queue_server.cases.models import Case, CaseVisit, Issuance
from queue_server.catalogue.models import Agency, Service
from queue_server.offices.models import Office

DEADLINE_KINDS = ("transfer", "agency", "collection")
_KIND_LABELS = {
    "transfer": ("передача в орган", "transfer to the agency"),
    "agency": ("срок органа", "agency's term"),
    "collection": ("результат не получен", "result uncollected"),
}


_VISITS_COLUMNS = [
    Column("office", "Офис", "Office"),
    Column("cases", "Дел", "Cases", "int"),
    Column("visits", "Посещений", "Visits", "int"),
    Column("mean_visits", "В среднем", "Mean", "number"),
    Column("max_visits", "Наибольшее", "Most", "int"),
    Column("within_2", "Дел с ≤ 2", "Cases with ≤ 2", "int"),
    Column("within_2_share", "Доля с ≤ 2", "Share with ≤ 2", "share"),
]
_DISTRIBUTION_COLUMNS = [
    Column("office", "Офис", "Office"),
    Column("visits", "Посещений", "Visits", "int"),
    Column("cases", "Дел", "Cases", "int"),
]
_DEADLINE_COLUMNS = [
    Column("office", "Офис", "Office"),
    Column("kind_ru", "Срок", "Deadline"),
    Column("due", "Сроков в периоде", "Due in period", "int"),
    Column("late", "Нарушено", "Late", "int"),
    Column("late_share", "Доля нарушенных", "Share late", "share"),
    Column("open_late", "Не исполнено до сих пор", "Still not done", "int"),
    Column("max_days_late", "Наибольшая просрочка, дн.", "Most days late", "int"),
]
_OVERDUE_COLUMNS = [
    Column("office", "Офис", "Office"),
    Column("number", "Рег. номер", "Number"),
    Column("kind_ru", "Срок", "Deadline"),
    Column("service", "Услуга", "Service"),
    Column("agency", "Орган", "Agency"),
    Column("due", "Срок до", "Due"),
    Column("done", "Исполнено", "Done"),
    Column("days_late", "Просрочка, дн.", "Days late", "int"),
    Column("status", "Состояние дела", "Case status"),
]


def _today(scope: Scope, now: datetime, office_col: ColumnElement[Any]) -> ColumnElement[Any]:
    """Each row's office local date at `now`: open deadlines are late against this day."""
    todays = {o.id: now.astimezone(ZoneInfo(o.timezone)).date() for o in scope.offices}
    if len(set(todays.values())) == 1:
        return literal(next(iter(todays.values())), Date())
    return case({k: literal(v, Date()) for k, v in todays.items()}, value=office_col)


def _visit_counts(scope: Scope) -> Any:
    """One row per case registered in the period with its number of visits."""
    offset = offset_expr(scope, Case.__table__.c.office_id)
    registered = local_date(Case.registered_at, offset)
    return (
        select(
            Case.id.label("case_id"),
            Case.office_id.label("office_id"),
            func.count(CaseVisit.id).label("visits"),
        )
        .outerjoin(CaseVisit, CaseVisit.case_id == Case.id)
        .where(
            Case.office_id.in_(scope.office_ids),
            registered >= scope.start,
            registered <= scope.end,
        )
        .group_by(Case.id, Case.office_id)
        .subquery("case_visit_counts")
    )


def _visit_summary_rows(session: Session, counts: Any) -> list[dict[str, Any]]:
    """Per office: cases, visits, mean and most visits, cases within R8's two visits."""
    c = counts.c
    summary = (
        select(
            Office.code.label("office"),
            func.count().label("cases"),
            func.sum(c.visits).label("visits"),
            func.sum(case((c.visits <= 2, 1), else_=0)).label("within"),
            func.max(c.visits).label("max_visits"),
        )
        .join(Office, Office.id == c.office_id)
        .group_by(Office.code)
        .order_by(Office.code)
    )
    rows = []
    for r in session.execute(summary):
        cases, visits, within = int(r.cases), int(r.visits or 0), int(r.within or 0)
        rows.append(
            {
                "office": r.office,
                "cases": cases,
                "visits": visits,
                "mean_visits": round(visits / cases, 2) if cases else None,
                "max_visits": int(r.max_visits or 0),
                "within_2": cases and within,
                "within_2_share": round(within / cases, 4) if cases else None,
            }
        )
    return rows


def visits_per_case(session: Session, scope: Scope) -> list[Table]:
    """Per office: cases, visits, share of cases with at most 2 visits; and the distribution."""
    counts = _visit_counts(scope)
    c = counts.c
    rows = _visit_summary_rows(session, counts)
    distribution = (
        select(Office.code.label("office"), c.visits, func.count().label("cases"))
        .join(Office, Office.id == c.office_id)
        .group_by(Office.code, c.visits)
        .order_by(Office.code, c.visits)
    )
    dist_rows = [
        {"office": r.office, "visits": int(r.visits), "cases": int(r.cases)}
        for r in session.execute(distribution)
    ]
    return [
        Table(
            "case_visits",
            "Посещения на дело (не более двух)",
            "Visits per case (at most two)",
            list(_VISITS_COLUMNS),
            rows,
            note="Дела, зарегистрированные в периоде; посещение — талон, связанный с делом.",
        ),
        Table(
            "case_visits_distribution",
            "Распределение дел по числу посещений",
            "Cases by number of visits",
            list(_DISTRIBUTION_COLUMNS),
            dist_rows,
        ),
    ]


def _deadlines(scope: Scope, now: datetime) -> Any:
    """Every case deadline dated in the period: kind, date, when done (local), days late."""
    offset = offset_expr(scope, Case.__table__.c.office_id)
    today = _today(scope, now, Case.__table__.c.office_id)

    def one(kind: str, due: Any, done: Any, *joins: Any) -> Any:
        until = func.coalesce(done, today)
        query = select(
            Case.id.label("case_id"),
            Case.office_id.label("office_id"),
            Case.registration_number.label("number"),
            Case.service_id.label("service_id"),
            Case.agency_id.label("agency_id"),
            Case.status.label("status"),
            literal(kind).label("kind"),
            due.label("due"),
            done.label("done"),
            case((until > due, days_between(due, until)), else_=0).label("days_late"),
        )
        for target, on in joins:
            query = query.outerjoin(target, on)
        return query.where(
            Case.office_id.in_(scope.office_ids),
            due.is_not(None),
            due >= scope.start,
            due <= scope.end,
        )

    issued = local_date(Issuance.issued_at, offset)
    return union_all(
        one("transfer", Case.transfer_due, local_date(Case.sent_at, offset)),
        one("agency", Case.due_date, local_date(Case.result_received_at, offset)),
        one(
            "collection",
            Case.storage_until,
            issued,
            (Issuance, Issuance.case_id == Case.id),
        ),
    ).subquery("case_deadlines")


def _deadline_summary_rows(session: Session, d: Any) -> list[dict[str, Any]]:
    """Per office and kind (in DEADLINE_KINDS order): deadlines due, late, still open."""
    late = d.c.days_late > 0
    summary = (
        select(
            Office.code.label("office"),
            d.c.kind,
            func.count().label("due"),
            func.sum(case((late, 1), else_=0)).label("late"),
            func.sum(case((and_(late, d.c.done.is_(None)), 1), else_=0)).label("open_late"),
            func.max(d.c.days_late).label("max_days_late"),
        )
        .join(Office, Office.id == d.c.office_id)
        .group_by(Office.code, d.c.kind)
    )
    order = {k: i for i, k in enumerate(DEADLINE_KINDS)}
    rows = []
    for r in sorted(session.execute(summary), key=lambda r: (r.office, order[r.kind])):
        due, n_late = int(r.due), int(r.late or 0)
        rows.append(
            {
                "office": r.office,
                "kind": r.kind,
                "kind_ru": _KIND_LABELS[r.kind][0],
                "due": due,
                "late": n_late,
                "late_share": round(n_late / due, 4) if due else None,
                "open_late": int(r.open_late or 0),
                "max_days_late": int(r.max_days_late or 0),
            }
        )
    return rows


def _overdue_rows(session: Session, d: Any, *, limit: int) -> list[dict[str, Any]]:
    """The late deadlines, most days late first, at most `limit` of them."""
    listing = (
        select(
            Office.code.label("office"),
            d.c.number,
            d.c.kind,
            Service.code.label("service"),
            Agency.code.label("agency"),
            d.c.due,
            d.c.done,
            d.c.days_late,
            d.c.status,
        )
        .join(Office, Office.id == d.c.office_id)
        .join(Service, Service.id == d.c.service_id)
        .join(Agency, Agency.id == d.c.agency_id)
        .where(d.c.days_late > 0)
        .order_by(d.c.days_late.desc(), Office.code, d.c.due, d.c.number, d.c.kind)
        .limit(limit)
    )
    return [
        {
            "office": r.office,
            "number": r.number,
            "kind": r.kind,
            "kind_ru": _KIND_LABELS[r.kind][0],
            "service": r.service,
            "agency": r.agency,
            "due": _iso(r.due),
            "done": _iso(r.done),
            "days_late": int(r.days_late),
            "status": r.status,
        }
        for r in session.execute(listing)
    ]


def case_deadlines(session: Session, scope: Scope, now: datetime, *, limit: int) -> list[Table]:
    """Per office and kind: deadlines in the period, how many late; and the late cases."""
    d = _deadlines(scope, now)
    return [
        Table(
            "case_deadlines",
            "Сроки по делам",
            "Case deadlines",
            list(_DEADLINE_COLUMNS),
            _deadline_summary_rows(session, d),
            note="Просрочка — в календарных днях до исполнения или до сегодняшнего дня.",
        ),
        Table(
            "case_overdue",
            "Просроченные дела",
            "Overdue cases",
            list(_OVERDUE_COLUMNS),
            _overdue_rows(session, d, limit=limit),
        ),
    ]


def _iso(value: date | str | None) -> str | None:
    # SQLite returns date() results as text; PostgreSQL as dates.
    if value is None:
        return None
    return value if isinstance(value, str) else value.isoformat()
