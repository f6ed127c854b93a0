"""Test databases: a migrated SQLite file per test, a private PostgreSQL schema per session."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from queue_server.metadata import Base
from queue_server.migrate import upgrade


def postgres_base_url() -> str:
    """The PostgreSQL URL for tests, or skip (fail under MFCQ_TEST_STRICT) without one."""
    url = os.environ.get("MFCQ_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("MFCQ_TEST_STRICT"):
            pytest.fail("MFCQ_TEST_STRICT is set but MFCQ_TEST_POSTGRES_URL is not")
        pytest.skip("MFCQ_TEST_POSTGRES_URL is not set: PostgreSQL tests are skipped")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def migrated_sqlite_file(path: Path) -> Path:
    """An SQLite file migrated to head (the template that each test copies)."""
    upgrade(f"sqlite:///{path}")
    return path


def fresh_sqlite_url(template: Path, directory: Path) -> str:
    """A copy of the migrated template for one test."""
    target = directory / "test.sqlite3"
    shutil.copy(template, target)
    return f"sqlite:///{target}"


class PostgresSchema:
    """A private schema in the test database, migrated once, emptied before each test."""

    def __init__(self, base_url: str) -> None:
        self.name = f"mfcq_test_{uuid.uuid4().hex[:10]}"
        self._admin = create_engine(base_url)
        with self._admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={self.name}"})
        self.url = url.render_as_string(hide_password=False)
        upgrade(self.url)
        self._engine: Engine = create_engine(self.url)
        self._empty_statement = self._emptying_statement()

    def _emptying_statement(self) -> str:
        # DELETE and a sequence restart in one round trip: ten times faster than TRUNCATE
        # on these small tables (TRUNCATE makes new files for every table each time).
        with self._engine.connect() as conn:
            sequences = conn.scalars(
                text(
                    "SELECT sequence_name FROM information_schema.sequences"
                    " WHERE sequence_schema = current_schema()"
                )
            ).all()
            # Tables whose own triggers refuse a DELETE (the audit trail, R16): their
            # owner, this test user, switches the triggers off for this transaction only.
            guarded = conn.scalars(
                text(
                    "SELECT DISTINCT c.relname FROM pg_trigger t"
                    " JOIN pg_class c ON c.oid = t.tgrelid"
                    " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE NOT t.tgisinternal AND n.nspname = current_schema()"
                )
            ).all()
        off = [f'ALTER TABLE "{t}" DISABLE TRIGGER USER' for t in guarded]
        deletes = [f'DELETE FROM "{t.name}"' for t in reversed(Base.metadata.sorted_tables)]
        on = [f'ALTER TABLE "{t}" ENABLE TRIGGER USER' for t in guarded]
        restarts = [f'ALTER SEQUENCE "{s}" RESTART' for s in sequences]
        return "; ".join(off + deletes + on + restarts)

    def empty(self) -> str:
        """Remove every row and restart every id; the URL of the schema."""
        with self._engine.begin() as conn:
            conn.exec_driver_sql(self._empty_statement)
        return self.url

    def copy_statement(self) -> str:
        """Statements that copy every row of this schema into the current schema of the
        connection that runs them (an empty schema migrated alike) and set its sequences
        where this schema's are."""
        with self._engine.connect() as conn:
            sequences = conn.scalars(
                text(
                    "SELECT sequence_name FROM information_schema.sequences"
                    " WHERE sequence_schema = current_schema()"
                )
            ).all()
            guarded = conn.scalars(
                text(
                    "SELECT DISTINCT c.relname FROM pg_trigger t"
                    " JOIN pg_class c ON c.oid = t.tgrelid"
                    " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE NOT t.tgisinternal AND n.nspname = current_schema()"
                )
            ).all()
        off = [f'ALTER TABLE "{t}" DISABLE TRIGGER USER' for t in guarded]
        inserts = [
            f'INSERT INTO "{t.name}" SELECT * FROM "{self.name}"."{t.name}"'
            for t in Base.metadata.sorted_tables
        ]
        on = [f'ALTER TABLE "{t}" ENABLE TRIGGER USER' for t in guarded]
        sets = [
            f'SELECT setval(\'"{s}"\', last_value, is_called) FROM "{self.name}"."{s}"'
            for s in sequences
        ]
        return "; ".join(off + inserts + on + sets)

    def drop(self) -> None:
        """Drop the schema and close the connections."""
        self._engine.dispose()
        with self._admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{self.name}" CASCADE'))
        self._admin.dispose()


def postgres_schema() -> Iterator[PostgresSchema]:
    """The session's schema (as a generator for a session fixture)."""
    base = postgres_base_url()
    try:
        schema = PostgresSchema(base)
    except Exception as exc:  # pragma: no cover - depends on the machine
        if os.environ.get("MFCQ_TEST_STRICT"):
            raise
        pytest.skip(f"PostgreSQL at {make_url(base).host} is not reachable: {exc}")
    try:
        yield schema
    finally:
        schema.drop()
