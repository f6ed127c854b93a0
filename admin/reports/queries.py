"""Report queries: every figure is computed by the database in one statement per table.

The unit of a wait is a *segment*: from the moment a ticket starts waiting for a service
(issue, booking check-in, or redirect) to its first call (DOMAIN.md, "the wait of a
ticket"). A ticket's row holds its last segment; the earlier segments of redirected
tickets are rebuilt from `ticket_transitions` with window functions.

Medians and p90 use the nearest-rank definition (the value at rank ⌈p·n⌉ of the sorted
waits), computed with ROW_NUMBER/COUNT OVER (PARTITION BY …) so that SQLite and
PostgreSQL agree to the second; `percentile_cont` would interpolate and exists only on
PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Integer,
    Select,
    and_,
    case,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from admin.reports.sql import local_hour, local_isodow, seconds_between
from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.bookings.models import Booking
from queue_server.catalogue.models import Service
from queue_server.errors import Forbidden, InvalidInput
from queue_server.offices.models import Office
from queue_server.tickets.models import (
    CANCELLED,
    DONE,
    NO_SHOW,
    Ticket,
    TicketTransition,
    WaitBreach,
)
from queue_server.windows.models import Window

MAX_PERIOD_DAYS = 800
WAIT_STARTS = ("issue", "redirect", "check_in", "checkin")


@dataclass(frozen=True)
class Column:
    """A column of a report table: key in the row, Russian and English headings."""

    key: str
    label_ru: str
    label_en: str
    kind: str = "text"  # text, int, seconds, share


@dataclass
class Table:
    """One table of a report: what the pages, the exports and the charts show."""

    key: str
    title_ru: str
    title_en: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "key": self.key,
            "title_ru": self.title_ru,
            "title_en": self.title_en,
            "columns": [c.__dict__ for c in self.columns],
            "rows": self.rows,
            "note": self.note,
        }


@dataclass(frozen=True)
class Scope:
    """The offices and local dates (inclusive) a report covers."""

    offices: tuple[Office, ...]
    start: date
    end: date

    @property
    def office_ids(self) -> list[int]:
        """Ids of the offices."""
        return [o.id for o in self.offices]

    def offsets(self) -> dict[int, int]:
        """UTC offset in seconds of each office over the period.

        Russian zones have had fixed offsets since 2014; a zone whose offset changes inside
        the period is refused rather than half-wrong (split the period at the change).
        """
        out: dict[int, int] = {}
        for office in self.offices:
            zone = ZoneInfo(office.timezone)
            first = datetime.combine(self.start, time(12), zone).utcoffset()
            last = datetime.combine(self.end, time(12), zone).utcoffset()
            if first != last or first is None:
                raise InvalidInput(
                    f"The UTC offset of {office.timezone} changes inside the period; "
                    "split the report at the change.",
                    code="offset_changes",
                )
            out[office.id] = int(first.total_seconds())
        return out

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """The widest UTC instants that can fall on the period's local dates."""
        offsets = self.offsets().values()
        lo = datetime.combine(self.start, time(0), UTC) - timedelta(seconds=max(offsets))
        hi = datetime.combine(self.end + timedelta(days=1), time(0), UTC) - timedelta(
            seconds=min(offsets)
        )
        return lo, hi


def resolve_scope(
    *,
    session: Session,
    principal: Principal,
    office_codes: list[str] | None,
    start: date,
    end: date,
) -> Scope:
    """Check the period and the offices a manager may see (own office, or all for office None)."""
    principal.require_role("admin", "manager")
    if end < start:
        raise InvalidInput("The period ends before it starts.", code="bad_period")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidInput(
            f"The period is longer than {MAX_PERIOD_DAYS} days.", code="period_too_long"
        )
    query = select(Office).order_by(Office.code)
    if office_codes:
        query = query.where(Office.code.in_(office_codes))
    offices = [o for o in session.scalars(query)]
    if office_codes:
        missing = sorted(set(office_codes) - {o.code for o in offices})
        if missing:
            raise InvalidInput(f"No office with code {missing[0]!r}.", code="office_not_found")
        for office in offices:
            principal.require_office(office.id)
    else:
        offices = [o for o in offices if principal.may_act_in(o.id)]
    if not offices:
        raise Forbidden("You may see no office.", code="wrong_office")
    return Scope(offices=tuple(offices), start=start, end=end)


