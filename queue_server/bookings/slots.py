"""Bookable slots: the office's hours cut into intervals, each with a capacity per service.

Capacity of a service per slot = windows serving it × slot length ÷ the service norm,
unless the office fixes it per service. A fractional capacity is spread over the day
(0.5 gives 1, 0, 1, 0, …), so the day's total stays what the windows can serve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.bookings.models import HOLDING, Booking, BookingPolicy, BookingServiceRule
from queue_server.catalogue.models import Service
from queue_server.offices.calendar import hours_on
from queue_server.offices.models import Office
from queue_server.offices.service import overrides_for
from queue_server.windows.models import Window, WindowService


@dataclass(frozen=True)
class Slot:
    """One bookable interval of a service on a day, with its capacity and what is taken."""

    start: datetime
    end: datetime
    capacity: int
    booked: int = 0

    @property
    def free(self) -> int:
        """Places left."""
        return max(self.capacity - self.booked, 0)


@dataclass(frozen=True)
class DaySlots:
    """A service's slots on one local date; `reason` says why there are none."""

    day: date
    is_open: bool
    reason: str
    slots: list[Slot]


def default_policy(office_id: int) -> BookingPolicy:
    """The policy an office has until a manager changes it (not added to the session)."""
    return BookingPolicy(
        office_id=office_id,
        slot_minutes=15,
        horizon_days=30,
        max_per_person_per_day=2,
        reminder_minutes_before=24 * 60,
        notifier="log",
        webhook_url="",
        webhook_token="",
        webhook_timeout_seconds=5,
    )


def policy_for(*, session: Session, office: Office, lock: bool = False) -> BookingPolicy:
    """The office's booking policy; with `lock`, its row is created if needed and locked.

    The locked row serialises bookings of one office on PostgreSQL (capacity and the
    per-person limit are checked and written under it); SQLite's write lock already
    serialises every writing transaction.
    """
    stmt = select(BookingPolicy).where(BookingPolicy.office_id == office.id)
    if not lock:
        return session.scalar(stmt) or default_policy(office.id)
    # FOR NO KEY UPDATE: does not block inserts elsewhere that reference the row.
    policy = session.scalar(stmt.with_for_update(key_share=True))
    if policy is not None:
        return policy
    try:
        with session.begin_nested():
            session.add(default_policy(office.id))
    except IntegrityError:
        pass  # a concurrent request created it first
    policy = session.scalar(
        stmt.with_for_update(key_share=True).execution_options(populate_existing=True)
    )
    assert policy is not None
    return policy


def rule_for(*, session: Session, office: Office, service: Service) -> BookingServiceRule | None:
    """The office's own rule for a service, if it set one."""
    return session.scalar(
        select(BookingServiceRule).where(
            BookingServiceRule.office_id == office.id,
            BookingServiceRule.service_id == service.id,
        )
    )


def windows_serving(*, session: Session, office: Office, service: Service) -> int:
    """How many active windows of the office serve the service."""
    return int(
        session.scalar(
            select(func.count(func.distinct(Window.id)))
            .join(WindowService, WindowService.window_id == Window.id)
            .where(
                Window.office_id == office.id,
                Window.active.is_(True),
                WindowService.service_id == service.id,
            )
        )
        or 0
    )


def capacities(per_slot: float, count: int) -> list[int]:
    """Whole places for `count` consecutive slots of fractional capacity `per_slot`."""
    return [
        math.ceil((k + 1) * per_slot - 1e-9) - math.ceil(k * per_slot - 1e-9) for k in range(count)
    ]


def day_slots(
    *,
    session: Session,
    office: Office,
    service: Service,
    day: date,
    policy: BookingPolicy,
    with_booked: bool = True,
) -> DaySlots:
    """The service's slots on a local date; none when closed, a holiday or not bookable."""
    if not service.active:
        return DaySlots(day, False, "service is not active", [])
    rule = rule_for(session=session, office=office, service=service)
    if rule is not None and not rule.bookable:
        return DaySlots(day, False, "service is not bookable at this office", [])
    hours = hours_on(
        office, day, overrides_for(session=session, office_id=office.id, start=day, end=day)
    )
    if not hours.is_open:
        return DaySlots(day, False, hours.reason or "closed", [])
    assert hours.opens is not None and hours.closes is not None
    tz = ZoneInfo(office.timezone)
    opens = datetime.combine(day, hours.opens, tzinfo=tz)
    closes = datetime.combine(day, hours.closes, tzinfo=tz)
    length = timedelta(minutes=policy.slot_minutes)
    count = max(int((closes - opens) / length), 0)
    if rule is not None and rule.capacity_per_slot is not None:
        places = [rule.capacity_per_slot] * count
    else:
        windows = windows_serving(session=session, office=office, service=service)
        norm = max(service.service_norm_minutes, 1)
        places = capacities(windows * policy.slot_minutes / norm, count)
    starts = [(opens + k * length).astimezone(UTC) for k in range(count)]
    booked = (
        booked_per_slot(
            session=session, office=office, service=service, starts=starts, length=length
        )
        if with_booked and starts
        else {}
    )
    slots = [
        Slot(start, start + length, places[k], booked.get(start, 0))
        for k, start in enumerate(starts)
    ]
    return DaySlots(day, True, hours.reason, slots)


def booked_per_slot(
    *, session: Session, office: Office, service: Service, starts: list[datetime], length: timedelta
) -> dict[datetime, int]:
    """Bookings holding a place, counted by the slot (from `starts`) they fall in."""
    rows = session.scalars(
        select(Booking.slot_start).where(
            Booking.office_id == office.id,
            Booking.service_id == service.id,
            Booking.status.in_(HOLDING),
            Booking.slot_start >= starts[0],
            Booking.slot_start < starts[-1] + length,
        )
    ).all()
    counts: dict[datetime, int] = {}
    first = starts[0]
    for slot_start in rows:
        start = starts[int((slot_start - first) / length)]
        counts[start] = counts.get(start, 0) + 1
    return counts


def slot_containing(day_slots_: DaySlots, moment: datetime) -> Slot | None:
    """The slot that `moment` falls in, if any."""
    for slot in day_slots_.slots:
        if slot.start <= moment < slot.end:
            return slot
    return None
