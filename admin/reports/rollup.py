"""Daily roll-ups of the reports: built from the raw tickets of closed days, kept as days
close (`scheduled.roll_up_closed_days`) and rebuilt on demand (`mfc-queue reports rollup`).

One pass over a run of days computes, per office and local day, what every report family
needs: the ticket counts and breaches (`report_periods`), each wait dimension of `waits`
as minute buckets with their seconds (`report_wait_buckets`, see `histogram`), and the
planner's hours (`report_hours`). The same pass, kept in memory, is what the reports add
for the days not rolled up yet (today), so both sources are one computation.

When every day of a month is rolled up, the month gets rows of its own (span "m", the
sum of its days), and a year whose months all have them gets its own (span "y"): a
year's report reads one year's rows, not three hundred days'. A day rolled up again
(repair) rebuilds its month and year.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    case,
    delete,
    distinct,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from admin.reports.histogram import NULL_KEY, Minute, fold_seconds, pack, unpack
from admin.reports.scope import Scope, ticket_scope
from admin.reports.segments import segments
from admin.reports.waits import DIMENSIONS, Dimension
from queue_server.offices.models import Office
from queue_server.reports.models import ReportHour, ReportPeriod, ReportWaitBucket
from queue_server.tickets.models import CANCELLED, DONE, NO_SHOW, Ticket, WaitBreach

DAY, MONTH, YEAR = "d", "m", "y"
COUNT_FIELDS = ("issued", "served", "no_show", "cancelled", "redirected", "open_tickets")
HOUR_FIELDS = ("arrivals", "called", "within", "service_n", "service_sum", "open_windows")

# (office, day) → the day's counts; (office, day, dim, k1, k2, bucket) → minute, seconds.
DayKey = tuple[int, date]
BucketKey = tuple[int, date, int, int, int, int]
HourKey = tuple[int, date, int, int]


@dataclass
class Days:
    """What one pass over a run of days found, per office and local day."""

    counts: dict[DayKey, dict[str, int]] = field(default_factory=dict)
    minutes: dict[BucketKey, tuple[Minute, dict[int, int]]] = field(default_factory=dict)
    hours: dict[HourKey, dict[str, Any]] = field(default_factory=dict)


def compute_days(session: Session, scope: Scope) -> Days:
    """The roll-up rows of the scope's offices and days, from the raw tickets."""
    out = Days()
    _count_tickets(session, scope, out)
    _count_breaches(session, scope, out)
    segs = segments(scope, with_labels=True)
    _fold_waits(session, segs, out)
    _fold_hours(session, segs, out)
    return out


def _day_counts(out: Days, office_id: int, day: date) -> dict[str, int]:
    found = out.counts.get((office_id, day))
    if found is None:
        found = out.counts[(office_id, day)] = dict.fromkeys((*COUNT_FIELDS, "breaches"), 0)
    return found


def _count_tickets(session: Session, scope: Scope, out: Days) -> None:
    status_sum = lambda status: func.sum(case((Ticket.status == status, 1), else_=0))  # noqa: E731
    query = (
        select(
            Ticket.office_id,
            Ticket.day,
            func.count().label("issued"),
            status_sum(DONE).label("served"),
            status_sum(NO_SHOW).label("no_show"),
            status_sum(CANCELLED).label("cancelled"),
            func.sum(case((Ticket.redirect_count > 0, 1), else_=0)).label("redirected"),
            func.sum(case((Ticket.status.in_(("waiting", "called", "serving")), 1), else_=0)).label(
                "open_tickets"
            ),
        )
        .where(ticket_scope(scope))
        .group_by(Ticket.office_id, Ticket.day)
    )
    for r in session.execute(query):
        counts = _day_counts(out, r.office_id, _as_date(r.day))
        for name in COUNT_FIELDS:
            counts[name] = int(getattr(r, name) or 0)


def _count_breaches(session: Session, scope: Scope, out: Days) -> None:
    """Breaches per ticket day, with the filters of the breach list (`breaches`)."""
    lo, hi = scope.utc_bounds()
    query = (
        select(WaitBreach.office_id, Ticket.day, func.count().label("n"))
        .join(Ticket, Ticket.id == WaitBreach.ticket_id)
        .where(
            ticket_scope(scope),
            WaitBreach.office_id.in_(scope.office_ids),
            WaitBreach.waiting_since >= lo,
            WaitBreach.waiting_since < hi,
        )
        .group_by(WaitBreach.office_id, Ticket.day)
    )
    for r in session.execute(query):
        _day_counts(out, r.office_id, _as_date(r.day))["breaches"] = int(r.n)


def _day_histogram(segs: Any, index: int, dim: Dimension) -> Any:
    """How many segments have each whole-second value, per office, day and key."""
    real = [segs.c[c.key] for c in dim.columns]
    keys = [*real, *([literal(0, Integer())] * (2 - len(real)))]
    value, limit = segs.c[dim.value], segs.c[dim.limit]
    return (
        select(
            segs.c.office_id,
            segs.c.day,
            literal(index, Integer()).label("dim"),
            keys[0].label("k1"),
            keys[1].label("k2"),
            value.label("v"),
            func.count().label("c"),
            func.sum(case((value <= limit, 1), else_=0)).label("w"),
            func.max(limit).label("lim"),
        )
        .where(value.is_not(None))
        .group_by(segs.c.office_id, segs.c.day, *real, value)
    )


