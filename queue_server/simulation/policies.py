"""Which dispatch policy? FIFO, the regulation's order and the guarded order on the same days.

Each policy runs the same simulated days (same office, same seeds: the same applicants
arrive at the same instants with the same needs) on a fresh scratch database; only the
office's `dispatch_policy` differs. Per policy, over every (seed, day): the share of
waits within their limit for each kind of applicant (live, priority category, booked),
p90 and longest wait, the breaches the scheduler stored, and the waits of priority and
booked applicants, each with a 95 % interval from the spread between the days (a day
starts empty, so the days are the batches); the live share is also compared with the
regulation's order day by day (paired: the same applicants on both sides).

Regenerate the table of docs/simulation.md:

    python -m queue_server.simulation.policies --days 5 --seeds 1,2 --write docs/simulation.md
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import statistics
import sys
import time as timer
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path

from queue_server.simulation.accuracy import write_between
from queue_server.simulation.config import SimConfig, load_config
from queue_server.simulation.engine import Simulation
from queue_server.simulation.records import DayResult, WaitRecord, percentile
from queue_server.simulation.scratch import scratch_database
from queue_server.simulation.validate import Estimate, ratio_estimate
from queue_server.tickets import rules

BEGIN, END = "<!-- policies:begin -->", "<!-- policies:end -->"
KINDS = ("live", "priority", "booked")
LABELS = {
    "fifo": "FIFO",
    "deadline": "regulation's order (deadline)",
    "guarded": "guarded",
}
REFERENCE = "deadline"


def with_policy(config: SimConfig, policy: str, guard_minutes: int) -> SimConfig:
    """The same office with another dispatch policy."""
    office = config.office.model_copy(
        update={"dispatch_policy": policy, "dispatch_guard_minutes": guard_minutes}
    )
    return config.model_copy(update={"office": office})


@dataclass(frozen=True)
class PolicyResult:
    """One policy's days."""

    policy: str
    days: list[DayResult]
    seconds: float

    @property
    def waits(self) -> list[WaitRecord]:
        """Every call's wait."""
        return [w for d in self.days for w in d.waits]

    def of_kind(self, kind: str) -> list[WaitRecord]:
        """The waits of one kind of applicant."""
        return [w for w in self.waits if w.kind == kind]

    def within(self, kind: str) -> float:
        """Share of the kind's waits that ended before their limit."""
        waits = self.of_kind(kind)
        return sum(w.within_limit for w in waits) / len(waits) if waits else 1.0


def run_policy(
    *,
    config: SimConfig,
    policy: str,
    guard_minutes: int,
    seed: int,
    start: date,
    days: int,
    seeds: list[int] | None = None,
    on_day: Callable[[DayResult], None] | None = None,
) -> PolicyResult:
    """The days under one policy, each seed on a fresh scratch database (`seeds`, or
    `seed` alone). The seeds go day by day side by side (the first open day of every
    seed, then the second…), so the days done so far are always comparable between
    policies (`on_day` sees each)."""
    began = timer.perf_counter()
    results: list[DayResult] = []
    office = with_policy(config, policy, guard_minutes)
    with ExitStack() as stack:
        sims = [
            Simulation(
                db=stack.enter_context(scratch_database()), config=office, seed=one, start=start
            )
            for one in seeds or [seed]
        ]
        day, done = start, 0
        # A year of closed days in a row means a configuration that never opens.
        for _ in range(days + 366):
            if done == days:
                break
            for sim in sims:
                result = sim.run_day(day)
                if result is not None:
                    results.append(result)
                    if on_day is not None:
                        on_day(result)
            done += any(r.day == day for r in results)
            day += timedelta(days=1)
    return PolicyResult(policy, results, timer.perf_counter() - began)


def _per_day(days: list[DayResult], kind: str | None) -> tuple[list[float], list[int]]:
    """Per day: (waits within the limit, waits) of one kind of applicant (None: all)."""
    within, counts = [], []
    for d in days:
        waits = [w for w in d.waits if kind is None or w.kind == kind]
        within.append(float(sum(w.within_limit for w in waits)))
        counts.append(len(waits))
    return within, counts


def _mean_ci(values: list[float]) -> Estimate:
    """The mean of independent values with its 95 % half-width (normal approximation)."""
    if len(values) < 2:
        return Estimate(statistics.fmean(values) if values else math.nan, math.inf)
    return Estimate(
        statistics.fmean(values), 1.96 * statistics.stdev(values) / math.sqrt(len(values))
    )


def _share(e: Estimate) -> str:
    return f"{e.value:.1%} ± {e.half_width:.1%}" if math.isfinite(e.value) else "—"


def _mins(e: Estimate) -> str:
    return f"{e.value / 60:.1f} ± {e.half_width / 60:.1f}" if math.isfinite(e.value) else "—"


def within_share(r: PolicyResult, kind: str) -> Estimate:
    """Share of the kind's waits within their limit, with its 95 % interval over days."""
    within, counts = _per_day(r.days, kind)
    days = [(w, n) for w, n in zip(within, counts, strict=True) if n]
    if not days:
        return Estimate(math.nan, math.nan)
    return ratio_estimate([w for w, _ in days], [n for _, n in days])


def mean_wait(r: PolicyResult, kind: str) -> Estimate:
    """Mean wait (seconds) of one kind, with its 95 % interval over days."""
    totals, counts = [], []
    for d in r.days:
        waits = [w.wait_s for w in d.waits if w.kind == kind]
        if waits:
            totals.append(sum(waits))
            counts.append(len(waits))
    return ratio_estimate(totals, counts) if counts else Estimate(math.nan, math.nan)


