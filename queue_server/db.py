"""Database engine, sessions and column types shared by every domain."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Engine, Integer, MetaData, create_engine, event
from sqlalchemy.engine import Connection, ExceptionContext, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from queue_server.errors import ServiceBusy

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


def make_engine(
    url: str,
    *,
    sqlite_busy_timeout_ms: int = 30_000,
    write_wait_seconds: float = 5.0,
    pool_size: int = 24,
    pool_overflow: int = 8,
    pool_timeout_seconds: float = 5.0,
    echo: bool = False,
) -> Engine:
    """An engine with the per-dialect settings the queue needs for atomicity.

    Every wait is bounded: a checkout waits at most `pool_timeout_seconds` for a pooled
    connection and an SQLite writer at most `write_wait_seconds` (never longer than the
    busy timeout) for the in-process write lock; then the caller gets `DatabaseBusy` or
    SQLAlchemy's pool `TimeoutError`, both answered 503 with Retry-After.
    """
    pool: dict[str, Any] = {
        "pool_size": pool_size,
        "max_overflow": pool_overflow,
        "pool_timeout": pool_timeout_seconds,
    }
    if url.startswith("sqlite"):
        memory = make_url(url).database in (None, "", ":memory:")
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": sqlite_busy_timeout_ms / 1000},
            # An in-memory database lives in its one connection: no pool to size.
            **({} if memory else pool),
        )
        write_wait = min(write_wait_seconds, sqlite_busy_timeout_ms / 1000)
        _configure_sqlite(engine, sqlite_busy_timeout_ms, WriteLock(), write_wait)
    else:
        engine = create_engine(url, echo=echo, pool_pre_ping=True, **pool)
        _bound_postgres_lock_waits(engine, write_wait_seconds)
    event.listen(engine, "handle_error", _busy_instead_of_lock_errors)
    return engine


def _bound_postgres_lock_waits(engine: Engine, lock_wait_seconds: float) -> None:
    # A request waiting for a row lock (a ticket counter, a window) held by a stuck
    # transaction would wait forever and keep its slot; with lock_timeout it gives up and
    # is answered 503. SET LOCAL, per transaction: behind PgBouncer's transaction pooling
    # a session-level SET would stay on whichever server connection happened to run it.
    statement = f"SET LOCAL lock_timeout = {int(lock_wait_seconds * 1000)}"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(statement)


def _busy_instead_of_lock_errors(context: ExceptionContext) -> BaseException | None:
    """A lock not granted in time (PostgreSQL lock_timeout, SQLite busy) is overload: 503."""
    original = context.original_exception
    if getattr(original, "sqlstate", None) == "55P03" or "database is locked" in str(original):
        return DatabaseBusy(BUSY_MESSAGE)
    return None


class WriteLock:
    """SQLite's in-process write lock: first come, first served, timed jobs ahead of requests.

    A plain `threading.Lock` lets a newcomer overtake a thread that has waited for long,
    so under a crowd the scheduler's pass could wait behind any number of requests. Here
    waiters are served in arrival order, and a priority waiter (the scheduler's timers)
    goes before every request, so a due recall waits for at most the running transaction.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._held = False
        self._queues: tuple[deque[object], deque[object]] = (deque(), deque())

    def acquire(self, timeout: float, *, priority: bool = False) -> bool:
        """Take the lock within `timeout` seconds; False when it did not come free in time."""
        me = object()
        queue = self._queues[0 if priority else 1]
        deadline = time.monotonic() + timeout
        with self._cond:
            queue.append(me)
            try:
                while self._held or self._next() is not me:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    self._cond.wait(remaining)
                self._held = True
                return True
            finally:
                queue.remove(me)
                # Whoever is now first in line may have been waiting behind us.
                self._cond.notify_all()

    def release(self) -> None:
        """Free the lock for the next in line."""
        with self._cond:
            self._held = False
            self._cond.notify_all()

    def waiting(self) -> int:
        """How many threads wait for the lock right now."""
        with self._cond:
            return sum(len(queue) for queue in self._queues)

    def _next(self) -> object | None:
        for queue in self._queues:
            if queue:
                return queue[0]
        return None


def _configure_sqlite(
    engine: Engine, busy_timeout_ms: int, write_lock: WriteLock, write_wait: float
) -> None:
    # pysqlite's own transaction handling issues a deferred BEGIN lazily, which lets two
    # writers both read "the next number" before either writes. We take over: every
    # transaction starts with BEGIN IMMEDIATE (the write lock) unless it is a read-only
    # session, so issuing and calling are serialised by the database itself.
    #
    # SQLite's busy handler polls with growing sleeps, which gives long, unfair tails
    # under load; in-process writers queue on `write_lock` instead and reach BEGIN
    # IMMEDIATE one at a time (other processes still rely on the busy timeout). The lock
    # lives exactly as long as the write transaction: a route that commits before slow
    # I/O (printing) frees it for everyone else.
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
        options = conn.get_execution_options()
        mode = options.get("sqlite_begin", "IMMEDIATE")
        if mode == "IMMEDIATE":
            if not write_lock.acquire(write_wait, priority=options.get(PRIORITY, False)):
                # Also what a nested write transaction in one thread would hit: fail, not hang.
                raise DatabaseBusy(BUSY_MESSAGE)
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


# The execution option that puts a write transaction at the head of the write lock's line.
PRIORITY = "mfcq_write_priority"
BUSY_MESSAGE = "База данных занята, повторите запрос через несколько секунд."


class DatabaseBusy(ServiceBusy):
    """No write slot became free in time."""

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
        self._priority_writer = sessionmaker(
            engine.execution_options(**{PRIORITY: True}), expire_on_commit=False
        )

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        """A Database on a new engine for `url`."""
        return cls(make_engine(url, **kwargs))

    def session(self, *, read_only: bool = False, priority: bool = False) -> Session:
        """A new session; read-only ones do not take SQLite's write lock.

        A priority session (the scheduler's timers) takes SQLite's write lock before every
        waiting request, so a due recall is never queued behind a crowd of clients.
        """
        if read_only:
            return self._reader()
        return (self._priority_writer if priority else self._writer)()

    @contextmanager
    def transaction(self, *, read_only: bool = False, priority: bool = False) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        session = self.session(read_only=read_only, priority=priority)
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
