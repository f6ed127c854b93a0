#!/usr/bin/env python
"""What the clerk's moves beyond "call next" cost, in-process on the domain services.

Prints, on SQLite and (when MFCQ_TEST_POSTGRES_URL is set) PostgreSQL, with a queue of
`--waiting` passport tickets (default 500):

  * call-next at window 1 (then finish), the dispatcher's query with the transfer targets;
  * the same while `--transferred` tickets (default 50) wait for other windows and clerks;
  * call-chosen of a ticket from the middle of the queue, with its reason;
  * one scheduler pass returning `--holds` postponed tickets (default 100) to the queue.

Run: `PYTHONPATH=. python benchmarks/clerk_moves.py [--calls 100]`. On the test world's
FakeClock; touches nothing but its own database (a temporary SQLite file, or a private
PostgreSQL schema that is dropped afterwards).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.clock import FakeClock
from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.offices.models import Office
from queue_server.tickets import issuing, moves
from queue_server.tickets.models import WAITING, Ticket
from queue_server.windows.service import take_window
from tests.support.databases import PostgresSchema
from tests.support.world import MONDAY_10, build_world


def percentiles(latencies: list[float]) -> str:
    """p50 and p99 in milliseconds."""
    lat = sorted(latencies)
    p50 = statistics.median(lat) * 1000
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    return f"n={len(lat):4d}  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms"


def principal_of(session: Session, username: str) -> Principal:
    """The staff principal of a world account."""
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    return Principal("user", user.id, user.role, user.office_id, user.full_name)


def fill_queue(db: Database, clock: FakeClock, count: int) -> None:
    """Issue `count` passport tickets a second apart."""
    with db.transaction() as s:
        office = s.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        admin = principal_of(s, "admin")
        for _ in range(count):
            clock.advance(seconds=1)
            issuing.issue_ticket(
                session=s,
                clock=clock,
                office=office,
                principal=admin,
                service_code="passport",
                priority_category=None,
                idempotency_key=None,
                per_minute=0,
            )


def timed(db: Database, times: int, step: Callable[[Session], None]) -> list[float]:
    """Run `step` in its own transaction `times` times; the latencies."""
    latencies = []
    for _ in range(times):
        started = time.perf_counter()
        with db.transaction() as s:
            step(s)
        latencies.append(time.perf_counter() - started)
    return latencies


def call_and_finish(
    db: Database, clock: FakeClock, window: int, clerk: str, times: int
) -> list[float]:
    """Latencies of call-next (each followed by an untimed finish)."""
    latencies = []
    for _ in range(times):
        clock.advance(seconds=5)
        started = time.perf_counter()
        with db.transaction() as s:
            office = s.scalar(select(Office).where(Office.code == "central"))
            assert office is not None
            ticket = moves.call_next(
                session=s,
                clock=clock,
                office=office,
                number=window,
                principal=principal_of(s, clerk),
            )
            assert ticket is not None
            ticket_id = ticket.id
        latencies.append(time.perf_counter() - started)
        with db.transaction() as s:
            who = principal_of(s, clerk)
            found = s.get(Ticket, ticket_id)
            assert found is not None
            moves.start(session=s, clock=clock, ticket=found, principal=who)
            moves.finish(session=s, clock=clock, ticket=found, principal=who)
    return latencies


def measure(url: str, label: str, args: argparse.Namespace) -> None:
    """Every figure on one database."""
    db = Database.from_url(url)
    clock = FakeClock(MONDAY_10)
    build_world(db, clock)
    fill_queue(db, clock, args.waiting)
    with db.transaction() as s:
        office = s.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        for number, clerk in ((1, "clerk1"), (3, "clerk2"), (4, "clerk3")):
            take_window(
                session=s,
                clock=clock,
                office=office,
                number=number,
                principal=principal_of(s, clerk),
            )
    print(f"{label}: {args.waiting} passport tickets waiting")
    plain = call_and_finish(db, clock, 1, "clerk1", args.calls)
    print(f"  call-next                      {percentiles(plain)}")
    if args.only_call_next:  # the same figure on a tree without the clerk's moves
        db.dispose()
        return
    from queue_server.clerk import moves as clerk_moves
    from queue_server.clerk.scheduled import return_postponed_tickets

    # Transfers: tickets called at window 1 and sent to window 3 or clerk3, left waiting.
    for i in range(args.transferred):
        with db.transaction() as s:
            office = s.scalar(select(Office).where(Office.code == "central"))
            assert office is not None
            who = principal_of(s, "clerk1")
            ticket = moves.call_next(session=s, clock=clock, office=office, number=1, principal=who)
            assert ticket is not None
            target = {"window_number": 3} if i % 2 else {"clerk_username": "clerk3"}
            clerk_moves.transfer(session=s, clock=clock, ticket=ticket, principal=who, **target)
    print(
        f"  call-next, {args.transferred} transferred away"
        f"  {percentiles(call_and_finish(db, clock, 1, 'clerk1', args.calls))}"
    )

    def chosen(s: Session) -> None:
        office = s.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        waiting = s.scalars(
            select(Ticket.id)
            .where(
                Ticket.status == WAITING,
                Ticket.target_window_id.is_(None),
                Ticket.target_clerk_id.is_(None),
            )
            .order_by(Ticket.id)
        ).all()
        who = principal_of(s, "clerk1")
        called = clerk_moves.call_chosen(
            session=s,
            clock=clock,
            office=office,
            number=1,
            principal=who,
            ticket_id=waiting[len(waiting) // 2],
            reason="needs_help",
        )
        moves.start(session=s, clock=clock, ticket=called, principal=who)
        moves.finish(session=s, clock=clock, ticket=called, principal=who)

    print(f"  call-chosen (+start, finish)   {percentiles(timed(db, args.calls, chosen))}")

    # Holds: tickets called and postponed for 5 minutes, then one scheduler pass.
    for _ in range(args.holds):
        with db.transaction() as s:
            office = s.scalar(select(Office).where(Office.code == "central"))
            assert office is not None
            who = principal_of(s, "clerk1")
            ticket = moves.call_next(session=s, clock=clock, office=office, number=1, principal=who)
            assert ticket is not None
            clerk_moves.postpone(session=s, clock=clock, ticket=ticket, principal=who, minutes=5)
    clock.advance(minutes=5)
    started = time.perf_counter()
    with db.transaction() as s:
        returned = return_postponed_tickets(session=s, clock=clock)
    elapsed = (time.perf_counter() - started) * 1000
    print(f"  scheduler returns {returned} holds    one pass {elapsed:7.1f} ms")
    db.dispose()


def main() -> None:
    """Measure on SQLite, then on PostgreSQL when configured."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--waiting", type=int, default=500)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--transferred", type=int, default=50)
    parser.add_argument("--holds", type=int, default=100)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--only-call-next", action="store_true", help="Only the first figure.")
    args = parser.parse_args()
    if "sqlite" in args.databases:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'clerk_moves.sqlite3'}"
            upgrade(url)
            measure(url, "SQLite", args)
    pg = os.environ.get("MFCQ_TEST_POSTGRES_URL")
    if pg and "postgres" in args.databases:
        schema = PostgresSchema(pg)
        try:
            measure(schema.url, "PostgreSQL", args)
        finally:
            schema.drop()


if __name__ == "__main__":
    main()
