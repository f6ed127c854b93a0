"""What-if for managers: a day with the windows you choose, simulated on the real services.

The manager gives, for each local hour, how many windows are open and how many
applicants are expected (the office's history by default, worked out by the caller).
The day is simulated several times (one seed each), and the waits are summed up per
hour — mean, p90, share within the limit, breaches — beside Erlang C's prediction for
the same hour (`erlang.py`, the planner's formula).

Each seed's day is replayed in memory (`pooled.py`: the simulator's events in the real
dispatcher's order, milliseconds a day); `real_services_day` runs the same day through
the real services on a scratch database (seconds a day), and `test_whatif.py` checks
that the two give the same waits to the microsecond.

The model, shared with Erlang C so that the two columns answer the same question: every
open window serves every service of the mix (a pooled office; the office's own split of
services between windows is not modelled), clerks come and go on the hour, and the day's
applicants have the history's mix of services and service times.

A run is bounded: at most `MAX_ARRIVALS_PER_DAY` expected applicants and `MAX_SEEDS`
seeds, and it stops after `TIME_BUDGET_S` with the seeds finished by then (at least one
is always needed, so the size bound is what keeps a run short). One run at a time per
server process (the app's `Runtime.whatif_runs`, a semaphore of one): a second manager is
told to try again in a minute.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from queue_server.config_io import ConfigFile, OfficeConfig
from queue_server.errors import InvalidInput
from queue_server.simulation.config import Arrivals, Bookings, Clerk, ServiceTime, SimConfig
from queue_server.simulation.engine import Simulation
from queue_server.simulation.erlang import erlang_c, mean_wait_s, share_within
from queue_server.simulation.limits import (
    DEFAULT_SEEDS,
    HOURS,
    MAX_ARRIVALS_PER_DAY,
    MAX_ARRIVALS_PER_HOUR,
    MAX_SEEDS,
    MAX_WINDOWS,
    TIME_BUDGET_S,
)
from queue_server.simulation.pooled import PooledDay
from queue_server.simulation.records import DayResult, WaitRecord, percentile
from queue_server.simulation.scratch import scratch_database

# The simulated date: fixed, so that the answer never depends on today (the rates are
# given per hour, the weekday plays no part); a plain Monday, not a public holiday.
WHATIF_DAY = date(2026, 11, 23)
WHATIF_OFFICE = "whatif"


@dataclass(frozen=True)
class ServiceProfile:
    """A service of the mix: its share of applicants, mean service time and wait limit."""

    code: str
    share: float
    mean_service_s: float
    limit_s: float


@dataclass(frozen=True)
class Behaviour:
    """How applicants behave beside the mix: the simulator's defaults, or M/M/c's."""

    distribution: str = "lognormal"
    no_show: float = 0.03
    priority_share: float = 0.05
    walk_seconds: tuple[float, float] = (5.0, 45.0)


@dataclass(frozen=True)
class WhatIfPlan:
    """The day to simulate: windows and expected arrivals per local hour (0–23)."""

    windows: list[int]
    arrivals: list[float]
    services: list[ServiceProfile]
    catalogue: ConfigFile
    timezone: str = "Europe/Moscow"
    behaviour: Behaviour = field(default_factory=Behaviour)


@dataclass
class HourResult:
    """One hour: the simulated waits of those who came in it, and Erlang C's prediction."""

    hour: int
    windows: int
    arrivals: float
    calls: int = 0
    mean_wait_s: float | None = None
    p90_wait_s: float | None = None
    within_share: float | None = None
    breaches_per_day: float = 0.0
    erlang_mean_wait_s: float | None = None
    erlang_p90_wait_s: float | None = None
    erlang_within_share: float | None = None


@dataclass
class WhatIfResult:
    """The whole day: per hour, and for the day."""

    hours: list[HourResult]
    seeds: int
    seconds: float
    calls: int
    mean_wait_s: float
    p90_wait_s: float
    within_share: float | None
    breaches_per_day: float
    unserved_per_day: float
    stopped_early: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of the answer."""
        return {
            "seeds": self.seeds,
            "seconds": round(self.seconds, 2),
            "calls": self.calls,
            "mean_wait_s": round(self.mean_wait_s, 1),
            "p90_wait_s": round(self.p90_wait_s, 1),
            "within_share": None if self.within_share is None else round(self.within_share, 4),
            "breaches_per_day": round(self.breaches_per_day, 2),
            "unserved_per_day": round(self.unserved_per_day, 2),
            "stopped_early": self.stopped_early,
            "hours": [
                {k: (round(v, 4) if isinstance(v, float) else v) for k, v in h.__dict__.items()}
                for h in self.hours
            ],
        }


class _OutOfTime(Exception):
    """The run's time budget is used up."""


