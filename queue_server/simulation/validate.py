"""The simulator against queueing theory: M/M/c days on the real services vs Erlang C.

One service, FIFO dispatch, c windows staffed round the clock, Poisson arrivals at λ per
hour, exponential service at μ per hour and window; no no-shows, priorities, bookings,
redirects or walking to the window. Each simulated day starts empty and is one batch:
waits of arrivals in its first eight hours (the warm-up) are left out, and the days, being
independent, give a confidence interval for the mean wait and for P(wait > 15 min) by
the ratio estimator over days. The theory is `erlang.mean_wait_s` and `erlang.share_within`.

    python -m queue_server.simulation.validate --write docs/simulation.md
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import statistics
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter
from zoneinfo import ZoneInfo

from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.offices.calendar import WEEKDAYS
from queue_server.simulation.applicants import Applicant, new_applicants
from queue_server.simulation.config import SimConfig
from queue_server.simulation.engine import simulate
from queue_server.simulation.erlang import mean_wait_s, share_within

LIMIT_S = 15 * 60
# Days start empty; the first hours of waits are shorter than the steady state's. An
# M/M/1 at ρ = 0.5 with 30-minute services relaxes in about 1/(μ(1−√ρ)²) ≈ 6 hours.
WARM_UP = timedelta(hours=8)
# A Monday far from the New Year holidays, so that the first days are all open.
START = date(2026, 3, 2)
BEGIN, END = "<!-- validation:begin -->", "<!-- validation:end -->"


@dataclass(frozen=True)
class Case:
    """An M/M/c set-up: arrivals and services per hour, windows, and simulated days."""

    arrivals_per_hour: float
    services_per_hour: float
    windows: int
    days: int

    @property
    def traffic(self) -> float:
        """Offered load A = λ/μ in erlangs."""
        return self.arrivals_per_hour / self.services_per_hour

    @property
    def mean_service_s(self) -> float:
        """1/μ in seconds."""
        return 3600.0 / self.services_per_hour

    def theory(self) -> tuple[float, float]:
        """Erlang C's mean wait (s) and P(wait > 15 min)."""
        a, s = self.traffic, self.mean_service_s
        return mean_wait_s(self.windows, a, s), 1 - share_within(self.windows, a, s, LIMIT_S)


# Utilisation 0.5–0.7: at higher loads the days needed for a ±5 % interval are many more.
CASES = [
    Case(1.5, 3.0, 1, 600),
    Case(1.0, 2.0, 1, 600),
    Case(2.0, 2.0, 2, 600),
    Case(3.6, 3.0, 2, 500),
    Case(3.6, 2.0, 3, 500),
    Case(4.8, 2.0, 4, 500),
]


def mmc_config(case: Case) -> SimConfig:
    """The office of an M/M/c case."""
    windows = {n: {"services": [{"service": "s"}]} for n in range(1, case.windows + 1)}
    return SimConfig.model_validate(
        {
            "office_code": "mmc",
            "catalogue": {
                "services": {"s": {"name_ru": "Услуга", "prefix": "А", "kind": "intake"}}
            },
            "office": {
                "name": "M/M/c",
                "opening_hours": {d: ["00:00", "23:59"] for d in WEEKDAYS},
                "dispatch_policy": "fifo",
                "windows": windows,
            },
            "clerks": [{"window": n, "shifts": [["00:00", "23:59"]]} for n in windows],
            "arrivals": {
                "rates": {d: dict.fromkeys(range(24), case.arrivals_per_hour) for d in WEEKDAYS}
            },
            "mix": {"s": 1.0},
            "service_times": {
                "s": {"mean_minutes": case.mean_service_s / 60, "distribution": "exponential"}
            },
            "walk_seconds": [0, 0],
            "no_show": 0,
            "priority_share": 0,
            "bookings": {"share": 0},
            "redirect": 0,
            "redirect_to": {},
            "returns": {},
        }
    )


