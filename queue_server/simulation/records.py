"""What a simulated day leaves behind for the figures: every call's wait, and the day's counts.

The tickets themselves are in the database, like a real day's; these records are the
simulator's own view of the calls it made, for summaries and validation without a query.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class WaitRecord:
    """One wait ended by a call: from issue, check-in or redirect to the call."""

    service: str
    kind: str  # "live", "priority" or "booked"
    waiting_since: datetime
    called_at: datetime
    limit_s: float
    redirected: bool = False
    ticket_id: int | None = None

    @property
    def wait_s(self) -> float:
        """The wait in seconds (a booking called before its slot has waited 0)."""
        return max(0.0, (self.called_at - self.waiting_since).total_seconds())

    @property
    def within_limit(self) -> bool:
        """Called before the limit was used up (R1–R4: "at most 15 minutes")."""
        return self.wait_s < self.limit_s


@dataclass
class DayResult:
    """One simulated day: the calls' waits and what else happened."""

    day: date
    tickets: int = 0
    waits: list[WaitRecord] = field(default_factory=list)
    no_shows: int = 0
    redirects: int = 0
    bookings: int = 0
    unserved: int = 0
    breaches_recorded: int = 0
    ticket_ids: list[int] = field(default_factory=list)

    def summary(self) -> DaySummary:
        """The day's figures."""
        return summarise(self.day, self.tickets, self.waits, self)


@dataclass(frozen=True)
class DaySummary:
    """Mean, p90 and max wait, the share within the limit, breaches."""

    day: date
    tickets: int
    calls: int
    mean_wait_s: float
    p90_wait_s: float
    max_wait_s: float
    within_limit: float
    breaches: int
    no_shows: int
    unserved: int

    def line(self, label: str | None = None) -> str:
        """One printed row of the CLI's table, labelled by the day unless told otherwise."""
        return (
            f"{label or f'{self.day.isoformat()} {self.day:%a}':<14}  tickets {self.tickets:5d}  "
            f"wait mean {self.mean_wait_s / 60:5.1f} p90 {self.p90_wait_s / 60:5.1f} "
            f"max {self.max_wait_s / 60:5.1f} min  within limit {self.within_limit:6.1%}  "
            f"breaches {self.breaches:4d}  no-shows {self.no_shows:3d}  unserved {self.unserved}"
        )


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summarise(day: date, tickets: int, waits: list[WaitRecord], result: DayResult) -> DaySummary:
    """The figures of one day's waits."""
    values = [w.wait_s for w in waits]
    return DaySummary(
        day=day,
        tickets=tickets,
        calls=len(waits),
        mean_wait_s=sum(values) / len(values) if values else 0.0,
        p90_wait_s=percentile(values, 0.9),
        max_wait_s=max(values, default=0.0),
        within_limit=sum(w.within_limit for w in waits) / len(waits) if waits else 1.0,
        breaches=result.breaches_recorded,
        no_shows=result.no_shows,
        unserved=result.unserved,
    )