def _offset_expr(scope: Scope, office_col: ColumnElement[Any]) -> ColumnElement[Any]:
    offsets = scope.offsets()
    if len(set(offsets.values())) == 1:
        return literal(next(iter(offsets.values())), Integer())
    return case(offsets, value=office_col, else_=0)


def _ticket_scope(scope: Scope) -> ColumnElement[bool]:
    return and_(
        Ticket.office_id.in_(scope.office_ids),
        Ticket.day >= scope.start,
        Ticket.day <= scope.end,
    )


def segments(scope: Scope) -> Any:
    """The wait segments of the period as a CTE (one row per wait, see module doc)."""
    last = select(
        Ticket.id.label("ticket_id"),
        Ticket.office_id.label("office_id"),
        Ticket.day.label("day"),
        Ticket.number.label("number"),
        Ticket.service_id.label("service_id"),
        Ticket.booking_id.label("booking_id"),
        Ticket.waiting_since.label("wait_from"),
        Ticket.called_at.label("called_at"),
        Ticket.started_at.label("started_at"),
        Ticket.finished_at.label("served_to"),
        Ticket.window_id.label("window_id"),
        Ticket.clerk_id.label("clerk_id"),
        seconds_between(Ticket.waiting_since, Ticket.deadline).label("limit_s"),
        Ticket.status.label("status"),
    ).where(_ticket_scope(scope))

    tt = TicketTransition
    is_start = tt.action.in_(WAIT_STARTS)
    steps = (
        select(
            tt.ticket_id,
            tt.action,
            tt.at,
            tt.service_id,
            tt.window_id,
            tt.clerk_id,
            Ticket.office_id,
            Ticket.day,
            Ticket.number,
            Ticket.booking_id,
            Ticket.redirect_count,
            func.sum(case((is_start, 1), else_=0))
            .over(partition_by=tt.ticket_id, order_by=(tt.at, tt.id))
            .label("seg"),
        )
        .join(Ticket, Ticket.id == tt.ticket_id)
        .where(_ticket_scope(scope), Ticket.redirect_count > 0)
        .where(tt.action.in_((*WAIT_STARTS, "call", "start")))
        .subquery("steps")
    )
    s = steps.c
    s_start = s.action.in_(WAIT_STARTS)
    grouped = (
        select(
            s.ticket_id,
            s.seg,
            s.office_id,
            s.day,
            s.number,
            s.booking_id,
            s.redirect_count,
            func.min(case((s_start, s.at))).label("wait_from"),
            func.min(case((s.action == "call", s.at))).label("called_at"),
            func.min(case((s.action == "start", s.at))).label("started_at"),
            func.min(case((s_start, s.service_id))).label("service_id"),
            func.min(case((s.action == "call", s.window_id))).label("window_id"),
            func.min(case((s.action == "call", s.clerk_id))).label("clerk_id"),
        )
        .group_by(s.ticket_id, s.seg, s.office_id, s.day, s.number, s.booking_id, s.redirect_count)
        .subquery("grouped")
    )
    g = grouped.c
    chained = select(
        *g,
        func.lead(g.wait_from).over(partition_by=g.ticket_id, order_by=g.seg).label("next_from"),
    ).subquery("chained")
    c = chained.c
    earlier = (
        select(
            c.ticket_id,
            c.office_id,
            c.day,
            c.number,
            c.service_id,
            c.booking_id,
            c.wait_from,
            c.called_at,
            c.started_at,
            c.next_from.label("served_to"),
            c.window_id,
            c.clerk_id,
            (Service.wait_limit_minutes * 60).label("limit_s"),
            literal("redirected").label("status"),
        )
        .join(Service, Service.id == c.service_id)
        .where(c.seg <= c.redirect_count)
    )
    union = union_all(last, earlier).subquery("segs")
    u = union.c
    return select(
        *u,
        seconds_between(u.wait_from, u.called_at).label("wait_s"),
        case(
            (u.started_at.is_not(None), seconds_between(u.started_at, u.served_to)),
            else_=null(),
        ).label("service_s"),
    ).cte("segments")