@dataclass(frozen=True)
class Estimate:
    """A ratio estimate over days with its 95 % half-width."""

    value: float
    half_width: float


def ratio_estimate(totals: list[float], counts: list[int]) -> Estimate:
    """Σ totals / Σ counts over independent days, with the delta-method 95 % interval."""
    days = len(counts)
    value = sum(totals) / sum(counts)
    if days < 2:
        return Estimate(value, math.inf)
    mean_count = sum(counts) / days
    residuals = [t - value * n for t, n in zip(totals, counts, strict=True)]
    se = math.sqrt(statistics.fmean(r * r for r in residuals) * days / (days - 1) / days)
    return Estimate(value, 1.96 * se / mean_count)


Day = list[tuple[datetime, float]]  # (start of the wait, wait in seconds) of each call


def run_case(case: Case, *, seed: int, url: str | None = None) -> tuple[list[date], list[Day]]:
    """Simulate the case's days on the real services (a fresh SQLite file unless `url`)."""
    with tempfile.TemporaryDirectory() as directory:
        target = url or f"sqlite:///{Path(directory) / 'mmc.sqlite3'}"
        upgrade(target)
        db = Database.from_url(target)
        try:
            days = simulate(db=db, config=mmc_config(case), seed=seed, start=START, days=case.days)
        finally:
            db.dispose()
    return [d.day for d in days], [[(w.waiting_since, w.wait_s) for w in d.waits] for d in days]


def fifo_waits(applicants: list[Applicant], windows: int, opens: datetime) -> Day:
    """The waits of an M/M/c FIFO day by the Kiefer–Wolfowitz recursion: each arrival
    takes the window that frees first."""
    free = [opens] * windows
    waits = []
    for applicant in applicants:
        begins = max(applicant.arrive_at, heapq.heappop(free))
        heapq.heappush(free, begins + timedelta(seconds=applicant.service_seconds))
        waits.append((applicant.arrive_at, (begins - applicant.arrive_at).total_seconds()))
    return waits


def recursion_days(case: Case, *, seed: int, days: list[date]) -> list[Day]:
    """The same applicants as the simulator's (same seed, same draws) through the recursion."""
    config = mmc_config(case)
    zone = ZoneInfo(config.office.timezone)
    rng = random.Random(seed)
    result = []
    for day in days:
        people = new_applicants(rng, config, day, time(0), time(23, 59), zone, [])
        result.append(fifo_waits(people, case.windows, datetime.combine(day, time(0), zone)))
    return result


def estimates(case: Case, days: list[Day]) -> tuple[int, Estimate, Estimate]:
    """Calls, mean wait and P(wait > 15 min) over the days, each day's first hour left out."""
    waits, overs, counts = [], [], []
    for day in days:
        if not day:
            continue
        opened = min(since for since, _ in day)
        opened = opened.replace(minute=0, second=0, microsecond=0)
        kept = [w for since, w in day if since >= opened + WARM_UP]
        if kept:
            waits.append(sum(kept))
            overs.append(float(sum(w > LIMIT_S for w in kept)))
            counts.append(len(kept))
    return sum(counts), ratio_estimate(waits, counts), ratio_estimate(overs, counts)


@dataclass(frozen=True)
class Outcome:
    """A case's figures: through the real services, and by the recursion at length."""

    case: Case
    real: tuple[int, Estimate, Estimate]
    long: tuple[int, Estimate, Estimate]
    long_days: int
    # The largest difference of one wait, real services vs recursion, on the same days.
    max_difference_s: float
    seconds: float


