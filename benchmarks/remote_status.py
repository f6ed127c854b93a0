#!/usr/bin/env python
"""What the phone's queue costs (issue 17), in-process on the domain services.

The ticket's page polls its status every 5 s. For a place taken from the phone and not
checked in yet, the status replays the live queue with the other places expected at their
times (`tickets/remote.py`: `place_status`); for a waiting ticket it is the plain live
estimate. Prints, with `--waiting` passport tickets in the queue (default 200) and
`--places` places not checked in (default 50), the median and p99 of:

  * the status of a waiting ticket (the floor, measured in the same run);
  * the status of a place not checked in, and its ratio to the floor;
  * taking a place (under the office's remote-queue lock).

Run: `PYTHONPATH=. python benchmarks/remote_status.py [--polls 100]`; PostgreSQL too when
MFCQ_TEST_POSTGRES_URL is set. On the test world's FakeClock; touches nothing but its own
database (a temporary SQLite file, or a private PostgreSQL schema dropped afterwards).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.catalogue.models import Service
from queue_server.clock import FakeClock
from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.offices.models import Office
from queue_server.tickets import issuing, presenters, remote
from queue_server.tickets.models import EXPECTED, WAITING, Ticket
from queue_server.windows.service import take_window
from tests.support.databases import PostgresSchema
from tests.support.world import MONDAY_10, build_world


def summary(latencies: list[float]) -> tuple[float, str]:
    """The median in seconds, and "p50 … p99 …" in milliseconds."""
    lat = sorted(latencies)
    p50 = statistics.median(lat)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    return p50, f"n={len(lat):4d}  p50 {p50 * 1000:7.2f} ms  p99 {p99 * 1000:7.2f} ms"


def office_of(session: Session) -> Office:
    """The world's central office."""
    found = session.scalar(select(Office).where(Office.code == "central"))
    assert found is not None
    return found


def principal_of(session: Session, username: str) -> Principal:
    """The staff principal of a world account."""
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    return Principal("user", user.id, user.role, user.office_id, user.full_name)


def measure(url: str, label: str, args: argparse.Namespace) -> None:
    """Every figure on one database."""
    db = Database.from_url(url)
    clock = FakeClock(MONDAY_10)
    build_world(db, clock)
    with db.transaction() as s:
        office = office_of(s)
        # A one-minute service, so that every place still comes before today's closing
        # (a place the queue would not reach by then is refused).
        passport = s.scalar(select(Service).where(Service.code == "passport"))
        assert passport is not None
        passport.service_norm_minutes = 1
        take_window(
            session=s, clock=clock, office=office, number=1, principal=principal_of(s, "clerk1")
        )
        remote.update_policy(
            session=s,
            office=office,
            changes={"enabled": True, "per_phone_per_day": 10, "per_client_per_hour": 1000},
            services=["passport"],
        )
        admin = principal_of(s, "admin")
        for _ in range(args.waiting):
            clock.advance(seconds=1)
            issuing.issue_ticket(
                session=s, clock=clock, office=office, principal=admin, service_code="passport"
            )
    taking: list[float] = []
    for i in range(args.places):
        clock.advance(seconds=1)
        started = time.perf_counter()
        with db.transaction() as s:
            remote.take_place(
                session=s,
                clock=clock,
                office=office_of(s),
                service_code="passport",
                phone=f"+7 916 {i // 10:03d}-00-{i % 10:02d}",
                consent=True,
                client_address=f"10.0.{i % 250}.1",
            )
        taking.append(time.perf_counter() - started)
    with db.transaction() as s:
        waiting_id = s.scalars(
            select(Ticket.id).where(Ticket.status == WAITING).order_by(Ticket.id.desc())
        ).first()
        place_id = s.scalars(
            select(Ticket.id).where(Ticket.status == EXPECTED).order_by(Ticket.id.desc())
        ).first()
    assert waiting_id is not None and place_id is not None

    def polls(ticket_id: int) -> list[float]:
        out = []
        for _ in range(args.polls):
            started = time.perf_counter()
            with db.transaction(read_only=True) as s:
                ticket = s.get(Ticket, ticket_id)
                assert ticket is not None
                presenters.public_status_out(s, ticket, clock.now())
            out.append(time.perf_counter() - started)
        return out

    floor, floor_text = summary(polls(waiting_id))
    place, place_text = summary(polls(place_id))
    _, taking_text = summary(taking)
    print(f"{label}: {args.waiting} waiting, {args.places} places not checked in")
    print(f"  status of a waiting ticket (floor)   {floor_text}")
    print(f"  status of a place not checked in     {place_text}  ({place / floor:.2f}× the floor)")
    print(f"  taking a place                       {taking_text}")
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", type=int, default=200)
    parser.add_argument("--places", type=int, default=50)
    parser.add_argument("--polls", type=int, default=100)
    args = parser.parse_args()
    print(f"load average (1 min) before: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/remote.sqlite3"
        upgrade(url)
        measure(url, "SQLite", args)
    pg = os.environ.get("MFCQ_TEST_POSTGRES_URL")
    if pg:
        schema = PostgresSchema(pg)
        try:
            measure(schema.url, "PostgreSQL", args)
        finally:
            schema.drop()
    print(f"load average (1 min) after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
