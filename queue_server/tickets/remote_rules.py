"""The figures of a place in the live queue taken from the phone (issue 17), and the times
calculated from them.

A remote place is a live-queue ticket whose applicant is not in the hall yet. It holds its
place like a booking checked in early (R4): its `due_at` is the instant the live estimate
gave for its call when it was taken; from then on, once the applicant has arrived, it is
called before the live queue, and before then it waits behind it. The check-in stays
open `late_minutes` after that instant (the way to the office); then the place is given
up. The figures are defaults of each office's remote-queue policy. Nothing of ours is
imported here, so the tables can take their defaults from this module.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# How many places one phone may take at one office on one day.
REMOTE_PER_PHONE_PER_DAY = 2
# How many places one client address may take at one office in an hour (a mobile
# operator puts many phones behind one address: keep it well above one family's need).
REMOTE_PER_CLIENT_PER_HOUR = 20
REMOTE_RATE_WINDOW = timedelta(hours=1)
# The check-in stays open this long after the place's time.
REMOTE_LATE_MINUTES = 30
# Bounds a manager may set.
MAX_PER_PHONE_PER_DAY = 10
MAX_PER_CLIENT_PER_HOUR = 1000
MAX_LATE_MINUTES = 120


def place_time(now: datetime, *, estimated_wait_minutes: int) -> datetime:
    """When a place taken now comes: now plus the live estimate of a ticket taken now."""
    return now + timedelta(minutes=estimated_wait_minutes)


def checkin_closes(due_at: datetime, *, late_minutes: int) -> datetime:
    """Until when the applicant may check in: the place's time plus the way to the office."""
    return due_at + timedelta(minutes=late_minutes)


def wait_start(due_at: datetime, arrived_at: datetime) -> datetime:
    """The wait of an arrived remote ticket runs from the later of arrival and its place's
    time, like a booking's (R1–R4): an early arrival waits by choice."""
    return max(due_at, arrived_at)


def may_still_check_in(now: datetime, *, expires_at: datetime) -> bool:
    """Whether the check-in is still open at `now`."""
    return now < expires_at
