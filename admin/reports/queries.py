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
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from admin.reports.sql import local_hour, local_isodow, seconds_between
from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.bookings.models import Booking
from queue_server.catalogue.models import SERVICE_KINDS, Service
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


def segments_select(scope: Scope) -> Select[Any]:
    """The wait segments of the period (one row per wait, see module doc) with local times."""
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
    offset = _offset_expr(scope, u.office_id)
    return select(
        *u,
        seconds_between(u.wait_from, u.called_at).label("wait_s"),
        case(
            (u.started_at.is_not(None), seconds_between(u.started_at, u.served_to)),
            else_=null(),
        ).label("service_s"),
        local_hour(u.wait_from, offset).label("hour"),
        local_isodow(u.wait_from, offset).label("weekday"),
        local_hour(u.called_at, offset).label("call_hour"),
    )


def segments(scope: Scope, *, with_labels: bool = False) -> Any:
    """The wait segments as a CTE; with_labels adds service kind, norm and booked/live."""
    base = segments_select(scope)
    if not with_labels:
        return base.cte("segments")
    inner = base.subquery("seg")
    return (
        select(
            *inner.c,
            # Integer codes keep the statistics' sort on integers (text sorts under a
            # locale collation are many times slower); decoded by CODES.
            case(
                *((Service.kind == kind, i) for i, kind in enumerate(SERVICE_KINDS)), else_=-1
            ).label("kind"),
            (Service.service_norm_minutes * 60).label("norm_s"),
            case((inner.c.booking_id.is_(None), 0), else_=1).label("queue"),
        )
        .join(Service, Service.id == inner.c.service_id)
        .cte("segments")
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


CODES: dict[str, dict[int, str]] = {
    "kind": {**dict(enumerate(SERVICE_KINDS)), -1: "other"},
    "queue": {0: "live", 1: "booked"},
}


@dataclass(frozen=True)
class Dimension:
    """One grouping of the wait statistics: its table, key columns and measured value."""

    key: str
    title: tuple[str, str]
    columns: list[Column]
    value: str = "wait_s"
    limit: str = "limit_s"


DIMENSIONS = [
    Dimension("wait_by_kind", ("Ожидание по видам услуг", "Wait by service kind"),
              [Column("kind", "Вид", "Kind")]),
    Dimension("wait_by_service", ("Ожидание по услугам", "Wait by service"),
              [Column("service_id", "Услуга", "Service", "int")]),
    Dimension("wait_by_window", ("Ожидание по окнам (вызвавшее окно)", "Wait by calling window"),
              [Column("window_id", "Окно", "Window", "int")]),
    Dimension("wait_by_clerk", ("Ожидание по сотрудникам (вызвавший)", "Wait by calling clerk"),
              [Column("clerk_id", "Сотрудник", "Clerk", "int")]),
    Dimension("wait_by_hour", ("Ожидание по часам прихода", "Wait by hour of arrival"),
              [Column("hour", "Час", "Hour", "int")]),
    Dimension("wait_by_weekday", ("Ожидание по дням недели", "Wait by weekday"),
              [Column("weekday", "День недели", "Weekday", "int")]),
    Dimension("wait_heatmap", ("Ожидание: день недели × час", "Wait: weekday × hour"),
              [Column("weekday", "День недели", "Weekday", "int"),
               Column("hour", "Час", "Hour", "int")]),
    Dimension("booked_vs_live", ("Предварительная запись и живая очередь", "Booked vs live queue"),
              [Column("queue", "Очередь", "Queue")]),
    Dimension("service_time",
              ("Время обслуживания против норматива", "Service time against the norm"),
              [Column("service_id", "Услуга", "Service", "int")],
              value="service_s", limit="norm_s"),
]  # fmt: skip


def stats_statement(segs: Any, dimensions: list[Dimension]) -> Select[Any]:
    """Count, mean, nearest-rank median and p90, max and share within the limit, per key.

    One statement for every dimension: each first counts its waits per whole second
    (a histogram: at most a few thousand rows per key, whatever the number of tickets),
    then a running SUM(count) OVER (PARTITION BY key ORDER BY seconds) gives each value's
    rank, and the median is the smallest value whose running count reaches ⌈n/2⌉ (p90:
    ⌈0.9·n⌉). This is the same nearest-rank figure as ROW_NUMBER over the raw waits, at
    the cost of a hash aggregate instead of a sort of every wait.
    """
    parts = []
    for dim in dimensions:
        real = [segs.c[c.key] for c in dim.columns]
        keys = [*real, *([literal(0, Integer())] * (2 - len(real)))]
        value, limit = segs.c[dim.value], segs.c[dim.limit]
        parts.append(
            select(
                literal(DIMENSIONS.index(dim), Integer()).label("dim"),
                keys[0].label("k1"),
                keys[1].label("k2"),
                value.label("v"),
                func.count().label("c"),
                func.sum(case((value <= limit, 1), else_=0)).label("w"),
                func.max(limit).label("lim"),
            )
            .where(value.is_not(None))
            .group_by(*real, value)
        )
    hist = union_all(*parts).subquery("hist")
    h = hist.c
    part = (h.dim, h.k1, h.k2)
    ranked = select(
        *h,
        func.sum(h.c).over(partition_by=part, order_by=h.v).label("cum"),
        # SUM of counts is numeric on PostgreSQL: cast so that // stays integer division.
        cast(func.sum(h.c).over(partition_by=part), Integer).label("total"),
    ).subquery("ranked")
    r = ranked.c
    return (
        select(
            r.dim,
            r.k1,
            r.k2,
            func.sum(r.c).label("n"),
            func.sum(r.v * r.c).label("total_v"),
            func.min(case((r.cum >= (r.total + 1) // 2, r.v))).label("median"),
            func.min(case((r.cum >= (9 * r.total + 9) // 10, r.v))).label("p90"),
            func.max(r.v).label("max"),
            func.sum(r.w).label("within"),
            func.max(r.lim).label("limit"),
        )
        .group_by(r.dim, r.k1, r.k2)
        .order_by(r.dim, r.k1, r.k2)
    )


def _stat_row(row: Any) -> dict[str, Any]:
    n = int(row.n)
    return {
        "n": n,
        "mean": round(float(row.total_v) / n, 1) if n else None,
        "median": _int(row.median),
        "p90": _int(row.p90),
        "max": _int(row.max),
        "limit": _int(row.limit),
        "within": int(row.within or 0),
        "within_share": round(int(row.within or 0) / n, 4) if n else None,
    }


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


def _labels(session: Session) -> dict[str, dict[int, dict[str, Any]]]:
    """Names of services, windows and clerks for the keys of the statistics (small lookups)."""
    services = {
        sid: {"service": code, "service_name": name}
        for sid, code, name in session.execute(select(Service.id, Service.code, Service.name_ru))
    }
    windows = {
        wid: {"office": office, "window": number}
        for wid, office, number in session.execute(
            select(Window.id, Office.code, Window.number).join(Office)
        )
    }
    clerks = {
        uid: {"clerk": username, "clerk_name": name}
        for uid, username, name in session.execute(select(User.id, User.username, User.full_name))
    }
    return {"service_id": services, "window_id": windows, "clerk_id": clerks}


_LABEL_COLUMNS = {
    "service_id": [Column("service", "Код", "Code"), Column("service_name", "Услуга", "Service")],
    "window_id": [Column("office", "Офис", "Office"), Column("window", "Окно", "Window", "int")],
    "clerk_id": [Column("clerk", "Логин", "Login"), Column("clerk_name", "Сотрудник", "Clerk")],
}


def wait_tables(session: Session, scope: Scope) -> list[Table]:
    """Wait statistics per service kind, service, window, clerk, hour, weekday and both."""
    segs = segments(scope, with_labels=True)
    rows: dict[str, list[dict[str, Any]]] = {d.key: [] for d in DIMENSIONS}
    labels = _labels(session)
    for r in session.execute(stats_statement(segs, DIMENSIONS)):
        dim = DIMENSIONS[r.dim]
        out: dict[str, Any] = {}
        for column, raw in zip(dim.columns, (r.k1, r.k2), strict=False):
            value: Any = CODES[column.key][raw] if column.key in CODES else raw
            if column.key in labels:
                out.update(labels[column.key].get(value, {}) if value is not None else {})
                if value is None:
                    out.update({c.key: None for c in _LABEL_COLUMNS[column.key]})
            else:
                out[column.key] = value
        out.update(_stat_row(r))
        rows[dim.key].append(out)
    tables = []
    for dim in DIMENSIONS:
        columns: list[Column] = []
        for column in dim.columns:
            columns.extend(_LABEL_COLUMNS.get(column.key, [column]))
        stat_columns = STAT_COLUMNS
        if dim.value == "service_s":
            stat_columns = [Column(c.key, *_norm_label(c)) for c in STAT_COLUMNS]
        ordered = sorted(rows[dim.key], key=partial(_sort_key, columns=columns))
        tables.append(Table(dim.key, dim.title[0], dim.title[1], columns + stat_columns, ordered))
    return tables


def _sort_key(row: dict[str, Any], columns: list[Column]) -> tuple[Any, ...]:
    return tuple(
        (row.get(c.key) is None, row.get(c.key) or 0 if c.kind == "int" else str(row.get(c.key)))
        for c in columns
    )


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
        .where(
            _ticket_scope(scope),
            # The range lets ix_wait_breaches_report (migration 0006) find the period.
            WaitBreach.office_id.in_(scope.office_ids),
            WaitBreach.waiting_since >= scope.utc_bounds()[0],
            WaitBreach.waiting_since < scope.utc_bounds()[1],
        )
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
    "case_visits",
    "case_visits_distribution",
    "case_deadlines",
    "case_overdue",
)


def build_report(
    *, session: Session, scope: Scope, now: datetime, breach_limit: int = 1000
) -> Report:
    """Every table of the report for the scope."""
    if session.get_bind().dialect.name == "postgresql":
        # Report sorts exceed the 4 MB default and spill to disk; this transaction only.
        session.execute(text("SET LOCAL work_mem = '64MB'"))
    tables: dict[str, Table] = {}
    tables["counts"] = ticket_counts(session, scope)
    for table in wait_tables(session, scope):
        tables[table.key] = table
    tables["breaches"] = breaches(session, scope, limit=breach_limit)
    tables["booking_outcomes"] = booking_outcomes(session, scope)
    # Imported here: the case module builds on this module's Scope, Table and Column.
    from admin.reports.cases import case_deadlines, visits_per_case

    for table in (
        *visits_per_case(session, scope),
        *case_deadlines(session, scope, now, limit=breach_limit),
    ):
        tables[table.key] = table
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
