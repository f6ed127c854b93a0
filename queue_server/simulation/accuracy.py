"""How good is the printed wait estimate? Measured against the realised waits of simulated days.

For every ticket issued at a kiosk of a simulated office, the estimate printed on it
(`tickets.estimates`, the office's live state replayed in the dispatcher's order) and the
old naive one (people ahead × the service's norm ÷ the open windows serving it) are kept;
when the ticket is first called, the realised wait (issue to call) is set against both.
Per local hour of issue: the mean absolute error, the share within ±3 minutes and the
bias (mean of estimate − realised: positive means the estimate promised too long a wait).

Regenerate the table of docs/simulation.md:

    python -m queue_server.simulation.accuracy --days 3 --write docs/simulation.md

`--check-whole-queue` also replays, at every issue, the whole queue (every waiting ticket
read) and counts the tickets whose printed estimate — made from the head of each queue
only, `tickets.estimates` — differs from it.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time as timer
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.offices.models import Office
from queue_server.simulation.config import SimConfig, load_config
from queue_server.simulation.engine import Simulation
from queue_server.simulation.records import DayResult
from queue_server.tickets import rules
from queue_server.tickets.estimates import LiveQueue, load_live_queue
from queue_server.tickets.models import WAITING, Ticket

BEGIN, END = "<!-- accuracy:begin -->", "<!-- accuracy:end -->"
WITHIN_S = 180.0  # "within ±3 minutes"


@dataclass(frozen=True)
class Forecast:
    """What was printed on one ticket at issue."""

    ticket_id: int
    service: str
    kind: str  # live / priority / booked
    issued_at: datetime
    hour: int  # local hour of issue
    estimate_min: int | None  # None: "no open window"
    naive_min: int


@dataclass(frozen=True)
class Outcome:
    """A forecast and the wait that followed (None: never called that day)."""

    forecast: Forecast
    realised_s: float | None


@dataclass
class Errors:
    """Errors of one estimate over some tickets, in seconds."""

    values: list[float] = field(default_factory=list)

    def add(self, estimate_min: int, realised_s: float) -> None:
        """One ticket's error (estimate − realised)."""
        self.values.append(estimate_min * 60.0 - realised_s)

    @property
    def mae_min(self) -> float:
        """Mean absolute error, minutes."""
        return sum(abs(v) for v in self.values) / len(self.values) / 60 if self.values else 0.0

    @property
    def within(self) -> float:
        """Share within ±3 minutes."""
        if not self.values:
            return 0.0
        return sum(abs(v) <= WITHIN_S for v in self.values) / len(self.values)

    @property
    def bias_min(self) -> float:
        """Mean error, minutes (positive: the estimate was too long)."""
        return sum(self.values) / len(self.values) / 60 if self.values else 0.0


class Recorder:
    """Keeps the estimates printed at each issue of a simulation (`Simulation.on_issue`)."""

    def __init__(self, sim: Simulation, check_whole_queue: bool = False) -> None:
        self.sim = sim
        self.forecasts: list[Forecast] = []
        self.check_whole_queue = check_whole_queue
        self.whole_queue_differs = 0
        sim.on_issue = self.on_issue

    def on_issue(self, session: Session, office: Office, ticket: Ticket) -> None:
        """Read the estimate exactly as the issue route prints it, and the naive one."""
        now = self.sim.now()
        live = load_live_queue(session=session, office=office, now=now, also=ticket)
        estimate = live.estimate(ticket.id)
        ahead = live.people_ahead(ticket.id)
        naive = rules.naive_wait_minutes(
            ahead=ahead,
            norm_minutes=ticket.service.service_norm_minutes,
            serving_windows=live.open_windows_for(ticket.service_id),
        )
        if self.check_whole_queue:
            everyone = [
                rules.QueuedTicket(
                    id=t.id,
                    service_id=t.service_id,
                    waiting_since=t.waiting_since,
                    deadline=t.deadline,
                    due_at=t.due_at,
                    priority_rank=t.priority_rank,
                )
                for t in session.scalars(
                    select(Ticket).where(Ticket.office_id == office.id, Ticket.status == WAITING)
                )
            ]
            whole = LiveQueue(
                office=office,
                now=now,
                waiting=everyone,
                windows=live.windows,
                seconds_of=live.seconds_of,
                arrivals=live.arrivals,
            )
            self.whole_queue_differs += whole.estimate(ticket.id).minutes != estimate.minutes
        kind = "booked" if ticket.booking_id else "priority" if ticket.priority_rank else "live"
        self.forecasts.append(
            Forecast(
                ticket_id=ticket.id,
                service=ticket.service.code,
                kind=kind,
                issued_at=now,
                hour=now.astimezone(self.sim.zone).hour,
                estimate_min=estimate.minutes,
                naive_min=naive,
            )
        )


def outcomes(forecasts: list[Forecast], days: Iterable[DayResult]) -> list[Outcome]:
    """Each forecast with its ticket's first call (issue to call; redirects left out)."""
    first_call: dict[int, datetime] = {}
    for day in days:
        for wait in day.waits:
            if wait.ticket_id is not None and not wait.redirected:
                first_call.setdefault(wait.ticket_id, wait.called_at)
    result = []
    for f in forecasts:
        called = first_call.get(f.ticket_id)
        realised = (called - f.issued_at).total_seconds() if called else None
        result.append(Outcome(forecast=f, realised_s=realised))
    return result


