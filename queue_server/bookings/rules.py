"""The regulation's figures for pre-booked applicants (R4) and the calculations from them.

Defaults only: each office sets its own. Imports nothing of ours, so the office table
can take its defaults from here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# R4: a booked applicant waits at most this long after the later of slot and check-in.
BOOKED_WAIT_LIMIT_MINUTES = 5
# R4: check-in is accepted from this long before the slot to this long after it.
CHECKIN_BEFORE_MINUTES = 30
CHECKIN_AFTER_MINUTES = 15


def checkin_window(
    slot_start: datetime, *, before_minutes: int, after_minutes: int
) -> tuple[datetime, datetime]:
    """When check-in for a slot opens and closes (R4)."""
    return (
        slot_start - timedelta(minutes=before_minutes),
        slot_start + timedelta(minutes=after_minutes),
    )


def booked_wait_start(slot_start: datetime, checked_in_at: datetime) -> datetime:
    """A booked wait runs from the later of slot and check-in (R4): early comers wait for
    their slot, late comers are due at once."""
    return max(slot_start, checked_in_at)