def _fold_waits(session: Session, segs: Any, out: Days) -> None:
    per_key: dict[tuple[int, date, int, int, int], list[tuple[int, int, int, int | None]]] = (
        defaultdict(list)
    )
    # One statement for every dimension: the segments (with the window functions over the
    # redirected tickets' transitions) are computed once, not once per dimension.
    histograms = union_all(*(_day_histogram(segs, i, dim) for i, dim in enumerate(DIMENSIONS)))
    for office_id, day, dim, k1, k2, v, c, w, lim in session.connection().execute(histograms):
        key = (office_id, _as_date(day), dim, _key(k1), _key(k2))
        per_key[key].append((int(v), int(c), int(w or 0), None if lim is None else int(lim)))
    for key, rows in per_key.items():
        for bucket, entry in fold_seconds(rows).items():
            out.minutes[(*key, bucket)] = entry


def _fold_hours(session: Session, segs: Any, out: Days) -> None:
    c = segs.c
    arrivals = select(
        c.office_id,
        c.day,
        c.weekday,
        c.hour,
        func.count().label("arrivals"),
        func.count(c.called_at).label("called"),
        func.sum(case((c.wait_s <= c.limit_s, 1), else_=0)).label("within"),
        func.count(c.service_s).label("service_n"),
        func.sum(c.service_s).label("service_sum"),
        func.min(c.limit_s).label("min_limit"),
    ).group_by(c.office_id, c.day, c.weekday, c.hour)
    for r in session.execute(arrivals):
        row = _hour(out, (r.office_id, _as_date(r.day), int(r.weekday), int(r.hour)))
        for name in ("arrivals", "called", "within", "service_n", "service_sum"):
            row[name] = int(getattr(r, name) or 0)
        row["min_limit"] = None if r.min_limit is None else int(r.min_limit)
    calls = (
        select(
            c.office_id,
            c.day,
            c.weekday,
            c.call_hour,
            func.count(distinct(c.window_id)).label("windows"),
        )
        .where(c.called_at.is_not(None), c.window_id.is_not(None))
        .group_by(c.office_id, c.day, c.weekday, c.call_hour)
    )
    for r in session.execute(calls):
        row = _hour(out, (r.office_id, _as_date(r.day), int(r.weekday), int(r.call_hour)))
        row["open_windows"] = int(r.windows)


def _hour(out: Days, key: HourKey) -> dict[str, Any]:
    found = out.hours.get(key)
    if found is None:
        found = out.hours[key] = {**dict.fromkeys(HOUR_FIELDS, 0), "min_limit": None}
    return found


def _key(value: Any) -> int:
    return NULL_KEY if value is None else int(value)


def _as_date(value: date | str) -> date:
    # SQLite may hand a grouped date back as text.
    return value if isinstance(value, date) else date.fromisoformat(value)


# ---------------------------------------------------------------------------------------
# Keeping the roll-ups


@dataclass(frozen=True)
class Rolled:
    """What a roll-up did: days written and months rebuilt."""

    days: int
    months: int


def roll_up(session: Session, office: Office, start: date, end: date, now: datetime) -> Rolled:
    """Roll the office's days start…end up (again): replace their rows, rebuild months."""
    days = 0
    months: set[date] = set()
    chunk_start = start
    while chunk_start <= end:
        # A month at most per pass over the raw tickets keeps the memory bounded.
        chunk_end = min(end, _month_end(chunk_start))
        found = compute_days(session, Scope(offices=(office,), start=chunk_start, end=chunk_end))
        day = chunk_start
        while day <= chunk_end:
            _store_day(session, office.id, day, found, now)
            days += 1
            day += timedelta(days=1)
        months.add(chunk_start.replace(day=1))
        chunk_start = chunk_end + timedelta(days=1)
    rebuilt = sum(1 for month in sorted(months) if _rebuild_month(session, office.id, month, now))
    for year in sorted({m.replace(month=1) for m in months}):
        _rebuild_year(session, office.id, year, now)
    return Rolled(days=days, months=rebuilt)


def _store_day(session: Session, office_id: int, day: date, found: Days, now: datetime) -> None:
    for table in (ReportPeriod, ReportWaitBucket):
        session.execute(
            delete(table).where(table.office_id == office_id, table.span == DAY, table.day == day)
        )
    session.execute(
        delete(ReportHour).where(ReportHour.office_id == office_id, ReportHour.day == day)
    )
    counts = found.counts.get((office_id, day)) or dict.fromkeys((*COUNT_FIELDS, "breaches"), 0)
    session.execute(
        insert(ReportPeriod),
        [{"office_id": office_id, "span": DAY, "day": day, "rolled_at": now, **counts}],
    )
    buckets = [
        _bucket_row(office_id, DAY, day, key[2:], minute, seconds)
        for key, (minute, seconds) in found.minutes.items()
        if key[0] == office_id and key[1] == day
    ]
    if buckets:
        session.execute(insert(ReportWaitBucket), buckets)
    hours = [
        {"office_id": office_id, "day": day, "weekday": key[2], "hour": key[3], **values}
        for key, values in found.hours.items()
        if key[0] == office_id and key[1] == day
    ]
    if hours:
        session.execute(insert(ReportHour), hours)