@dataclass
class Measurement:
    """A run: the outcomes, the days and how long it took."""

    outcomes: list[Outcome]
    days: list[DayResult]
    seconds: float
    whole_queue_differs: int | None = None  # with the check: estimates not the whole replay's


def measure(
    *,
    db: Database,
    config: SimConfig,
    seed: int,
    start: date,
    days: int,
    check_whole_queue: bool = False,
) -> Measurement:
    """Simulate `days` open days from `start`, recording every printed estimate."""
    began = timer.perf_counter()
    sim = Simulation(db=db, config=config, seed=seed, start=start)
    recorder = Recorder(sim, check_whole_queue)
    results: list[DayResult] = []
    day = start
    for _ in range(days + 366):
        if len(results) == days:
            break
        result = sim.run_day(day)
        if result is not None:
            results.append(result)
        day += timedelta(days=1)
    return Measurement(
        outcomes(recorder.forecasts, results),
        results,
        timer.perf_counter() - began,
        recorder.whole_queue_differs if check_whole_queue else None,
    )


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    label: str
    tickets: int
    new: Errors
    naive: Errors


def rows(found: list[Outcome]) -> list[Row]:
    """Per local hour of issue, then all hours; tickets called and given a number only."""
    scored = [o for o in found if o.realised_s is not None and o.forecast.estimate_min is not None]
    by_hour: dict[int, list[Outcome]] = {}
    for o in scored:
        by_hour.setdefault(o.forecast.hour, []).append(o)
    out = [_row(f"{h:02d}:00–{h + 1:02d}:00", by_hour[h]) for h in sorted(by_hour)]
    out.append(_row("all hours", scored))
    return out


def _row(label: str, items: list[Outcome]) -> Row:
    new, naive = Errors(), Errors()
    for o in items:
        assert o.realised_s is not None and o.forecast.estimate_min is not None
        new.add(o.forecast.estimate_min, o.realised_s)
        naive.add(o.forecast.naive_min, o.realised_s)
    return Row(label, len(items), new, naive)


def table(found: list[Outcome]) -> str:
    """The markdown table of docs/simulation.md."""
    lines = [
        "| hour of issue | tickets | MAE, min | within ±3 min | bias, min "
        "| naive: MAE, min | within ±3 min | bias, min |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows(found):
        bold = "**" if r.label == "all hours" else ""
        lines.append(
            f"| {bold}{r.label}{bold} | {r.tickets} | {bold}{r.new.mae_min:.1f}{bold} "
            f"| {r.new.within:.0%} | {r.new.bias_min:+.1f} | {bold}{r.naive.mae_min:.1f}{bold} "
            f"| {r.naive.within:.0%} | {r.naive.bias_min:+.1f} |"
        )
    return "\n".join(lines)


def footnote(found: list[Outcome], m: Measurement, args: argparse.Namespace) -> str:
    """What the table covers, and what it leaves out."""
    no_window = sum(o.forecast.estimate_min is None for o in found)
    uncalled = sum(o.realised_s is None for o in found)
    kinds = {k: sum(o.forecast.kind == k for o in found) for k in ("live", "priority", "booked")}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{len(m.days)} simulated days from {m.days[0].day} (seed {args.seed}, "
        f"{args.office or 'the default office'}): {len(found)} tickets issued "
        f"({kinds['live']} live, {kinds['priority']} priority, {kinds['booked']} booked); "
        f'{no_window} printed "no open window" and {uncalled} were never called (closing), '
        f"both left out. {m.seconds:.0f} s, load average {load:.1f} at the end."
    )


def write_between(path: Path, begin: str, end: str, text: str) -> None:
    """Replace what stands between two markers of `path`."""
    doc = path.read_text(encoding="utf-8")
    head, rest = doc.split(begin, 1)
    _old, tail = rest.split(end, 1)
    path.write_text(f"{head}{begin}\n{text}\n{end}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Simulate, print the table, and write it into the docs when asked."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--office", type=Path, help="office file (TOML/JSON); default office")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 11, 23))
    parser.add_argument("--write", type=Path, help="markdown file with the accuracy markers")
    parser.add_argument(
        "--check-whole-queue",
        action="store_true",
        help="also replay the whole queue at every issue and count the estimates that differ",
    )
    args = parser.parse_args(argv)
    config = load_config(args.office)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/accuracy.sqlite3"
        upgrade(url)
        db = Database.from_url(url)
        try:
            m = measure(
                db=db,
                config=config,
                seed=args.seed,
                start=args.start,
                days=args.days,
                check_whole_queue=args.check_whole_queue,
            )
        finally:
            db.dispose()
    text = table(m.outcomes) + "\n\n" + footnote(m.outcomes, m, args)
    print(text)
    if m.whole_queue_differs is not None:
        print(
            f"whole-queue check: {m.whole_queue_differs} of {len(m.outcomes)} printed estimates "
            "differ from the replay of the whole queue"
        )
    if args.write:
        write_between(args.write, BEGIN, END, text)


if __name__ == "__main__":
    main()
