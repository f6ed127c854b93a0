"""Atomicity under real concurrency, on SQLite and PostgreSQL: numbers and calls."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import select

from queue_server.auth.models import Device, User
from queue_server.auth.service import Principal
from queue_server.offices.models import Office
from queue_server.tickets import issuing, moves
from queue_server.windows.models import Window, WindowService
from queue_server.windows.service import take_window
from tests.support.world import PASSWORD_HASH, World

T = TypeVar("T")


def run_at_once(n: int, work: Callable[[int], T]) -> list[T]:
    """Run `work(i)` in n threads released together by a barrier."""
    barrier = threading.Barrier(n)

    def task(i: int) -> T:
        barrier.wait(timeout=30)
        return work(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(task, range(n)))


def kiosk_principal(world: World) -> tuple[Principal, int]:
    with world.db.transaction(read_only=True) as s:
        device = s.scalar(select(Device).where(Device.name == "kiosk"))
        office = s.scalar(select(Office).where(Office.code == "central"))
        assert device is not None and office is not None
        return Principal("device", device.id, "kiosk", office.id, "kiosk"), office.id


def issue_one(world: World, principal: Principal, office_id: int, key: str | None = None) -> str:
    with world.db.transaction() as s:
        office = s.get(Office, office_id)
        assert office is not None
        ticket, _ = issuing.issue_ticket(
            session=s,
            clock=world.clock,
            office=office,
            principal=principal,
            service_code="passport",
            idempotency_key=key,
        )
        return ticket.number


def test_fifty_kiosks_at_once_get_fifty_consecutive_numbers(any_world: World) -> None:
    principal, office_id = kiosk_principal(any_world)
    numbers = run_at_once(50, lambda _i: issue_one(any_world, principal, office_id))
    assert sorted(numbers) == [f"А{i:03d}" for i in range(1, 51)]


def test_one_idempotency_key_tapped_twenty_times_at_once_gives_one_ticket(any_world: World) -> None:
    principal, office_id = kiosk_principal(any_world)
    numbers = run_at_once(
        20, lambda _i: issue_one(any_world, principal, office_id, key="double-tap-key")
    )
    assert set(numbers) == {"А001"}
    # The losers' numbers were given back, so the next ticket is А002, not А021.
    assert issue_one(any_world, principal, office_id) == "А002"


def test_twenty_windows_calling_at_once_never_share_a_ticket(any_world: World) -> None:
    world = any_world
    principal, office_id = kiosk_principal(world)
    for _ in range(30):
        issue_one(world, principal, office_id)
    clerks: list[Principal] = []
    with world.db.transaction() as s:
        office = s.get(Office, office_id)
        assert office is not None
        passport = s.scalar(
            select(WindowService.service_id).join(Window).where(Window.number == 1).limit(1)
        )
        for n in range(20):
            window = Window(office_id=office_id, number=100 + n)
            window.services.append(WindowService(service_id=passport, order=1))
            user = User(
                username=f"c{n}", password_hash=PASSWORD_HASH, role="clerk", office_id=office_id
            )
            s.add_all([window, user])
            s.flush()
            clerk = Principal("user", user.id, "clerk", office_id, user.username)
            take_window(
                session=s, clock=world.clock, office=office, number=100 + n, principal=clerk
            )
            clerks.append(clerk)

    def call(i: int) -> str | None:
        with world.db.transaction() as s:
            office = s.get(Office, office_id)
            assert office is not None
            ticket = moves.call_next(
                session=s, clock=world.clock, office=office, number=100 + i, principal=clerks[i]
            )
            return ticket.number if ticket else None

    called = run_at_once(20, call)
    assert None not in called
    assert len(set(called)) == 20
    # Everyone calls the longest waiting: exactly the first twenty were taken.
    assert sorted(n for n in called if n) == [f"А{i:03d}" for i in range(1, 21)]


def test_a_nested_sqlite_write_fails_clearly_instead_of_hanging(sqlite_url: str) -> None:
    import pytest
    from sqlalchemy import text

    from queue_server.db import Database, DatabaseBusy

    db = Database.from_url(sqlite_url, sqlite_busy_timeout_ms=200)
    with db.transaction() as outer:
        outer.execute(text("SELECT 1"))
        with pytest.raises(DatabaseBusy), db.transaction() as inner:
            inner.execute(text("SELECT 1"))
        with db.transaction(read_only=True) as reader:  # readers are never blocked
            assert reader.execute(text("SELECT 1")).scalar() == 1
    with db.transaction() as again:  # the lock was released
        again.execute(text("SELECT 1"))
    db.dispose()


def test_committing_releases_the_sqlite_write_lock_before_the_session_ends(sqlite_url: str) -> None:
    from sqlalchemy import text

    from queue_server.db import Database

    db = Database.from_url(sqlite_url, sqlite_busy_timeout_ms=200)
    with db.transaction() as first:
        first.execute(text("SELECT 1"))
        first.commit()  # e.g. a print route, before talking to the printer
        with db.transaction() as second:
            second.execute(text("SELECT 1"))
    db.dispose()