def check_plan(plan: WhatIfPlan) -> None:
    """Refuse a day the simulator cannot or should not run, with a message for people."""
    if len(plan.windows) != HOURS or len(plan.arrivals) != HOURS:
        raise InvalidInput(code="bad_hours")
    if any(w < 0 or w > MAX_WINDOWS for w in plan.windows):
        raise InvalidInput(code="bad_windows", high=MAX_WINDOWS)
    if any(not math.isfinite(a) or a < 0 or a > MAX_ARRIVALS_PER_HOUR for a in plan.arrivals):
        raise InvalidInput(code="bad_arrivals", high=f"{MAX_ARRIVALS_PER_HOUR:.0f}")
    total = sum(plan.arrivals)
    if total > MAX_ARRIVALS_PER_DAY:
        raise InvalidInput(
            code="too_many_arrivals", total=f"{total:.0f}", high=f"{MAX_ARRIVALS_PER_DAY:.0f}"
        )
    if total > 0 and not any(plan.windows):
        raise InvalidInput(code="no_windows")
    if not plan.services or sum(s.share for s in plan.services) <= 0:
        raise InvalidInput(code="no_services")


def _shifts(windows: list[int], number: int) -> list[tuple[str, str]]:
    """The hours window `number` is staffed, as shifts ("HH:MM", "HH:MM")."""
    shifts: list[tuple[str, str]] = []
    start: int | None = None
    for hour in range(HOURS + 1):
        staffed = hour < HOURS and windows[hour] >= number
        if staffed and start is None:
            start = hour
        elif not staffed and start is not None:
            shifts.append((f"{start:02d}:00", "23:59" if hour == HOURS else f"{hour:02d}:00"))
            start = None
    return shifts


