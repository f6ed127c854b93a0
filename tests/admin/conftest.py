"""Fixtures of the admin tests: the configured world plus a hand-built day of tickets."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.auth.models import User
from queue_server.bookings.models import Booking
from queue_server.catalogue.models import Service
from queue_server.db import Database
from queue_server.offices.models import Office
from queue_server.tickets.models import Ticket, TicketTransition, WaitBreach
from queue_server.windows.models import Window
from tests.support.world import World

MONDAY = date(2026, 11, 23)
TUESDAY = date(2026, 11, 24)
_codes = itertools.count(1)


def msk(day: date, hhmm: str) -> datetime:
    """A Moscow wall-clock time (UTC+3) as an aware UTC datetime."""
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=UTC) - timedelta(hours=3)


class Builder:
    """Inserts tickets with chosen times, their transitions and breaches."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.offices = {o.code: o for o in session.scalars(select(Office))}
        self.services = {s.code: s for s in session.scalars(select(Service))}
        self.users = {u.username: u for u in session.scalars(select(User))}
        self.windows = {
            (o.code, w.number): w
            for o in self.offices.values()
            for w in session.scalars(select(Window).where(Window.office_id == o.id))
        }

    def ticket(
        self,
        office: str,
        service: str,
        day: date,
        issued: str,
        *,
        called: str | None = None,
        started: str | None = None,
        finished: str | None = None,
        status: str = "done",
        window: int | None = None,
        clerk: str | None = None,
        limit_minutes: int | None = None,
        booked: bool = False,
    ) -> Ticket:
        """A ticket with one wait; transitions for each step; a breach if called late."""
        svc = self.services[service]
        off = self.offices[office]
        seq = next(_codes)
        since = msk(day, issued)
        limit = timedelta(minutes=limit_minutes or svc.wait_limit_minutes)
        booking_id = None
        if booked:
            booking = Booking(
                office_id=off.id,
                service_id=svc.id,
                code=f"B{seq}",
                slot_start=since,
                status="checked_in",
                created_at=since - timedelta(days=1),
                checked_in_at=since,
            )
            self.session.add(booking)
            self.session.flush()
            booking_id = booking.id
        win = self.windows[(office, window)] if window else None
        user = self.users[clerk] if clerk else None
        ticket = Ticket(
            office_id=off.id,
            service_id=svc.id,
            day=day,
            prefix=svc.prefix,
            seq=seq,
            number=f"{svc.prefix}{seq:03d}",
            status=status,
            status_code=f"code{seq}",
            booking_id=booking_id,
            issued_at=since,
            waiting_since=since,
            warn_at=since + limit * 0.8,
            deadline=since + limit,
            called_at=msk(day, called) if called else None,
            last_called_at=msk(day, called) if called else None,
            started_at=msk(day, started) if started else None,
            finished_at=msk(day, finished) if finished else None,
            window_id=win.id if win else None,
            clerk_id=user.id if user else None,
        )
        self.session.add(ticket)
        self.session.flush()
        self.step(ticket, "issue", day, issued, svc)
        for action, at in (("call", called), ("start", started), ("finish", finished)):
            if at:
                self.step(ticket, action, day, at, svc, win, user)
        if status in ("no_show", "cancelled"):
            self.step(ticket, status, day, called or issued, svc, win, user)
        if called and msk(day, called) > ticket.deadline:
            self.breach(ticket, ticket.waiting_since, ticket.deadline, msk(day, called), win, user)
        return ticket

    def step(
        self,
        ticket: Ticket,
        action: str,
        day: date,
        at: str,
        service: Service,
        window: Window | None = None,
        clerk: User | None = None,
    ) -> None:
        """One stored transition."""
        self.session.add(
            TicketTransition(
                ticket_id=ticket.id,
                action=action,
                from_status=None,
                to_status=action,
                at=msk(day, at),
                service_id=service.id,
                window_id=window.id if window else None,
                clerk_id=clerk.id if clerk else None,
            )
        )

    def breach(
        self,
        ticket: Ticket,
        since: datetime,
        deadline: datetime,
        called: datetime | None,
        window: Window | None,
        clerk: User | None,
    ) -> None:
        """A stored breach, as the core records it."""
        self.session.add(
            WaitBreach(
                ticket_id=ticket.id,
                office_id=ticket.office_id,
                service_id=ticket.service_id,
                waiting_since=since,
                deadline=deadline,
                detected_at=deadline,
                called_at=called,
                window_id=window.id if window else None,
                clerk_id=clerk.id if clerk else None,
            )
        )