def _bucket_row(
    office_id: int,
    span: str,
    day: date,
    key: tuple[int, ...],
    minute: Minute,
    seconds: dict[int, int],
) -> dict[str, Any]:
    dim, k1, k2, bucket = key
    return {
        "office_id": office_id,
        "span": span,
        "day": day,
        "dim": dim,
        "k1": k1,
        "k2": k2,
        "bucket": bucket,
        "n": minute.n,
        "total_v": minute.total,
        "max_v": minute.max_v,
        "within": minute.within,
        "lim": minute.lim,
        "fine": pack(seconds),
    }


def _month_end(day: date) -> date:
    following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return following - timedelta(days=1)


def _rebuild_month(session: Session, office_id: int, month: date, now: datetime) -> bool:
    """Sum a month's days into its own rows, when all of them are rolled up.

    "All" is every day of the month from the office's first rolled-up day on (days before
    its first tickets are never rolled up). Otherwise the month's rows are removed: a
    report then reads its days.
    """
    return _rebuild(session, office_id, MONTH, month, _month_end(month), now)


def _rebuild_year(session: Session, office_id: int, year: date, now: datetime) -> bool:
    """Sum a year's months into its own rows, when all of them have month rows (from the
    office's first rolled-up month on); otherwise remove them."""
    return _rebuild(session, office_id, YEAR, year, year.replace(month=12, day=31), now)


def _rebuild(
    session: Session, office_id: int, span: str, first: date, last: date, now: datetime
) -> bool:
    """The rows of a month (from its days) or a year (from its months)."""
    part = DAY if span == MONTH else MONTH
    for table in (ReportPeriod, ReportWaitBucket):
        session.execute(
            delete(table).where(
                table.office_id == office_id, table.span == span, table.day == first
            )
        )
    first_rolled = session.scalar(
        select(func.min(ReportPeriod.day)).where(
            ReportPeriod.office_id == office_id, ReportPeriod.span == DAY
        )
    )
    if first_rolled is None or first_rolled > last:
        return False
    from_day = max(first, first_rolled if part == DAY else first_rolled.replace(day=1))
    expected = (
        (last - from_day).days + 1
        if part == DAY
        else (last.year - from_day.year) * 12 + last.month - from_day.month + 1
    )
    in_span = and_(
        ReportPeriod.office_id == office_id,
        ReportPeriod.span == part,
        ReportPeriod.day >= from_day,
        ReportPeriod.day <= last,
    )
    fields = (*COUNT_FIELDS, "breaches")
    sums = session.execute(
        select(
            func.count().label("parts"),
            *(func.coalesce(func.sum(getattr(ReportPeriod, f)), 0).label(f) for f in fields),
        ).where(in_span)
    ).one()
    if int(sums.parts) != expected:
        return False
    session.execute(
        insert(ReportPeriod),
        [
            {
                "office_id": office_id,
                "span": span,
                "day": first,
                "rolled_at": now,
                **{f: int(getattr(sums, f)) for f in fields},
            }
        ],
    )
    merged: dict[tuple[int, int, int, int], tuple[Minute, dict[int, int]]] = {}
    b = ReportWaitBucket
    rows = session.connection().execute(
        select(b.dim, b.k1, b.k2, b.bucket, b.n, b.total_v, b.max_v, b.within, b.lim, b.fine).where(
            b.office_id == office_id, b.span == part, b.day >= from_day, b.day <= last
        )
    )
    for dim, k1, k2, bucket, n, total, max_v, within, lim, fine in rows:
        entry = merged.get((dim, k1, k2, bucket))
        if entry is None:
            entry = merged[(dim, k1, k2, bucket)] = (Minute(), {})
        entry[0].add_totals(n, total, max_v, within, lim)
        seconds = entry[1]
        for off, count in unpack(fine).items():
            seconds[off] = seconds.get(off, 0) + count
    if merged:
        session.execute(
            insert(ReportWaitBucket),
            [_bucket_row(office_id, span, first, k, m, sec) for k, (m, sec) in merged.items()],
        )
    return True


def rolled_through(session: Session) -> dict[int, date]:
    """The last rolled-up day of each office that has one."""
    return {
        office_id: _as_date(last)
        for office_id, last in session.execute(
            select(ReportPeriod.office_id, func.max(ReportPeriod.day))
            .where(ReportPeriod.span == DAY)
            .group_by(ReportPeriod.office_id)
        )
    }


def first_ticket_day(session: Session, office_id: int) -> date | None:
    """The local date of the office's first ticket (None without tickets)."""
    found = session.scalar(select(func.min(Ticket.day)).where(Ticket.office_id == office_id))
    return None if found is None else _as_date(found)
