"""Reads on PostgreSQL run without a transaction; writes keep theirs (issue 18, item 1).

Under READ COMMITTED each statement reads its own snapshot inside a transaction or out of
one, so a read-only unit of work in a transaction only added two round trips (BEGIN and the
pool's ROLLBACK); an issue reads three times. A connection lent to a read goes back to the
pool transactional again, so the next write on it is one unit of work as before.
"""

from __future__ import annotations

from typing import Any

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import event, text

from queue_server.db import Database
from queue_server.offices.models import Office


def _status(session: Any) -> TransactionStatus:
    raw = session.connection().connection.dbapi_connection
    return TransactionStatus(raw.info.transaction_status)


@pytest.mark.postgres
def test_a_read_is_outside_a_transaction_and_a_write_on_the_same_connection_is_inside(
    postgres_url: str,
) -> None:
    db = Database.from_url(postgres_url, pool_size=1, pool_overflow=0)
    try:
        with db.transaction() as setup:
            # Temporary: the pool's one connection keeps it, the session's schema does not.
            setup.execute(text("CREATE TEMPORARY TABLE probe (n integer)"))
        with db.transaction(read_only=True) as read:
            assert read.scalar(text("SELECT count(*) FROM probe")) == 0
            assert _status(read) is TransactionStatus.IDLE  # nothing to roll back
        # The same (only) pooled connection, now for a write that fails half-way.
        with pytest.raises(RuntimeError), db.transaction() as write:
            write.execute(text("INSERT INTO probe VALUES (1)"))
            assert _status(write) is TransactionStatus.INTRANS
            raise RuntimeError("the request failed after its first insert")
        with db.transaction(read_only=True) as read:
            assert read.scalar(text("SELECT count(*) FROM probe")) == 0  # nothing half-written
    finally:
        db.dispose()


@pytest.mark.postgres
def test_behind_a_transaction_pooler_only_writes_set_their_lock_timeout(
    postgres_url: str,
) -> None:
    db = Database.from_url(postgres_url, pooler="transaction")
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement.split()[0].upper() + " " + statement.split()[1].upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with db.transaction(read_only=True) as read:
            read.execute(text("SELECT 1"))
        assert sent == ["SELECT 1"]
        sent.clear()
        with db.transaction() as write:
            write.execute(text("SELECT 1"))
        assert sent == ["SET LOCAL", "SELECT 1"]
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        db.dispose()


@pytest.mark.postgres
def test_a_read_only_session_refuses_to_write(postgres_url: str) -> None:
    """Nothing a read does is rolled back on PostgreSQL: an ORM write there is refused."""
    db = Database.from_url(postgres_url)
    try:
        with pytest.raises(RuntimeError, match="read-only"), db.transaction(read_only=True) as read:
            read.add(Office(code="ghost", name="Никто"))
            read.flush()
        with db.transaction(read_only=True) as read:
            assert read.scalar(text("SELECT count(*) FROM offices WHERE code = 'ghost'")) == 0
    finally:
        db.dispose()
