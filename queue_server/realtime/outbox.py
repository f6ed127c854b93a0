"""Hooks on every outbox insert: commit order per office, NOTIFY on PostgreSQL.

Installed with the outbox's session hooks (``events.service.install_outbox_hooks``) when a
``Database`` is built, so that every process that writes events (server, scheduler, CLI,
simulator) gets them, not only a process that serves WebSockets.

Why a lock: ids come from a sequence when the row is inserted, but transactions commit in
any order. Without care, event 11 of an office can become visible before event 10, and a
client that saw 11 and reconnects "after 11" would never get 10. On PostgreSQL the insert
first takes a transaction-level advisory lock per office (of its schema: deployments that
share a database do not wait for each other), so an office's ids are handed out
in commit order; the hub can then keep one cursor per office and a client one last id.
SQLite admits one writer at a time (BEGIN IMMEDIATE), which gives the same order for free.

NOTIFY inside the emitting transaction is delivered on commit, in commit order, to every
listening process (including this one); a rolled-back transaction sends nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.sql.elements import ColumnElement

from queue_server.db import advisory_key
from queue_server.events.models import Event

#: Prefix of the NOTIFY channel; the schema name follows, so that deployments (or test
#: schemas) that share one PostgreSQL database do not hear each other.
CHANNEL_PREFIX = "mfcq_events_"
#: Name of the per-office advisory lock (keyed with the schema and the office id).
LOCK_NAME = "mfcq-office-order"
#: NOTIFY payloads are limited to 8000 bytes; bigger events are announced by id only.
MAX_NOTIFY_BYTES = 7000
#: session.info key of the events inserted in the current transaction (SQLite fan-out).
PENDING_KEY = "mfcq_outbox_pending"


def event_message(row: Event) -> dict[str, Any]:
    """The JSON form of an event, as pushed to clients (``type`` is the event type)."""
    return {
        "type": row.type,
        "id": row.id,
        "office_id": row.office_id,
        "at": row.created_at.isoformat() if row.created_at else None,
        "payload": row.payload or {},
    }


def _is_postgres(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def install_insert_hooks() -> None:
    """Hook the outbox inserts (office lock, NOTIFY) and the commit bookkeeping; idempotent."""
    hooks: list[tuple[Any, str, Callable[..., None]]] = [
        (Event, "before_insert", _lock_office_order),
        (Event, "after_insert", _announce),
        (Session, "after_commit", _forget_pending),
        (Session, "after_rollback", _forget_pending),
    ]
    for target, name, hook in hooks:
        if not event.contains(target, name, hook):
            event.listen(target, name, hook)


def office_order_lock(office_id: int | ColumnElement[int]) -> ColumnElement[Any]:
    """Take the office's ordering lock until the transaction ends (PostgreSQL); the office's
    id, or a bound parameter for it."""
    return func.pg_advisory_xact_lock(advisory_key(LOCK_NAME, office_id))


def _lock_office_order(_mapper: Mapper[Event], connection: Connection, target: Event) -> None:
    if _is_postgres(connection) and target.office_id is not None:
        connection.execute(select(office_order_lock(target.office_id)))


def _announce(_mapper: Mapper[Event], connection: Connection, target: Event) -> None:
    message = event_message(target)
    if _is_postgres(connection):
        text = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
        if len(text.encode()) > MAX_NOTIFY_BYTES:
            text = json.dumps({"id": target.id, "office_id": target.office_id, "thin": True})
        connection.execute(
            select(func.pg_notify(func.concat(CHANNEL_PREFIX, func.current_schema()), text))
        )
        return
    session = Session.object_session(target)
    if session is not None:
        session.info.setdefault(PENDING_KEY, []).append((target, message))


def committed_messages(session: Session) -> list[dict[str, Any]]:
    """The messages of events this session just committed (for ``after_commit`` listeners,
    which must be registered with ``insert=True`` to run before the list is cleared)."""
    pending: list[tuple[Event | None, dict[str, Any]]] = session.info.get(PENDING_KEY, [])
    # An event inserted inside a savepoint that was rolled back is no longer persistent;
    # one inserted at the commit (`events.service`, no row object) was never in one.
    return [message for row, message in pending if row is None or inspect(row).persistent]


def _forget_pending(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