def stats_query(
    source: Any,
    keys: list[ColumnElement[Any]],
    value: ColumnElement[Any],
    limit: ColumnElement[Any],
    *,
    where: ColumnElement[bool] | None = None,
    joins: list[tuple[Any, ColumnElement[bool], bool]] | None = None,
) -> Select[Any]:
    """Count, mean, nearest-rank median and p90, max and share within `limit`, per key."""
    key_names = [k.name for k in keys]
    inner = select(*keys, value.label("v"), limit.label("lim")).select_from(source)
    for target, on, outer in joins or []:
        inner = inner.join(target, on, isouter=outer)
    inner = inner.where(value.is_not(None))
    if where is not None:
        inner = inner.where(where)
    base = inner.subquery("base")
    part = [base.c[name] for name in key_names]
    ranked = select(
        base,
        func.row_number().over(partition_by=part or None, order_by=base.c.v).label("rn"),
        func.count().over(partition_by=part or None).label("cnt"),
    ).subquery("ranked")
    r = ranked.c
    group = [r[name] for name in key_names]
    return (
        select(
            *group,
            func.count().label("n"),
            func.avg(r.v).label("mean"),
            func.max(case((r.rn == (r.cnt + 1) // 2, r.v))).label("median"),
            func.max(case((r.rn == (9 * r.cnt + 9) // 10, r.v))).label("p90"),
            func.max(r.v).label("max"),
            func.sum(case((r.v <= r.lim, 1), else_=0)).label("within"),
            func.max(r.lim).label("limit"),
        )
        .group_by(*group)
        .order_by(*group)
    )


STAT_COLUMNS = [
    Column("n", "Талонов", "Tickets", "int"),
    Column("mean", "Среднее", "Mean", "seconds"),
    Column("median", "Медиана", "Median", "seconds"),
    Column("p90", "90-й перцентиль", "p90", "seconds"),
    Column("max", "Максимум", "Max", "seconds"),
    Column("limit", "Норматив", "Limit", "seconds"),
    Column("within", "В пределах", "Within", "int"),
    Column("within_share", "Доля в пределах", "Share within", "share"),
]


def _stat_row(row: Any, keys: list[str]) -> dict[str, Any]:
    m = row._mapping
    n = int(m["n"])
    out = {k: m[k] for k in keys}
    out.update(
        n=n,
        mean=round(float(m["mean"]), 1) if m["mean"] is not None else None,
        median=_int(m["median"]),
        p90=_int(m["p90"]),
        max=_int(m["max"]),
        limit=_int(m["limit"]),
        within=int(m["within"] or 0),
        within_share=round(int(m["within"] or 0) / n, 4) if n else None,
    )
    return out


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass
class Report:
    """The tables of one report, in the order they are shown."""

    scope: Scope
    generated_at: datetime
    tables: dict[str, Table]

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "from": self.scope.start.isoformat(),
            "to": self.scope.end.isoformat(),
            "offices": [o.code for o in self.scope.offices],
            "generated_at": self.generated_at.isoformat(),
            "tables": {k: t.as_dict() for k, t in self.tables.items()},
        }


def ticket_counts(session: Session, scope: Scope) -> Table:
    """Tickets issued, served, no-show, cancelled, redirected and still open, per office."""
    status_sum = lambda status: func.sum(case((Ticket.status == status, 1), else_=0))  # noqa: E731
    query = (
        select(
            Office.code.label("office"),
            func.count().label("issued"),
            status_sum(DONE).label("served"),
            status_sum(NO_SHOW).label("no_show"),
            status_sum(CANCELLED).label("cancelled"),
            func.sum(case((Ticket.redirect_count > 0, 1), else_=0)).label("redirected"),
            func.sum(case((Ticket.status.in_(("waiting", "called", "serving")), 1), else_=0)).label(
                "open"
            ),
        )
        .join(Office, Office.id == Ticket.office_id)
        .where(_ticket_scope(scope))
        .group_by(Office.code)
        .order_by(Office.code)
    )
    cols = ["issued", "served", "no_show", "cancelled", "redirected", "open"]
    rows = [
        {"office": r.office, **{c: int(getattr(r, c) or 0) for c in cols}}
        for r in session.execute(query)
    ]
    return Table(
        "counts",
        "Талоны",
        "Tickets",
        [
            Column("office", "Офис", "Office"),
            Column("issued", "Выдано", "Issued", "int"),
            Column("served", "Обслужено", "Served", "int"),
            Column("no_show", "Неявка", "No-show", "int"),
            Column("cancelled", "Отменено", "Cancelled", "int"),
            Column("redirected", "Перенаправлено", "Redirected", "int"),
            Column("open", "Не завершено", "Still open", "int"),
        ],
        rows,
    )


def _wait_table(
    session: Session,
    scope: Scope,
    segs: Any,
    key: str,
    title: tuple[str, str],
    key_cols: list[tuple[ColumnElement[Any], Column]],
    joins: list[tuple[Any, ColumnElement[bool], bool]] | None = None,
    *,
    value: str = "wait_s",
    limit: ColumnElement[Any] | None = None,
) -> Table:
    keys = [expr for expr, _ in key_cols]
    query = stats_query(
        segs,
        keys,
        segs.c[value],
        limit if limit is not None else segs.c.limit_s,
        joins=joins,
    )
    names = [c.key for _, c in key_cols]
    rows = [_stat_row(r, names) for r in session.execute(query)]
    return Table(key, title[0], title[1], [c for _, c in key_cols] + STAT_COLUMNS, rows)


def wait_tables(session: Session, scope: Scope) -> list[Table]:
    """Wait statistics per service kind, service, window, clerk, hour, weekday and both."""
    segs = segments(scope)
    offset = _offset_expr(scope, segs.c.office_id)
    svc = (Service, Service.id == segs.c.service_id, False)
    win = (Window, Window.id == segs.c.window_id, True)
    office = (Office, Office.id == segs.c.office_id, False)
    clerk = (User, User.id == segs.c.clerk_id, True)
    hour = local_hour(segs.c.wait_from, offset)
    dow = local_isodow(segs.c.wait_from, offset)
    booked = case((segs.c.booking_id.is_(None), "live"), else_="booked")
    tables = [
        _wait_table(
            session,
            scope,
            segs,
            "wait_by_kind",
            ("Ожидание по видам услуг", "Wait by service kind"),
            [(Service.kind.label("kind"), Column("kind", "Вид", "Kind"))],
            [svc],
        ),
        _wait_table(
            session,
            scope,
            segs,
            "wait_by_service",
            ("Ожидание по услугам", "Wait by service"),
            [
                (Service.code.label("service"), Column("service", "Код", "Code")),
                (
                    Service.name_ru.label("service_name"),
                    Column("service_name", "Услуга", "Service"),
                ),
            ],
            [svc],
        ),
        _wait_table(
            session,
            scope,
            segs,
            "wait_by_window",
            ("Ожидание по окнам (вызвавшее окно)", "Wait by calling window"),
            [
                (Office.code.label("office"), Column("office", "Офис", "Office")),
                (Window.number.label("window"), Column("window", "Окно", "Window", "int")),
            ],
            [office, win],
        ),
        _wait_table(
            session,
            scope,
            segs,
            "wait_by_clerk",
            ("Ожидание по сотрудникам (вызвавший)", "Wait by calling clerk"),
            [
                (User.username.label("clerk"), Column("clerk", "Логин", "Login")),
                (User.full_name.label("clerk_name"), Column("clerk_name", "Сотрудник", "Clerk")),
            ],
            [clerk],
        ),
        _wait_table(
            session,
            scope,
            segs,
            "wait_by_hour",
            ("Ожидание по часам прихода", "Wait by hour of arrival"),
            [(hour.label("hour"), Column("hour", "Час", "Hour", "int"))],
        ),
        _wait_table(
            session,
            scope,
            segs,
            "wait_by_weekday",
            ("Ожидание по дням недели", "Wait by weekday"),
            [(dow.label("weekday"), Column("weekday", "День недели", "Weekday", "int"))],
        ),
        _wait_table(
            session,
            scope,
            segs,
            "wait_heatmap",
            ("Ожидание: день недели × час", "Wait: weekday × hour"),
            [
                (dow.label("weekday"), Column("weekday", "День недели", "Weekday", "int")),
                (hour.label("hour"), Column("hour", "Час", "Hour", "int")),
            ],
        ),
        _wait_table(
            session,
            scope,
            segs,
            "booked_vs_live",
            ("Предварительная запись и живая очередь", "Booked vs live queue"),
            [(booked.label("queue"), Column("queue", "Очередь", "Queue"))],
        ),
        _wait_table(
            session,
            scope,
            segs,
            "service_time",
            ("Время обслуживания против норматива", "Service time against the norm"),
            [
                (Service.code.label("service"), Column("service", "Код", "Code")),
                (
                    Service.name_ru.label("service_name"),
                    Column("service_name", "Услуга", "Service"),
                ),
            ],
            [svc],
            value="service_s",
            limit=Service.service_norm_minutes * 60,
        ),
    ]
    tables[-1].columns = [Column(c.key, *_norm_label(c)) for c in tables[-1].columns]
    return tables


def _norm_label(column: Column) -> tuple[str, str, str]:
    if column.key == "limit":
        return "Норматив обслуживания", "Service norm", column.kind
    if column.key == "n":
        return "Обслуживаний", "Services", column.kind
    return column.label_ru, column.label_en, column.kind


def breaches(session: Session, scope: Scope, *, limit: int = 1000) -> Table:
    """Waits past their limit: ticket → service → window → clerk → how late (latest first)."""
    query = (
        select(
            Office.code.label("office"),
            Ticket.day.label("day"),
            Ticket.number.label("number"),
            Service.code.label("service"),
            Window.number.label("window"),
            User.full_name.label("clerk"),
            WaitBreach.waiting_since,
            WaitBreach.deadline,
            WaitBreach.called_at,
            seconds_between(WaitBreach.deadline, WaitBreach.called_at).label("late_s"),
            func.count().over().label("total"),
        )
        .join(Ticket, Ticket.id == WaitBreach.ticket_id)
        .join(Office, Office.id == WaitBreach.office_id)
        .join(Service, Service.id == WaitBreach.service_id)
        .outerjoin(Window, Window.id == WaitBreach.window_id)
        .outerjoin(User, User.id == WaitBreach.clerk_id)
        .where(_ticket_scope(scope))
        .order_by(WaitBreach.waiting_since, WaitBreach.id)
        .limit(limit)
    )
    offsets = scope.offsets()
    codes = {o.code: o.id for o in scope.offices}

    def local(at: datetime | None, office: str) -> str | None:
        # Formatting only: the clock time the office saw, as on its board.
        if at is None:
            return None
        return (at + timedelta(seconds=offsets[codes[office]])).strftime("%H:%M:%S")

    rows = []
    total = 0
    for r in session.execute(query):
        total = int(r.total)
        rows.append(
            {
                "office": r.office,
                "day": r.day.isoformat(),
                "number": r.number,
                "service": r.service,
                "window": r.window,
                "clerk": r.clerk,
                "waiting_since": local(r.waiting_since, r.office),
                "deadline": local(r.deadline, r.office),
                "called_at": local(r.called_at, r.office),
                "late_s": _int(r.late_s),
            }
        )
    note = f"{total} breaches" + (f"; the first {limit} listed" if total > limit else "")
    return Table(
        "breaches",
        "Превышения времени ожидания",
        "Wait-limit breaches",
        [
            Column("office", "Офис", "Office"),
            Column("day", "Дата", "Date"),
            Column("number", "Талон", "Ticket"),
            Column("service", "Услуга", "Service"),
            Column("window", "Окно", "Window", "int"),
            Column("clerk", "Сотрудник", "Clerk"),
            Column("waiting_since", "Ожидает с (местное)", "Waiting since (local)"),
            Column("deadline", "Срок", "Deadline"),
            Column("called_at", "Вызван", "Called at"),
            Column("late_s", "Опоздание", "Late by", "seconds"),
        ],
        rows,
        note=note,
    )


def booking_outcomes(session: Session, scope: Scope) -> Table:
    """Bookings whose slot falls in the period, by outcome (booked, checked in, no-show…)."""
    lo, hi = scope.utc_bounds()
    query = (
        select(Office.code.label("office"), Booking.status, func.count().label("n"))
        .join(Office, Office.id == Booking.office_id)
        .where(
            Booking.office_id.in_(scope.office_ids),
            Booking.slot_start >= lo,
            Booking.slot_start < hi,
        )
        .group_by(Office.code, Booking.status)
        .order_by(Office.code, Booking.status)
    )
    rows = [{"office": r.office, "status": r.status, "n": int(r.n)} for r in session.execute(query)]
    return Table(
        "booking_outcomes",
        "Записи по исходу",
        "Bookings by outcome",
        [
            Column("office", "Офис", "Office"),
            Column("status", "Исход", "Outcome"),
            Column("n", "Записей", "Bookings", "int"),
        ],
        rows,
    )


def today_figures(session: Session, office: Office, day: date) -> dict[str, Any]:
    """The dashboard's figures of one local day: issued, served, no-show, % within limit."""
    scope = Scope(offices=(office,), start=day, end=day)
    counts = ticket_counts(session, scope).rows
    segs = segments(scope)
    within = session.execute(
        select(
            func.count().label("n"),
            func.sum(case((segs.c.wait_s <= segs.c.limit_s, 1), else_=0)).label("within"),
        ).where(segs.c.called_at.is_not(None))
    ).one()
    base = counts[0] if counts else {"issued": 0, "served": 0, "no_show": 0, "cancelled": 0}
    n = int(within.n or 0)
    return {
        "issued": base["issued"],
        "served": base["served"],
        "no_show": base["no_show"],
        "cancelled": base["cancelled"],
        "called": n,
        "within_share": round(int(within.within or 0) / n, 4) if n else None,
    }


SECTIONS = (
    "counts",
    "wait_by_kind",
    "wait_by_service",
    "wait_by_window",
    "wait_by_clerk",
    "wait_by_hour",
    "wait_by_weekday",
    "wait_heatmap",
    "booked_vs_live",
    "service_time",
    "breaches",
    "booking_outcomes",
)


def build_report(
    *, session: Session, scope: Scope, now: datetime, breach_limit: int = 1000
) -> Report:
    """Every table of the report for the scope."""
    tables: dict[str, Table] = {}
    tables["counts"] = ticket_counts(session, scope)
    for table in wait_tables(session, scope):
        tables[table.key] = table
    tables["breaches"] = breaches(session, scope, limit=breach_limit)
    tables["booking_outcomes"] = booking_outcomes(session, scope)
    return Report(scope=scope, generated_at=now, tables={k: tables[k] for k in SECTIONS})


__all__ = [
    "SECTIONS",
    "Column",
    "Report",
    "Scope",
    "Table",
    "build_report",
    "resolve_scope",
    "today_figures",
]
