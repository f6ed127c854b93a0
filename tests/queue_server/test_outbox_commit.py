"""Outbox rows are inserted at commit: savepoints, and no deadlock over the office lock."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import func, select, text

from queue_server.db import Database
from queue_server.events.models import Event
from queue_server.events.service import emit
from queue_server.offices.models import Office
from queue_server.windows.models import Window
from tests.support.world import World


def office_and_window(db: Database) -> tuple[int, int]:
    with db.transaction(read_only=True) as s:
        office = s.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        window = s.scalar(select(Window).where(Window.office_id == office.id, Window.number == 1))
        assert window is not None
        return office.id, window.id


def event_types(db: Database) -> list[str]:
    with db.transaction(read_only=True) as s:
        return list(s.scalars(select(Event.type).order_by(Event.id)))


def test_events_of_a_rolled_back_savepoint_are_dropped(world: World) -> None:
    office_id, _ = office_and_window(world.db)
    with world.db.transaction() as s:
        emit(session=s, clock=world.clock, type="kept.before", office_id=office_id, payload={})
        try:
            with s.begin_nested():
                emit(session=s, clock=world.clock, type="dropped", office_id=office_id, payload={})
                raise RuntimeError("undo the savepoint")
        except RuntimeError:
            pass
        with s.begin_nested():
            emit(
                session=s, clock=world.clock, type="kept.released", office_id=office_id, payload={}
            )
    with world.db.transaction() as s:
        emit(session=s, clock=world.clock, type="rolled.back", office_id=office_id, payload={})
        s.rollback()
    assert event_types(world.db) == ["kept.before", "kept.released"]


def test_a_row_lock_taken_after_emitting_cannot_deadlock_with_the_office_lock(world: World) -> None:
    """T2 emits, then waits for a window row T1 holds; T1 then emits and commits.

    Were the event inserted (and the office's ordering lock taken) when emitted, T2 would
    hold that lock while waiting for the row and T1 would wait for the lock: a deadlock,
    which PostgreSQL breaks by failing one of them.
    """
    db = world.db
    office_id, window_id = office_and_window(db)
    t1_has_row = threading.Event()
    errors: list[BaseException] = []

    def t1() -> None:
        try:
            with db.transaction() as s:
                s.execute(select(Window).where(Window.id == window_id).with_for_update())
                t1_has_row.set()
                wait_until_someone_waits_for_a_lock(db)
                emit(session=s, clock=world.clock, type="t1", office_id=office_id, payload={})
        except BaseException as exc:
            errors.append(exc)

    def t2() -> None:
        try:
            with db.transaction() as s:
                emit(session=s, clock=world.clock, type="t2", office_id=office_id, payload={})
                s.flush()
                t1_has_row.wait(timeout=30)
                s.execute(select(Window).where(Window.id == window_id).with_for_update())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=t1), threading.Thread(target=t2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert event_types(db) == ["t1", "t2"]  # ids follow commit order


def wait_until_someone_waits_for_a_lock(db: Database) -> None:
    """On PostgreSQL, until another session is blocked on a lock; SQLite serialises anyway."""
    if db.is_sqlite:
        return
    deadline = time.monotonic() + 30
    with db.engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                select(func.count()).select_from(text("pg_locks")).where(text("NOT granted"))
            ).scalar_one()
            if waiting:
                return
            conn.rollback()
            time.sleep(0.01)
    raise AssertionError("the other transaction never blocked")


HOOKS_BEFORE_AND_AFTER_A_DATABASE = """
from sqlalchemy import event
from sqlalchemy.orm import Session

from queue_server.events import service
from queue_server.events.models import Event
from queue_server.realtime import outbox


def installed():
    return (
        event.contains(Session, "before_commit", service._insert_deferred),
        event.contains(Event, "after_insert", outbox._announce),
    )


before = installed()
from queue_server.db import Database

Database.from_url("sqlite://").dispose()
print(before, installed())
"""


def test_the_outbox_hooks_come_with_a_database_not_with_an_import() -> None:
    """Importing the events service hooks nothing; building a Database hooks everything."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", HOOKS_BEFORE_AND_AFTER_A_DATABASE],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert done.stdout.strip() == "(False, False) (True, True)"
