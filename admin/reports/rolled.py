"""Reading the roll-ups: which rows cover a report's period, and the figures they add up to.

A period is covered, per office, by whole months that have month rows, by rolled-up days
otherwise, and by the raw tickets for the days not rolled up yet (today, or a backlog),
computed in memory by the same pass that rolls a day up (`rollup.compute_days`). The
figures are those of the raw computation to the second (tests/admin/test_rollups.py).
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, Integer, and_, bindparam, cast, false, func, or_, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from admin.reports.histogram import NULL_KEY, KeyHistogram, Minute, unpack
from admin.reports.rollup import COUNT_FIELDS, DAY, MONTH, YEAR, Days, compute_days
from admin.reports.scope import Scope
from queue_server.reports.models import ReportHour, ReportPeriod, ReportWaitBucket

# Rank minutes fetched per statement (four bound values each).
_FETCH_CHUNK = 500


@dataclass(frozen=True)
class Source:
    """Where each office's days of a period come from."""

    scope: Scope
    # office → (span, first day) of the whole years and months read as such
    months: dict[int, tuple[tuple[str, date], ...]]
    days: dict[int, tuple[date, ...]]  # office → rolled-up days read one by one
    raw: tuple[Scope, ...]  # runs of days not rolled up, read from the tickets

    @property
    def rolled(self) -> bool:
        """Whether any of the period comes from the roll-ups."""
        return any(self.months.values()) or any(self.days.values())

    def raw_days(self) -> set[tuple[int, date]]:
        """(office, day) of every day read from the tickets."""
        out: set[tuple[int, date]] = set()
        for scope in self.raw:
            for office_id in scope.office_ids:
                out.update((office_id, day) for day in _dates(scope.start, scope.end))
        return out


def plan_source(session: Session, scope: Scope) -> Source:
    """Which years, months, days and raw runs cover the scope."""
    found: dict[int, dict[str, set[date]]] = defaultdict(
        lambda: {DAY: set(), MONTH: set(), YEAR: set()}
    )
    for office_id, span, day in session.execute(
        select(ReportPeriod.office_id, ReportPeriod.span, ReportPeriod.day).where(
            ReportPeriod.office_id.in_(scope.office_ids),
            ReportPeriod.day >= scope.start.replace(month=1, day=1),
            ReportPeriod.day <= scope.end,
        )
    ):
        found[office_id][span].add(day if isinstance(day, date) else date.fromisoformat(day))
    spans: dict[int, tuple[tuple[str, date], ...]] = {}
    days: dict[int, tuple[date, ...]] = {}
    unrolled: dict[tuple[date, date], list[Any]] = defaultdict(list)
    for office in scope.offices:
        whole: list[tuple[str, date]] = []
        covered: set[date] = set()
        for span, last_of in ((YEAR, _year_end), (MONTH, _month_end)):
            for first in sorted(found[office.id][span]):
                last = last_of(first)
                if first >= scope.start and last <= scope.end and first not in covered:
                    whole.append((span, first))
                    covered.update(_dates(first, last))
        single = tuple(
            sorted(
                d
                for d in found[office.id][DAY]
                if scope.start <= d <= scope.end and d not in covered
            )
        )
        spans[office.id], days[office.id] = tuple(whole), single
        rest = [d for d in _dates(scope.start, scope.end) if d not in covered and d not in single]
        for run in _runs(rest):
            unrolled[run].append(office)
    raw = tuple(
        Scope(offices=tuple(offices), start=a, end=b)
        for (a, b), offices in sorted(unrolled.items())
    )
    return Source(scope=scope, months=spans, days=days, raw=raw)


def raw_part(session: Session, source: Source) -> Days:
    """The roll-up rows of the days not rolled up, computed from the tickets now."""
    out = Days()
    for scope in source.raw:
        part = compute_days(session, scope)
        out.counts.update(part.counts)
        out.minutes.update(part.minutes)
        out.hours.update(part.hours)
    return out


def _selection(table: Any, source: Source) -> ColumnElement[bool]:
    """The rows of `table` (span and day columns) that the source reads."""
    clauses: list[ColumnElement[bool]] = []
    for office_id, whole in source.months.items():
        for span in (YEAR, MONTH):
            firsts = [first for s, first in whole if s == span]
            if firsts:
                clauses.append(
                    and_(table.office_id == office_id, table.span == span, table.day.in_(firsts))
                )
    for office_id, days in source.days.items():
        for a, b in _runs(list(days)):
            clauses.append(
                and_(
                    table.office_id == office_id,
                    table.span == DAY,
                    table.day >= a,
                    table.day <= b,
                )
            )
    return or_(*clauses) if clauses else false()


def office_counts(session: Session, source: Source, raw: Days) -> dict[int, dict[str, int]]:
    """Per office: the ticket counts and breaches of the period."""
    fields = (*COUNT_FIELDS, "breaches")
    out: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(fields, 0))
    p = ReportPeriod
    query = (
        select(p.office_id, *(func.sum(getattr(p, f)).label(f) for f in fields))
        .where(_selection(p, source))
        .group_by(p.office_id)
    )
    for r in session.execute(query):
        for f in fields:
            out[r.office_id][f] += int(getattr(r, f) or 0)
    for (office_id, _day), counts in raw.counts.items():
        for f in fields:
            out[office_id][f] += counts[f]
    return dict(out)


class StatRow(NamedTuple):
    """One key's wait statistics, as `waits.stats_statement` returns them."""

    dim: int
    k1: int | None
    k2: int | None
    n: int
    total_v: int
    median: int
    p90: int
    max: int | None
    within: int
    limit: int | None