def build_day(db: Database) -> None:
    """The hand-built Monday of tests/admin/test_queries.py (figures worked out there)."""
    with db.transaction() as session:
        b = Builder(session)
        b.ticket("central", "passport", MONDAY, "09:00", called="09:05", started="09:06",
                 finished="09:26", window=1, clerk="clerk1")  # fmt: skip
        b.ticket("central", "passport", MONDAY, "09:10", called="09:30", started="09:31",
                 finished="10:11", window=2, clerk="clerk2")  # fmt: skip
        b.ticket("central", "passport", MONDAY, "10:00", called="10:10", status="no_show",
                 window=1, clerk="clerk1")  # fmt: skip
        b.ticket("central", "results", MONDAY, "10:05", called="10:08", started="10:08",
                 finished="10:12", window=3, clerk="clerk3")  # fmt: skip
        b.ticket("central", "results", MONDAY, "10:20", called="10:35", started="10:36",
                 finished="10:46", window=3, clerk="clerk3",
                 limit_minutes=5, booked=True)  # fmt: skip
        b.ticket("central", "consult", MONDAY, "11:00", status="cancelled")
        # Redirected: passport 11:00→11:02 at window 1, served until 11:20, then consult
        # waits 11:20→11:40 (breach) at window 4 by clerk2, served 11:41→11:51.
        t7 = b.ticket("central", "passport", MONDAY, "11:00", called="11:02", started="11:02",
                      window=1, clerk="clerk1", status="serving")  # fmt: skip
        consult = b.services["consult"]
        w4, clerk2 = b.windows[("central", 4)], b.users["clerk2"]
        b.step(t7, "redirect", MONDAY, "11:20", consult, None, b.users["clerk1"])
        t7.service_id = consult.id
        t7.redirect_count = 1
        t7.waiting_since = msk(MONDAY, "11:20")
        t7.deadline = msk(MONDAY, "11:35")
        t7.warn_at = msk(MONDAY, "11:32")
        t7.called_at = t7.last_called_at = msk(MONDAY, "11:40")
        t7.started_at = msk(MONDAY, "11:41")
        t7.finished_at = msk(MONDAY, "11:51")
        t7.window_id, t7.clerk_id, t7.status = w4.id, clerk2.id, "done"
        b.step(t7, "call", MONDAY, "11:40", consult, w4, clerk2)
        b.step(t7, "start", MONDAY, "11:41", consult, w4, clerk2)
        b.step(t7, "finish", MONDAY, "11:51", consult, w4, clerk2)
        session.flush()
        b.breach(t7, t7.waiting_since, t7.deadline, t7.called_at, w4, clerk2)
        # Another office and another day, to prove the scope filters.
        b.ticket("north", "passport", MONDAY, "09:00", called="09:01", started="09:01",
                 finished="09:11", window=1, clerk="north_clerk")  # fmt: skip
        b.ticket("central", "passport", TUESDAY, "09:00", called="09:14", started="09:15",
                 finished="09:40", window=1, clerk="clerk1")  # fmt: skip


@pytest.fixture
def report_world(world: World) -> World:
    """The world with the hand-built Monday (on SQLite and on PostgreSQL)."""
    build_day(world.db)
    return world
