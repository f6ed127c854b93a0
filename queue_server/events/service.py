"""Writing and reading outbox events."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session, SessionTransaction

from queue_server.clock import Clock
from queue_server.events.models import Event
from queue_server.realtime.outbox import install_insert_hooks

_INSTALLING = threading.Lock()
#: session.info key of the events emitted in the current transaction, not inserted yet.
DEFERRED_KEY = "mfcq_events_deferred"


def emit(
    *, session: Session, clock: Clock, type: str, office_id: int | None, payload: dict[str, Any]
) -> Event:
    """Add an event to the current transaction; it commits or rolls back with the change.

    The row is inserted when the transaction commits, after every other change: on
    PostgreSQL the insert takes the office's ordering lock (realtime.outbox), and taking
    it last means a transaction that holds it never waits for a row lock, so two
    transactions can never deadlock over it. An event emitted inside a savepoint that
    is rolled back is dropped with it.
    """
    event = Event(office_id=office_id, type=type, payload=payload, created_at=clock.now())
    scope = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info.setdefault(DEFERRED_KEY, []).append((event, scope))
    return event


def _within(scope: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while scope is not None:
        if scope is ended:
            return True
        scope = scope.parent
    return False


def install_outbox_hooks() -> None:
    """Install the session hooks that make `emit` work; idempotent.

    Called by `Database` when it is built, so every process that writes events (server,
    scheduler, CLI, simulator, tests, benchmarks) has them, and importing this module
    changes nothing.
    """
    with _INSTALLING:  # two threads building a Database must not hook twice
        for name, hook in (
            ("after_soft_rollback", _drop_rolled_back),
            ("before_commit", _insert_deferred),
        ):
            if not sa_event.contains(Session, name, hook):
                sa_event.listen(Session, name, hook)
        install_insert_hooks()


def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    deferred = session.info.get(DEFERRED_KEY)
    if deferred:
        session.info[DEFERRED_KEY] = [
            (event, scope) for event, scope in deferred if not _within(scope, previous_transaction)
        ]


def _insert_deferred(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint is released: its events wait for the real commit
    deferred = session.info.pop(DEFERRED_KEY, None)
    if not deferred:
        return
    session.flush()  # every other change (and its row locks) first
    # Offices in ascending order, so two transactions never take two offices' locks in
    # opposite orders; within an office, the order in which they were emitted.
    for event, _scope in sorted(deferred, key=lambda item: item[0].office_id or 0):
        session.add(event)
    session.flush()


def events_after(
    *, session: Session, office_id: int, after_id: int = 0, limit: int = 500
) -> list[Event]:
    """The office's events with id greater than `after_id`, oldest first."""
    stmt = (
        select(Event)
        .where(Event.office_id == office_id, Event.id > after_id)
        .order_by(Event.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))
