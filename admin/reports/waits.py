"""Wait and service-time statistics per service kind, service, window, clerk, hour, weekday.

Medians and p90 use the nearest-rank definition (the value at rank ⌈p·n⌉ of the sorted
waits), computed with running sums OVER (PARTITION BY …) so that SQLite and PostgreSQL
agree to the second; `percentile_cont` would interpolate and exists only on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import Integer, Select, case, cast, func, literal, select, union_all
from sqlalchemy.orm import Session

from admin.reports.scope import Scope
from admin.reports.segments import segments
from admin.reports.tables import Column, Table, int_or_none
from queue_server.auth.models import User
from queue_server.catalogue.models import SERVICE_KINDS, Service
from queue_server.offices.models import Office
from queue_server.windows.models import Window

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
    Dimension("wait_by_office", ("Ожидание по офисам (региональная сводка)", "Wait by office"),
              [Column("office_id", "Офис", "Office", "int")]),
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

# The id keys of the statistics are shown as these readable columns.
_LABEL_COLUMNS = {
    "office_id": [Column("office", "Офис", "Office")],
    "service_id": [Column("service", "Код", "Code"), Column("service_name", "Услуга", "Service")],
    "window_id": [Column("office", "Офис", "Office"), Column("window", "Окно", "Window", "int")],
    "clerk_id": [Column("clerk", "Логин", "Login"), Column("clerk_name", "Сотрудник", "Clerk")],
}


def stats_statement(segs: Any, dimensions: list[Dimension]) -> Select[Any]:
    """Count, mean, nearest-rank median and p90, max and share within the limit, per key.

    One statement for every dimension: each first counts its waits per whole second
    (a histogram: at most a few thousand rows per key, whatever the number of tickets),
    then a running SUM(count) OVER (PARTITION BY key ORDER BY seconds) gives each value's
    rank, and the median is the smallest value whose running count reaches ⌈n/2⌉ (p90:
    ⌈0.9·n⌉). This is the same nearest-rank figure as ROW_NUMBER over the raw waits, at
    the cost of a hash aggregate instead of a sort of every wait.
    """
    hist = union_all(*(_histogram(segs, dim) for dim in dimensions)).subquery("hist")
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


def _histogram(segs: Any, dim: Dimension) -> Select[Any]:
    """How many segments have each whole-second value, per key of one dimension."""
    real = [segs.c[c.key] for c in dim.columns]
    # Every dimension has two key columns in the union; the missing one is a constant.
    keys = [*real, *([literal(0, Integer())] * (2 - len(real)))]
    value, limit = segs.c[dim.value], segs.c[dim.limit]
    return (
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


def _stat_row(row: Any) -> dict[str, Any]:
    n = int(row.n)
    return {
        "n": n,
        "mean": round(float(row.total_v) / n, 1) if n else None,
        "median": int_or_none(row.median),
        "p90": int_or_none(row.p90),
        "max": int_or_none(row.max),
        "limit": int_or_none(row.limit),
        "within": int(row.within or 0),
        "within_share": round(int(row.within or 0) / n, 4) if n else None,
    }


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
    offices = {
        oid: {"office": code} for oid, code in session.execute(select(Office.id, Office.code))
    }
    return {
        "service_id": services,
        "window_id": windows,
        "clerk_id": clerks,
        "office_id": offices,
    }


def _key_fields(
    dim: Dimension, raw_keys: tuple[Any, Any], labels: dict[str, dict[int, dict[str, Any]]]
) -> dict[str, Any]:
    """The key columns of one statistics row: codes decoded, ids replaced by their names."""
    out: dict[str, Any] = {}
    for column, raw in zip(dim.columns, raw_keys, strict=False):
        value: Any = CODES[column.key][raw] if column.key in CODES else raw
        if column.key in labels:
            out.update(labels[column.key].get(value, {}) if value is not None else {})
            if value is None:
                out.update({c.key: None for c in _LABEL_COLUMNS[column.key]})
        else:
            out[column.key] = value
    return out


def wait_tables(session: Session, scope: Scope) -> list[Table]:
    """Wait statistics per service kind, service, window, clerk, hour, weekday and both."""
    segs = segments(scope, with_labels=True)
    return tables_of_stats(session, session.execute(stats_statement(segs, DIMENSIONS)))


def tables_of_stats(session: Session, stats: Iterable[Any]) -> list[Table]:
    """The wait tables from statistics rows (dim, k1, k2, n, total_v, median, p90, max,
    within, limit), whether computed over the raw waits or read from the roll-ups."""
    rows: dict[str, list[dict[str, Any]]] = {d.key: [] for d in DIMENSIONS}
    labels = _labels(session)
    for r in stats:
        dim = DIMENSIONS[r.dim]
        rows[dim.key].append({**_key_fields(dim, (r.k1, r.k2), labels), **_stat_row(r)})
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
