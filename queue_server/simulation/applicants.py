"""Who comes on a simulated day, and how each applicant will behave, drawn in advance.

Every random draw about an applicant (arrival time, service, priority, booking, service
time, no-show, walk to the window, redirect, second visit) is made here, at the start of
the day, in a fixed order that does not depend on how the queue is called. Two runs with
the same seed therefore meet the same applicants whatever the dispatch policy, so the
policies can be compared on identical days (common random numbers).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from queue_server.offices.calendar import WEEKDAYS
from queue_server.simulation.config import ServiceTime, SimConfig


@dataclass
class Applicant:
    """One visit: what the applicant comes for and how the visit will go."""

    arrive_at: datetime
    service: str
    service_seconds: float
    walk_seconds: float
    shows_up: bool
    priority: str | None = None
    # For a booking: the slot (UTC) and whether the applicant comes at all.
    slot: datetime | None = None
    booking_missed: bool = False
    redirect_to: str | None = None
    redirect_service_seconds: float = 0.0
    return_after_days: int | None = None
    return_service: str | None = None
    # R8: the same person's second visit, to collect the result, drawn with the first.
    comes_back: Applicant | None = None
    booking_code: str | None = field(default=None, compare=False)


def service_seconds(rng: random.Random, spec: ServiceTime) -> float:
    """One service time: log-normal with the configured mean, or exponential."""
    mean = spec.mean_minutes * 60.0
    if spec.distribution == "exponential":
        return rng.expovariate(1.0 / mean)
    # For a log-normal with mean m and shape s, the log has mean ln(m) − s²/2.
    return rng.lognormvariate(math.log(mean) - spec.sigma**2 / 2, spec.sigma)


def arrival_times(
    rng: random.Random, config: SimConfig, day: date, opens: time, closes: time, zone: ZoneInfo
) -> list[datetime]:
    """Poisson arrivals (UTC) over the open hours, at the rate configured for each hour."""
    rates = config.arrivals.hourly_rates(WEEKDAYS[day.weekday()])
    start = datetime.combine(day, opens, tzinfo=zone)
    end = datetime.combine(day, closes, tzinfo=zone)
    times = []
    for hour in sorted(rates):
        rate = rates[hour]
        hour_start = datetime.combine(day, time(hour), tzinfo=zone)
        lo, hi = max(start, hour_start), min(end, hour_start + timedelta(hours=1))
        if rate <= 0 or lo >= hi:
            continue
        # Exponential gaps restart at each hour's edge: exact, the process is memoryless.
        at = lo + timedelta(seconds=rng.expovariate(rate / 3600.0))
        while at < hi:
            times.append(at.astimezone(ZoneInfo("UTC")))
            at += timedelta(seconds=rng.expovariate(rate / 3600.0))
    return times


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    codes = sorted(weights)
    return rng.choices(codes, weights=[weights[c] for c in codes])[0]


def draw_applicant(
    rng: random.Random,
    config: SimConfig,
    at: datetime,
    *,
    priority_codes: list[str],
    service: str | None = None,
    may_book: bool = True,
) -> Applicant:
    """Everything about one visit; the draws are made in the same order for every applicant."""
    code = service or _weighted(rng, config.mix)
    walk_lo, walk_hi = config.walk_seconds
    applicant = Applicant(
        arrive_at=at,
        service=code,
        service_seconds=service_seconds(rng, config.service_times[code]),
        walk_seconds=rng.uniform(walk_lo, walk_hi),
        shows_up=rng.random() >= config.no_show,
    )
    u_priority, u_booking, u_redirect, u_return = (rng.random() for _ in range(4))
    if u_priority < config.priority_share and priority_codes:
        applicant.priority = priority_codes[rng.randrange(len(priority_codes))]
    elif may_book and u_booking < config.bookings.share:
        offset = rng.gauss(
            config.bookings.checkin_offset_mean_minutes, config.bookings.checkin_offset_sd_minutes
        )
        applicant.slot = at - timedelta(minutes=offset)
        applicant.booking_missed = rng.random() < config.bookings.missed
    if u_redirect < config.redirect and config.redirect_to:
        target = _weighted(rng, config.redirect_to)
        if target != code:
            applicant.redirect_to = target
            spec = config.service_times.get(target) or config.service_times[code]
            applicant.redirect_service_seconds = service_seconds(rng, spec)
    second = config.returns.get(code)
    if second is not None and u_return < second.share:
        applicant.return_after_days = rng.randint(*second.after_days)
        applicant.return_service = second.service
    return applicant


def new_applicants(
    rng: random.Random,
    config: SimConfig,
    day: date,
    opens: time,
    closes: time,
    zone: ZoneInfo,
    priority_codes: list[str],
) -> list[Applicant]:
    """The day's new arrivals in time order, each with a second visit drawn if it has one."""
    times = arrival_times(rng, config, day, opens, closes, zone)
    fresh = [draw_applicant(rng, config, t, priority_codes=priority_codes) for t in times]
    for applicant in fresh:
        if applicant.return_service is not None:
            applicant.comes_back = draw_applicant(
                rng,
                config,
                applicant.arrive_at,
                priority_codes=priority_codes,
                service=applicant.return_service,
                may_book=False,
            )
            applicant.comes_back.return_service = None
    return fresh


def returning_time(
    rng: random.Random, config: SimConfig, day: date, opens: time, closes: time, zone: ZoneInfo
) -> datetime:
    """When a returning applicant comes: an hour drawn by the day's profile, then uniform."""
    rates = config.arrivals.hourly_rates(WEEKDAYS[day.weekday()])
    start = datetime.combine(day, opens, tzinfo=zone)
    end = datetime.combine(day, closes, tzinfo=zone)
    hours = [h for h in sorted(rates) if rates[h] > 0 and opens.hour <= h < max(closes.hour, 1)]
    if hours:
        hour = rng.choices(hours, weights=[rates[h] for h in hours])[0]
        hour_start = datetime.combine(day, time(hour), tzinfo=zone)
        lo, hi = max(start, hour_start), min(end, hour_start + timedelta(hours=1))
    else:
        lo, hi = start, end
    at = lo + (hi - lo) * rng.random()
    return at.astimezone(ZoneInfo("UTC"))