def sim_config(plan: WhatIfPlan) -> SimConfig:
    """The simulated office: every window serves every service of the mix, open all day."""
    codes = [s.code for s in plan.services if s.share > 0]
    count = max(plan.windows)
    office = OfficeConfig.model_validate(
        {
            "name": "Расчёт «что если»",
            "timezone": plan.timezone,
            "opening_hours": {
                d: ["00:00", "23:59"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            },
            "windows": {
                n: {"services": [{"service": c, "order": 1} for c in codes]}
                for n in range(1, count + 1)
            },
        }
    )
    rates = {h: a for h, a in enumerate(plan.arrivals) if a > 0}
    b = plan.behaviour
    return SimConfig(
        office_code=WHATIF_OFFICE,
        catalogue=plan.catalogue,
        office=office,
        clerks=[
            Clerk(window=n, shifts=_shifts(plan.windows, n))
            for n in range(1, count + 1)
            if _shifts(plan.windows, n)
        ],
        arrivals=Arrivals(
            rates={d: dict(rates) for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        ),
        mix={s.code: s.share for s in plan.services if s.share > 0},
        service_times={
            s.code: ServiceTime(
                mean_minutes=max(s.mean_service_s, 1.0) / 60.0,
                distribution="exponential" if b.distribution == "exponential" else "lognormal",
            )
            for s in plan.services
            if s.share > 0
        },
        walk_seconds=b.walk_seconds,
        no_show=b.no_show,
        priority_share=b.priority_share,
        bookings=Bookings(share=0.0),
        redirect=0.0,
        redirect_to={},
        returns={},
    )


def real_services_day(config: SimConfig, seed: int) -> DayResult | None:
    """The what-if's day of one seed through the real services, on a scratch database
    (the reference the in-memory replay is checked against)."""
    with scratch_database() as db:
        sim = Simulation(db=db, config=config, seed=seed, start=WHATIF_DAY)
        return sim.run_day(WHATIF_DAY)


def erlang_hour(plan: WhatIfPlan, hour: int) -> tuple[float | None, float | None, float | None]:
    """Erlang C for one hour in steady state: mean wait, p90 wait, share within the limit.

    The service time is the mix's mean; the share within is the mix-weighted share within
    each service's own limit (in a pooled M/M/c every applicant waits alike). None when
    the windows cannot keep up (the queue grows without bound) or nobody comes.
    """
    rate, windows = plan.arrivals[hour], plan.windows[hour]
    mix = [s for s in plan.services if s.share > 0]
    total = sum(s.share for s in mix)
    if rate <= 0 or total <= 0:
        return None, None, None
    service = sum(s.share * s.mean_service_s for s in mix) / total
    traffic = rate * service / 3600.0
    if windows <= traffic:
        return None, None, 0.0
    waiting = erlang_c(windows, traffic)
    # P(W > t) = C·exp(−(N − A)·t / S): the 90th percentile is 0 when C ≤ 0.1.
    p90 = service / (windows - traffic) * math.log(waiting / 0.1) if waiting > 0.1 else 0.0
    within = sum(s.share * share_within(windows, traffic, service, s.limit_s) for s in mix) / total
    return mean_wait_s(windows, traffic, service), p90, within


def run_whatif(
    plan: WhatIfPlan,
    *,
    seeds: int = DEFAULT_SEEDS,
    on_progress: Callable[[float], None] | None = None,
    time_budget_s: float = TIME_BUDGET_S,
) -> WhatIfResult:
    """Simulate the day `seeds` times (seeds 1…n) and sum up the waits per hour."""
    check_plan(plan)
    if not 1 <= seeds <= MAX_SEEDS:
        raise InvalidInput(code="bad_seeds", high=MAX_SEEDS)
    began = time.monotonic()
    config = sim_config(plan)
    zone = ZoneInfo(plan.timezone)
    expected = max(1.0, sum(plan.arrivals)) * seeds
    calls_done = 0
    waits: list[WaitRecord] = []
    unserved = 0
    finished = 0

    def on_call() -> None:
        nonlocal calls_done
        calls_done += 1
        if on_progress is not None and calls_done % 10 == 0:
            on_progress(min(0.99, calls_done / expected))
        if finished and time.monotonic() - began > time_budget_s:
            raise _OutOfTime

    stopped = False
    for seed in range(1, seeds + 1):
        try:
            day = PooledDay(config=config, seed=seed, day=WHATIF_DAY, on_call=on_call).run()
        except _OutOfTime:
            stopped = True
            break
        if day is not None:
            waits.extend(day.waits)
            unserved += day.unserved
        finished += 1
        calls_done = round(expected * finished / seeds)
        if on_progress is not None:
            on_progress(min(0.99, finished / seeds))
        if time.monotonic() - began > time_budget_s and seed < seeds:
            stopped = True
            break
    result = _sum_up(plan, waits, finished, zone)
    result.seconds = time.monotonic() - began
    result.unserved_per_day = unserved / finished
    result.stopped_early = stopped
    if on_progress is not None:
        on_progress(1.0)
    return result


def _sum_up(plan: WhatIfPlan, waits: list[WaitRecord], days: int, zone: ZoneInfo) -> WhatIfResult:
    by_hour: dict[int, list[WaitRecord]] = {h: [] for h in range(HOURS)}
    for w in waits:
        by_hour[w.waiting_since.astimezone(zone).hour].append(w)
    hours = []
    for hour in range(HOURS):
        records = by_hour[hour]
        values = [w.wait_s for w in records]
        e_mean, e_p90, e_within = erlang_hour(plan, hour)
        hours.append(
            HourResult(
                hour=hour,
                windows=plan.windows[hour],
                arrivals=plan.arrivals[hour],
                calls=len(records),
                mean_wait_s=sum(values) / len(values) if values else None,
                p90_wait_s=percentile(values, 0.9) if values else None,
                within_share=sum(w.within_limit for w in records) / len(records)
                if records
                else None,
                breaches_per_day=sum(not w.within_limit for w in records) / days,
                erlang_mean_wait_s=e_mean,
                erlang_p90_wait_s=e_p90,
                erlang_within_share=e_within,
            )
        )
    values = [w.wait_s for w in waits]
    return WhatIfResult(
        hours=hours,
        seeds=days,
        seconds=0.0,
        calls=len(waits),
        mean_wait_s=sum(values) / len(values) if values else 0.0,
        p90_wait_s=percentile(values, 0.9),
        within_share=sum(w.within_limit for w in waits) / len(waits) if waits else None,
        breaches_per_day=sum(not w.within_limit for w in waits) / days,
        unserved_per_day=0.0,
    )
