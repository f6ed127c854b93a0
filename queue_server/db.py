"""Database engine, sessions and column types shared by every domain."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Engine, Integer, MetaData, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from queue_server.errors import DomainError

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a bigint.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base of every table; constraint names are stable for Alembic."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: the same on SQLite and PostgreSQL."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Aware datetimes only; stored as naive UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Naive UTC from the database becomes aware UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def make_engine(url: str, *, sqlite_busy_timeout_ms: int = 30_000, echo: bool = False) -> Engine:
    """An engine with the per-dialect settings the queue needs for atomicity."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": sqlite_busy_timeout_ms / 1000},
        )
        _configure_sqlite(engine, sqlite_busy_timeout_ms)
        return engine
    return create_engine(url, echo=echo, pool_size=20, max_overflow=30, pool_pre_ping=True)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    # pysqlite's own transaction handling issues a deferred BEGIN lazily, which lets two
    # writers both read "the next number" before either writes. We take over: every
    # transaction starts with BEGIN IMMEDIATE (the write lock) unless it is a read-only
    # session, so issuing and calling are serialised by the database itself.
    #
    # SQLite's busy handler polls with growing sleeps, which gives long, unfair tails
    # under load; in-process writers queue on this lock instead and reach BEGIN IMMEDIATE
    # one at a time (other processes still rely on the busy timeout). The lock lives
    # exactly as long as the write transaction: a route that commits before slow I/O
    # (printing) frees it for everyone else.
    write_lock = threading.Lock()
    flag = "mfcq_holds_write_lock"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode == "IMMEDIATE":
            if not write_lock.acquire(timeout=busy_timeout_ms / 1000):
                # Also what a nested write transaction in one thread would hit: fail, not hang.
                raise DatabaseBusy("The database is busy; try again in a moment.")
            conn.info[flag] = True
        try:
            conn.exec_driver_sql(f"BEGIN {mode}")
        except BaseException:
            _release(conn.info)
            raise

    def _release(info: dict[Any, Any]) -> None:
        if info.pop(flag, False):
            write_lock.release()

    @event.listens_for(engine, "commit")
    def _on_commit(conn: Connection) -> None:
        _release(conn.info)

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn: Connection) -> None:
        _release(conn.info)

    @event.listens_for(engine.pool, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        _release(record.info)  # a safety net: never keep the lock past the connection's use


class DatabaseBusy(DomainError):
    """No write slot became free in time."""

    status_code = 503
    code = "database_busy"


class Database:
    """The engine and its session factories; owned by the app's lifespan."""

    def __init__(self, engine: Engine) -> None:
        # Imported here: the events tables import Base from this module.
        from queue_server.events.service import install_outbox_hooks

        # Explicitly, for every Database: whoever writes through it gets a working outbox.
        install_outbox_hooks()
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._writer = sessionmaker(engine, expire_on_commit=False)
        reader_bind = (
            engine.execution_options(sqlite_begin="DEFERRED") if self.is_sqlite else engine
        )
        self._reader = sessionmaker(reader_bind, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        """A Database on a new engine for `url`."""
        return cls(make_engine(url, **kwargs))

    def session(self, *, read_only: bool = False) -> Session:
        """A new session; read-only ones do not take SQLite's write lock."""
        return (self._reader if read_only else self._writer)()

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        session = self.session(read_only=read_only)
        try:
            yield session
            # A read-only session is simply closed: its connection is reset (rolled back)
            # by the pool, and the objects it loaded stay readable.
            if not read_only:
                session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