def wait_stats(session: Session, source: Source, raw: Days) -> list[StatRow]:
    """Every dimension's statistics from the minute rows, exact to the second."""
    with _collector_paused():
        return _wait_stats(session, source, raw)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic GC while thousands of small objects are made: in a server's large heap each
    full collection it would trigger costs more than the work itself (and they hold no
    cycles: reference counting frees them)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _wait_stats(session: Session, source: Source, raw: Days) -> list[StatRow]:
    hists: dict[tuple[int, int, int], KeyHistogram] = defaultdict(KeyHistogram)
    stored: set[tuple[int, int, int, int]] = set()
    b = ReportWaitBucket
    sel = _selection(b, source)
    # Sums cast to bigint: PostgreSQL's sum of a bigint is numeric (slow Decimals here).
    totals = (
        select(
            b.dim,
            b.k1,
            b.k2,
            b.bucket,
            cast(func.sum(b.n), BigInteger),
            cast(func.sum(b.total_v), BigInteger),
            func.max(b.max_v),
            cast(func.sum(b.within), BigInteger),
            func.max(b.lim),
        )
        .where(sel)
        .group_by(b.dim, b.k1, b.k2, b.bucket)
    )
    # Plain tuples through the connection: thousands of rows, no ORM row handling needed.
    for dim, k1, k2, bucket, n, total, max_v, within, lim in session.connection().execute(totals):
        key = (dim, k1, k2)
        hist = hists.get(key)
        if hist is None:
            hist = hists[key] = KeyHistogram()
        # One row per (key, minute): the GROUP BY saw to it.
        hist.minutes[bucket] = Minute(n, total, max_v, within, lim)
        stored.add((dim, k1, k2, bucket))
    for (_o, _d, dim, k1, k2, bucket), (part, seconds) in raw.minutes.items():
        minute = hists[(dim, k1, k2)].minute(bucket)
        assert part.max_v is not None
        minute.add_totals(part.n, part.total, part.max_v, part.within, part.lim)
        minute.add_seconds(seconds)
    wanted = sorted(
        {
            (*key, bucket)
            for key, hist in hists.items()
            for bucket in hist.rank_buckets()
            if (*key, bucket) in stored
        }
    )
    for dim, k1, k2, bucket, fine in _fines(session, sel, wanted):
        hists[(dim, k1, k2)].minutes[bucket].add_seconds(unpack(fine))
    return [_stat(key, hist) for key, hist in sorted(hists.items())]


def _fines(
    session: Session, sel: ColumnElement[bool], wanted: list[tuple[int, int, int, int]]
) -> Iterable[Any]:
    """The packed seconds of the wanted (dim, k1, k2, minute) rows of the selection."""
    b = ReportWaitBucket
    columns = (b.dim, b.k1, b.k2, b.bucket, b.fine)
    if not wanted:
        return
    if session.get_bind().dialect.name == "postgresql":
        # Four arrays, one parameter each: a tuple IN of thousands of parameters costs
        # more to send and plan than to run.
        keys = (
            func.unnest(
                *(
                    bindparam(f"wanted_{i}", [w[i] for w in wanted], type_=ARRAY(Integer))
                    for i in range(4)
                )
            )
            .table_valued("dim", "k1", "k2", "bucket")
            .render_derived(name="wanted")
        )
        yield from session.connection().execute(
            select(*columns)
            .join(
                keys,
                and_(
                    keys.c.dim == b.dim,
                    keys.c.k1 == b.k1,
                    keys.c.k2 == b.k2,
                    keys.c.bucket == b.bucket,
                ),
            )
            .where(sel)
        )
        return
    for start in range(0, len(wanted), _FETCH_CHUNK):
        chunk = wanted[start : start + _FETCH_CHUNK]
        yield from session.execute(
            select(*columns).where(sel, tuple_(b.dim, b.k1, b.k2, b.bucket).in_(chunk))
        )


def _stat(key: tuple[int, int, int], hist: KeyHistogram) -> StatRow:
    minutes = hist.minutes.values()
    n = sum(m.n for m in minutes)
    limits = [m.lim for m in minutes if m.lim is not None]
    dim, k1, k2 = key
    return StatRow(
        dim=dim,
        k1=None if k1 == NULL_KEY else k1,
        k2=None if k2 == NULL_KEY else k2,
        n=n,
        total_v=sum(m.total for m in minutes),
        median=hist.value_at((n + 1) // 2),
        p90=hist.value_at((9 * n + 9) // 10),
        max=max((m.max_v for m in minutes if m.max_v is not None), default=None),
        within=sum(m.within for m in minutes),
        limit=max(limits) if limits else None,
    )


def hour_rows(
    session: Session, source: Source, raw: Days, weekday: int | None
) -> Iterable[tuple[date, int, dict[str, Any]]]:
    """The planner's (day, hour, figures) rows of the period, rolled-up and raw."""
    scope = source.scope
    skip = source.raw_days()
    h = ReportHour
    query = select(h).where(
        h.office_id.in_(scope.office_ids), h.day >= scope.start, h.day <= scope.end
    )
    if weekday:
        query = query.where(h.weekday == weekday)
    for row in session.scalars(query):
        if (row.office_id, row.day) in skip:
            continue
        yield row.day, row.hour, {c: getattr(row, c) for c in _HOUR_COLUMNS}
    for (_office, day, wd, hour), values in raw.hours.items():
        if weekday and wd != weekday:
            continue
        yield day, hour, values


_HOUR_COLUMNS = (
    "arrivals",
    "called",
    "within",
    "service_n",
    "service_sum",
    "min_limit",
    "open_windows",
)


def _dates(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as runs of consecutive dates (first, last)."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _year_end(day: date) -> date:
    return day.replace(month=12, day=31)


def _month_end(day: date) -> date:
    following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return following - timedelta(days=1)
