"""Throw-away databases for simulation runs: SQLite in memory, or a scratch SQLite file.

The demo's history and the managers' what-if simulate on an in-memory one, never on the
office's own database: nothing of a run can leak into the real register, and an
in-memory file has no disk writes to wait for. The schema is built from the tables'
metadata (the migration test keeps it equal to the migrated one), which takes
milliseconds where running every migration takes seconds.

An in-memory SQLite database lives in its connection, and the engine keeps one
connection per thread: a run must stay on the thread that opened it.

`mfc-queue simulate` without `--database` (and `benchmarks/simulate.py`) keep the run in
a file, so that its day can be read afterwards: `scratch_file` opens that file without
the durability a real office's database needs (no fsync, the rollback journal in
memory). A crash can only lose the run itself, which is simulated again in a minute.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url

import queue_server.metadata  # noqa: F401  (every table on Base.metadata)
from queue_server.db import Base, Database

# Pragmas of a scratch file only: never on an office's database.
SCRATCH_PRAGMAS = ("PRAGMA journal_mode=MEMORY", "PRAGMA synchronous=OFF")


@contextmanager
def scratch_database() -> Iterator[Database]:
    """A fresh, empty, migrated-equivalent SQLite database in memory, disposed after use."""
    db = Database.from_url("sqlite://")
    try:
        Base.metadata.create_all(db.engine)
        yield db
    finally:
        db.dispose()


def scratch_file(url: str) -> Database:
    """A Database on a throw-away SQLite file (already migrated) for a simulation run:
    its connections write without fsync and keep the journal in memory."""
    if make_url(url).get_backend_name() != "sqlite":
        raise ValueError("a scratch file is an SQLite file")
    db = Database.from_url(url)

    # Registered after the engine's own "connect" hook (WAL, busy timeout), so it has
    # the last word; a file another connection holds in WAL mode simply stays in WAL.
    @event.listens_for(db.engine, "connect")
    def _scratch(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in SCRATCH_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    return db
