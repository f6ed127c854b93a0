"""A connection in use while its Database is disposed is closed when it comes back.

Before, it went back to the discarded pool and stayed open until the garbage collector
found it, and psycopg's "deleted while still open" warning fell into whatever test ran
then (a scheduler pass or an outbox read on a worker thread outliving the shutdown).
"""

from __future__ import annotations

import gc
import sqlite3

from sqlalchemy import text

from queue_server.db import Database


def _closed(dbapi_connection: object) -> bool:
    if isinstance(dbapi_connection, sqlite3.Connection):
        try:
            dbapi_connection.execute("SELECT 1")
        except sqlite3.ProgrammingError:  # "Cannot operate on a closed database."
            return True
        return False
    return bool(dbapi_connection.closed)


def test_a_connection_in_use_at_dispose_is_closed_on_its_return(any_db_url: str) -> None:
    db = Database.from_url(any_db_url)
    # Readers (SQLite: no write lock), so that two connections can be out at once.
    engine = db.engine.execution_options(sqlite_begin="DEFERRED")
    held = engine.connect()  # a worker thread's pass, still running at shutdown
    held.execute(text("SELECT 1"))
    held_raw = held.connection.dbapi_connection
    with engine.connect() as idle:  # another one, back in the pool
        idle.execute(text("SELECT 1"))
        idle_raw = idle.connection.dbapi_connection
    assert idle_raw is not held_raw

    db.dispose()
    assert _closed(idle_raw)
    assert not _closed(held_raw)  # its user is not done with it yet
    held.execute(text("SELECT 1"))
    held.close()
    assert _closed(held_raw)  # closed now, not left to the garbage collector
    del held
    gc.collect()  # (pytest fails the test on the warning of a connection deleted open)

    # The engine still works after a dispose: a new pool, whose connections are kept.
    with engine.connect() as again:
        again.execute(text("SELECT 1"))
        kept = again.connection.dbapi_connection
    assert not _closed(kept)
    db.dispose()
    assert _closed(kept)
