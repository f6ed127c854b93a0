"""Timed jobs of the booking domain, run by the scheduler on the injected clock."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.bookings import notify
from queue_server.bookings.models import BOOKED, BOOKING_NO_SHOW, Booking
from queue_server.bookings.service import booking_event, checkin_window
from queue_server.clock import Clock
from queue_server.offices.models import Office


def mark_missed_bookings_as_no_shows(*, session: Session, clock: Clock) -> int:
    """R4: a booking never checked in becomes a no-show when its check-in window closes."""
    now = clock.now()
    rows = session.execute(
        select(Booking, Office)
        .join(Office, Office.id == Booking.office_id)
        .where(Booking.status == BOOKED, Booking.slot_start < now)
        .order_by(Booking.id)
        .with_for_update(skip_locked=True, of=Booking)
    ).all()
    changed = 0
    for booking, office in rows:
        if now <= checkin_window(office, booking.slot_start)[1]:
            continue
        booking.status = BOOKING_NO_SHOW
        booking.no_show_at = now
        notify.drop_pending_reminders(session=session, booking=booking)
        booking_event(session, clock, booking, "booking.no_show")
        changed += 1
    return changed
