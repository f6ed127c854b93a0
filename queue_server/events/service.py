"""Writing and reading outbox events."""

from __future__ import annotations

import functools
import json
import threading
from typing import Any

from sqlalchemy import JSON, Integer, String, Table, bindparam, func, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction

from queue_server.clock import Clock
from queue_server.db import UTCDateTime, prebuilt
from queue_server.events.models import Event
from queue_server.realtime.outbox import (
    CHANNEL_PREFIX,
    MAX_NOTIFY_BYTES,
    PENDING_KEY,
    event_message,
    install_insert_hooks,
    office_order_lock,
)

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
        # Imported here: the configuration's tables import this module's neighbours.
        from queue_server.offices.config_cache import install_config_stamp_hook

        install_config_stamp_hook()


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
    ordered = [event for event, _scope in sorted(deferred, key=lambda i: i[0].office_id or 0)]
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        for event in ordered:
            statement, values = _locked_insert_and_notify(event)
            event.id = connection.execute(statement, values).scalar_one()
        return
    # SQLite: one Core statement an event (built once), not an ORM flush; the message goes
    # to the in-process fan-out on commit as the outbox's insert hook would send it.
    statement, pending = _plain_insert_statement(), session.info.setdefault(PENDING_KEY, [])
    for event in ordered:
        event.id = connection.execute(statement, _values(event)).scalar_one()
        pending.append((None, event_message(event)))


def _values(event: Event) -> dict[str, Any]:
    return {
        "office_id": event.office_id,
        "type": event.type,
        "payload": event.payload or {},
        "created_at": event.created_at,
    }


@functools.cache
def _plain_insert_statement() -> Any:
    """SQLite's insert of an event (no lock: the transaction holds the write lock)."""
    table = Event.__table__
    assert isinstance(table, Table)
    return prebuilt(
        table.insert()
        .values(
            office_id=bindparam("office_id", type_=Integer),
            type=bindparam("type", type_=String),
            payload=bindparam("payload", type_=JSON),
            created_at=bindparam("created_at", type_=UTCDateTime()),
        )
        .returning(table.c.id)
    )


def _notify_text(event: Event) -> tuple[str, str]:
    """The NOTIFY payload around the event's id (not known before the insert): the text
    `realtime.outbox` sends for this event, split where its id goes."""
    dump = json.dumps
    at = event.created_at.isoformat() if event.created_at else None
    head = '{"type":' + dump(event.type, ensure_ascii=False) + ',"id":'
    tail = (
        ',"office_id":'
        + dump(event.office_id)
        + ',"at":'
        + dump(at)
        + ',"payload":'
        + dump(event.payload or {}, ensure_ascii=False, separators=(",", ":"))
        + "}"
    )
    if len((head + tail).encode()) + 20 > MAX_NOTIFY_BYTES:
        return '{"id": ', f', "office_id": {dump(event.office_id)}, "thin": true}}'
    return head, tail


def _locked_insert_and_notify(event: Event) -> tuple[Any, dict[str, Any]]:
    """PostgreSQL: the office's ordering lock, the insert and the NOTIFY in one statement
    (built once, `_locked_insert_statement`), with this event's values to bind."""
    head, tail = _notify_text(event)
    return _locked_insert_statement(event.office_id is not None), {
        **_values(event),
        "head": head,
        "tail": tail,
    }


@functools.cache
def _locked_insert_statement(locked: bool) -> Any:
    """`_locked_insert_and_notify`'s statement (building it costs more than executing it).

    The same three steps as the outbox's insert hooks (`realtime.outbox`: the lock before
    the id is drawn, the notification sent on commit), in one round trip instead of three.
    The lock is taken while the SELECT feeding the INSERT runs, before the row's id is
    drawn from the sequence in its projection. `locked`: the event has an office (an
    event of no office takes no lock).
    """
    table = Event.__table__
    assert isinstance(table, Table)
    office_id = bindparam("office_id", type_=Integer)
    values = select(
        office_id.label("office_id"),
        bindparam("type", type_=String).label("type"),
        bindparam("payload", type_=JSON).label("payload"),
        bindparam("created_at", type_=UTCDateTime()).label("created_at"),
    )
    if locked:
        lock = select(office_order_lock(office_id).label("held")).cte("office_lock")
        values = values.select_from(lock)
    inserted = (
        table.insert()
        .from_select(["office_id", "type", "payload", "created_at"], values)
        .returning(table.c.id)
        .cte("inserted")
    )
    channel = func.concat(CHANNEL_PREFIX, func.current_schema())
    message = func.concat(
        bindparam("head", type_=String), inserted.c.id, bindparam("tail", type_=String)
    )
    return prebuilt(select(inserted.c.id, func.pg_notify(channel, message)))


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