def paired_live_gain(r: PolicyResult, reference: PolicyResult) -> Estimate:
    """Live share within the limit minus the reference policy's, day by day (the same
    applicants on both sides), with its 95 % interval."""
    mine = _per_day(r.days, "live")
    theirs = _per_day(reference.days, "live")
    diffs = [w / n - w0 / n0 for w, n, w0, n0 in zip(*mine, *theirs, strict=True) if n and n0]
    return _mean_ci(diffs)


def table(results: list[PolicyResult]) -> str:
    """The markdown table of docs/simulation.md."""
    reference = next((r for r in results if r.policy == REFERENCE), None)
    lines = [
        "| policy | calls | within limit: live | priority | booked "
        "| live vs regulation's order (paired) | p90 wait, min (days) | max wait, min "
        "| breaches a day | priority: mean wait, min / p90 | booked: mean wait, min / p90 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        waits = r.waits
        p90 = _mean_ci([percentile([w.wait_s for w in d.waits], 0.9) for d in r.days])
        breaches = _mean_ci([float(d.breaches_recorded) for d in r.days])
        gain = (
            "—"
            if reference is None or r is reference
            else f"{paired_live_gain(r, reference).value * 100:+.1f} ± "
            f"{paired_live_gain(r, reference).half_width * 100:.1f} points"
        )
        tails = []
        for kind in ("priority", "booked"):
            values = [w.wait_s for w in r.of_kind(kind)]
            p = f"{percentile(values, 0.9) / 60:.1f}" if values else "—"
            tails.append(f"{_mins(mean_wait(r, kind))} / {p}")
        lines.append(
            f"| {LABELS.get(r.policy, r.policy)} | {len(waits)} | "
            + " | ".join(_share(within_share(r, k)) for k in KINDS)
            + f" | {gain} | {_mins(p90)} "
            f"| {max((w.wait_s for w in waits), default=0.0) / 60:.1f} "
            f"| {breaches.value:.0f} ± {breaches.half_width:.0f} | " + " | ".join(tails) + " |"
        )
    return "\n".join(lines)


_DONE: dict[str, list[DayResult]] = {}


def _progress(policy: str, save: Path | None, day: DayResult) -> None:
    """Print each day; with --save, keep the days done so far (a long run stopped early
    still gives its comparable first days to --load)."""
    print(f"  {policy} {day.day}: {day.tickets} tickets", file=sys.stderr, flush=True)
    if save is not None:
        _DONE.setdefault(policy, []).append(day)
        partial_results = [PolicyResult(p, d, math.nan) for p, d in _DONE.items()]
        save.write_bytes(pickle.dumps(partial_results))


def main(argv: list[str] | None = None) -> None:
    """Run every policy on the same days, print the table, write it into the docs if asked."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--office", type=Path, help="office file (TOML/JSON); default office")
    parser.add_argument("--days", type=int, default=5, help="open days per seed")
    parser.add_argument("--seeds", default="1,2", help="comma-separated seeds")
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 11, 23))
    parser.add_argument("--guard", type=int, default=rules.DISPATCH_GUARD_MINUTES)
    parser.add_argument("--policies", default="fifo,deadline,guarded")
    parser.add_argument("--write", type=Path, help="markdown file with the policies markers")
    parser.add_argument(
        "--save", type=Path, help="keep the policies' days in this file (one run per policy)"
    )
    parser.add_argument(
        "--load", type=Path, nargs="+", help="make the table from files of --save instead"
    )
    args = parser.parse_args(argv)
    config = load_config(args.office)
    seeds = [int(s) for s in args.seeds.split(",")]
    results = []
    if args.load:
        found: dict[str, PolicyResult] = {}
        for path in args.load:
            for r in pickle.loads(path.read_bytes()):
                if r.policy not in found or len(r.days) > len(found[r.policy].days):
                    found[r.policy] = r
        results = list(found.values())
        results.sort(key=lambda r: list(LABELS).index(r.policy) if r.policy in LABELS else 9)
        # Runs stopped early: the days every policy has (the same seeds and dates).
        common = min(len(r.days) for r in results)
        results = [PolicyResult(r.policy, r.days[:common], r.seconds) for r in results]
    for policy in args.policies.split(",") if not args.load else []:
        result = run_policy(
            config=config,
            policy=policy,
            guard_minutes=args.guard,
            seed=seeds[0],
            seeds=seeds,
            start=args.start,
            days=args.days,
            on_day=partial(_progress, policy, args.save),
        )
        results.append(result)
        print(table([result]).splitlines()[-1], f"({result.seconds:.0f} s)", flush=True)
    if args.save:
        args.save.write_bytes(pickle.dumps(results))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    days = results[0].days
    text = (
        table(results)
        + f"\n\n{args.days} open days from {days[0].day} × seeds {args.seeds} = "
        + f"{len(days)} simulated days per policy ({args.office or 'the default office'}), "
        + "the same applicants under each policy; ± is the 95 % interval over the days; "
        + f"guard {args.guard} min. "
        + (
            f"{seconds:.0f} s, "
            if math.isfinite(seconds := sum(r.seconds for r in results))
            else ""
        )
        + f"load average {load:.1f} at the end."
    )
    print(text)
    if args.write:
        write_between(args.write, BEGIN, END, text)


if __name__ == "__main__":
    main()