def validate_case(case: Case, *, seed: int, long_days: int) -> Outcome:
    """Run a case through the real services, check it against the recursion wait by wait,
    and estimate at length with the recursion."""
    began = perf_counter()
    days, real = run_case(case, seed=seed)
    seconds = perf_counter() - began
    more = [days[-1] + timedelta(days=k) for k in range(1, max(0, long_days - len(days)) + 1)]
    shadow = recursion_days(case, seed=seed, days=days + more)
    difference = _largest_difference(real, shadow[: len(real)])
    return Outcome(
        case=case,
        real=estimates(case, real),
        long=estimates(case, shadow),
        long_days=len(shadow),
        max_difference_s=difference,
        seconds=seconds,
    )


def _largest_difference(real: list[Day], shadow: list[Day]) -> float:
    """The largest difference of one wait on the same day; infinite if the calls differ."""
    if [len(r) for r in real] != [len(s) for s in shadow]:
        return math.inf
    pairs = (zip(r, s, strict=True) for r, s in zip(real, shadow, strict=True))
    return max((abs(a[1] - b[1]) for day in pairs for a, b in day), default=0.0)


def agrees(estimate: Estimate, theory: float, tolerance: float = 0.05) -> bool:
    """The whole 95 % interval lies within `tolerance` of the theory."""
    return abs(estimate.value - theory) + estimate.half_width <= tolerance * theory


def _cell(estimate: Estimate, theory: float, scale: float, digits: int) -> str:
    delta = estimate.value / theory - 1
    return (
        f"{estimate.value / scale:.{digits}f} ± {estimate.half_width / scale:.{digits}f} "
        f"({delta:+.1%})"
    )


def table(outcomes: list[Outcome]) -> str:
    """The markdown table of docs/simulation.md."""
    lines = [
        "| λ /h | μ /h | c | ρ | Erlang C: mean wait, min | real services: days, calls | "
        "mean wait ± 95 % (Δ) | recursion: days | mean wait ± 95 % (Δ) | within 5 % | "
        "Erlang C: P(wait > 15 min) | real services ± 95 % (Δ) | recursion ± 95 % (Δ) "
        "| within 5 % | real = recursion |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---:|---:|---:|:---:|:---:|",
    ]
    for o in outcomes:
        c = o.case
        wait, share = c.theory()
        calls, real_wait, real_over = o.real
        _, long_wait, long_over = o.long
        same = "yes" if o.max_difference_s < 0.001 else f"no ({o.max_difference_s:.3f} s)"
        lines.append(
            f"| {c.arrivals_per_hour:g} | {c.services_per_hour:g} | {c.windows} "
            f"| {c.traffic / c.windows:.2f} | {wait / 60:.2f} | {c.days}, {calls} "
            f"| {_cell(real_wait, wait, 60, 2)} | {o.long_days} | {_cell(long_wait, wait, 60, 2)} "
            f"| {'yes' if agrees(long_wait, wait) else 'no'} | {share:.4f} "
            f"| {_cell(real_over, share, 1, 4)} | {_cell(long_over, share, 1, 4)} "
            f"| {'yes' if agrees(long_over, share) else 'no'} | {same} |"
        )
    return "\n".join(lines)


def write_table(path: Path, text: str) -> None:
    """Replace what stands between the validation markers of `path`."""
    doc = path.read_text(encoding="utf-8")
    head, rest = doc.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Run the cases, print the table, and write it into the docs when asked."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--write", type=Path, help="markdown file with the validation markers")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--days", type=float, default=1.0, help="scale every case's real days")
    parser.add_argument("--long-days", type=int, default=20_000, help="days of the recursion")
    args = parser.parse_args(argv)
    outcomes = []
    for case in CASES:
        scaled = Case(
            case.arrivals_per_hour,
            case.services_per_hour,
            case.windows,
            max(2, round(case.days * args.days)),
        )
        result = validate_case(scaled, seed=args.seed, long_days=args.long_days)
        outcomes.append(result)
        print(table([result]).splitlines()[-1], f"({result.seconds:.0f} s)", flush=True)
    text = table(outcomes)
    print(text)
    if args.write:
        write_table(args.write, text)


if __name__ == "__main__":
    main()
