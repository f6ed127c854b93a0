"""Database engine, sessions and column types shared by every domain."""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    create_engine,
    event,
    func,
    lambda_stmt,
)
from sqlalchemy.engine import Connection, ExceptionContext, make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
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


class elapsed_seconds(FunctionElement[float]):
    """Seconds from the first datetime to the second, on SQLite and PostgreSQL."""

    type = Float()
    inherit_cache = True
    name = "elapsed_seconds"


@compiles(elapsed_seconds, "sqlite")
def _elapsed_sqlite(element: elapsed_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (
        f"((julianday({compiler.process(end, **kw)}) - "
        f"julianday({compiler.process(start, **kw)})) * 86400.0)"
    )


@compiles(elapsed_seconds, "postgresql")
def _elapsed_pg(element: elapsed_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)}))"


_PREBUILT = itertools.count()


def prebuilt(statement: Any) -> Any:
    """A statement built once and executed on many requests, found in SQLAlchemy's compiled
    cache by a short key.

    The cache finds a statement by its structure: a key of nested tuples that is built
    once per statement object but hashed again on every execution (issue 18: 15–90 µs for
    the write path's larger statements, 20–160 KiB of key, ~0.23 ms of an issue). A
    statement wrapped here is found by its own number instead (`lambda_stmt`'s key: the
    lambda's code and `track_on`); what it executes, its parameters and its result are the
    statement's own. Only for statements that never change once built: the key does not
    look at the statement again.
    """
    number = next(_PREBUILT)
    return lambda_stmt(lambda: statement, track_on=[number])


def advisory_key(name: str, *parts: Any) -> ColumnElement[int]:
    """A PostgreSQL advisory-lock key for `name` (and `parts`) in this deployment's schema.

    Advisory locks belong to the database, not to a schema: deployments (or test schemas)
    sharing one database must not wait for each other's office 1, or skip a roll-up because
    another schema's is running. The key is a 64-bit hash of the name, the schema and the
    parts; two different keys colliding would only make them wait for each other.
    """
    text_ = func.concat(name, ":", func.current_schema(), *(x for p in parts for x in (":", p)))
    return func.hashtextextended(text_, 0)


def make_engine(
    url: str,
    *,
    sqlite_busy_timeout_ms: int = 30_000,
    write_wait_seconds: float = 5.0,
    pool_size: int = 24,
    pool_overflow: int = 8,
    pool_timeout_seconds: float = 5.0,
    pool_recycle_seconds: int = 1800,
    application_name: str | None = None,
    pooler: str = "none",
    echo: bool = False,
) -> Engine:
    """An engine with the per-dialect settings the queue needs for atomicity.

    Every wait is bounded: a checkout waits at most `pool_timeout_seconds` for a pooled
    connection and an SQLite writer at most `write_wait_seconds` (never longer than the
    busy timeout) for the in-process write lock; then the caller gets `DatabaseBusy` or
    SQLAlchemy's pool `TimeoutError`, both answered 503 with Retry-After.

    PostgreSQL: no ping before each checkout (a round trip per request); a connection is
    replaced after `pool_recycle_seconds`, and one found dead (a restarted server, a
    terminated backend) fails its request with `DatabaseUnavailable` (503), while the pool
    drops every connection older than the failure and opens fresh ones. `pooler=
    "transaction"`: the URL leads to PgBouncer in transaction mode, where consecutive
    transactions may run on different server connections, so psycopg prepares no
    statements on the server (they would be missing on the next one).
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
        engine = create_engine(
            url,
            echo=echo,
            pool_recycle=pool_recycle_seconds,
            connect_args=postgres_connect_args(application_name=application_name, pooler=pooler),
            **pool,
        )
        _bound_postgres_lock_waits(engine, write_wait_seconds, pooler)
    event.listen(engine, "handle_error", _busy_instead_of_lock_errors)
    return engine


def postgres_connect_args(*, application_name: str | None, pooler: str) -> dict[str, Any]:
    """psycopg's connection arguments: the name in pg_stat_activity, no prepared statements
    behind a transaction pooler."""
    if pooler not in ("none", "transaction"):
        raise ValueError(f"unknown pooler mode {pooler!r}: none or transaction")
    args: dict[str, Any] = {}
    if application_name:
        args["application_name"] = application_name
    if pooler == "transaction":
        args["prepare_threshold"] = None
    return args


def _bound_postgres_lock_waits(engine: Engine, lock_wait_seconds: float, pooler: str) -> None:
    # A request waiting for a row lock (a ticket counter, a window) held by a stuck
    # transaction would wait forever and keep its slot; with lock_timeout it gives up and
    # is answered 503. Straight to PostgreSQL it is set once, when a connection opens (a
    # round trip per transaction less: an issue runs three). Behind PgBouncer's
    # transaction pooling a session-level SET would stay on whichever server connection
    # happened to run it, so there it is SET LOCAL, at the start of every transaction.
    milliseconds = int(lock_wait_seconds * 1000)
    if pooler == "none":

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = {milliseconds}")
            dbapi_connection.commit()

        return
    statement = f"SET LOCAL lock_timeout = {milliseconds}"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A read (autocommit, `Database.session(read_only=True)`) has no transaction to
        # set it in, and takes no lock.
        if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            conn.exec_driver_sql(statement)


def _busy_instead_of_lock_errors(context: ExceptionContext) -> BaseException | None:
    """A lock not granted in time (PostgreSQL lock_timeout, SQLite busy) is overload: 503.

    A connection found dead is 503 too: SQLAlchemy has invalidated the pool by then (its
    connections older than this failure are replaced at their next checkout), so the
    client's retry after Retry-After gets a fresh connection.
    """
    original = context.original_exception
    if getattr(original, "sqlstate", None) == "55P03" or "database is locked" in str(original):
        return DatabaseBusy()
    if context.is_disconnect:
        return DatabaseUnavailable()
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
        if mode == NO_BEGIN:
            return  # a read: each statement is its own read transaction (autocommit)
        if mode == "IMMEDIATE":
            if not write_lock.acquire(write_wait, priority=options.get(PRIORITY, False)):
                # Also what a nested write transaction in one thread would hit: fail, not hang.
                raise DatabaseBusy()
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


# Connections of the reports' replica engine per process (reports are few and slow).
REPORTS_POOL_SIZE = 4

# The execution option that puts a write transaction at the head of the write lock's line.
PRIORITY = "mfcq_write_priority"
# SQLite's `sqlite_begin` for reads: no BEGIN at all (pysqlite runs without its own
# transaction handling, so each statement reads in a transaction of its own).
NO_BEGIN = "none"


class DatabaseBusy(ServiceBusy):
    """No write slot became free in time."""

    code = "database_busy"


class DatabaseUnavailable(ServiceBusy):
    """The connection to the database broke mid-request; the pool reconnects for the next."""

    code = "database_busy"


class Database:
    """The engine and its session factories; owned by the app's lifespan."""

    def __init__(
        self,
        engine: Engine,
        *,
        direct_url: str | None = None,
        reports_engine: Engine | None = None,
    ) -> None:
        # Imported here: the events tables import Base from this module.
        from queue_server.events.service import install_outbox_hooks

        # Explicitly, for every Database: whoever writes through it gets a working outbox.
        install_outbox_hooks()
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        # Where session-level features go (LISTEN): straight to PostgreSQL, never through
        # a transaction pooler, which hands each transaction to any server connection.
        self.direct_url = direct_url or engine.url.render_as_string(hide_password=False)
        # Reports read from here (a read replica) when given; else from the engine.
        self.reports_engine = reports_engine
        self._reports = (
            sessionmaker(reports_engine, expire_on_commit=False) if reports_engine else None
        )
        self._writer = sessionmaker(engine, expire_on_commit=False)
        # Reads take no transaction: on PostgreSQL under READ COMMITTED each statement
        # reads its own snapshot in a transaction or out of one, so BEGIN and the ROLLBACK
        # at the end were two round trips for nothing (an issue reads three times: token,
        # pre-read, its estimate); SQLite then reads each statement in its own read
        # transaction too (no BEGIN, so no write lock either), the same semantics.
        reader_bind = engine.execution_options(
            **({"sqlite_begin": NO_BEGIN} if self.is_sqlite else {"isolation_level": "AUTOCOMMIT"})
        )
        self._reader = sessionmaker(reader_bind, expire_on_commit=False)
        event.listen(self._reader, "before_flush", _refuse_to_write)
        self._priority_writer = sessionmaker(
            engine.execution_options(**{PRIORITY: True}), expire_on_commit=False
        )

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        """A Database on a new engine for `url`; `direct_url` (LISTEN) and `reports_url` (a
        read replica for reports) are taken out of `kwargs`, the rest go to `make_engine`."""
        direct_url: str | None = kwargs.pop("direct_url", None)
        reports_url: str | None = kwargs.pop("reports_url", None)
        reports = None
        if reports_url:
            # A replica of its own: a small pool, outside the primary's connection budget.
            options = {**kwargs, "pool_size": REPORTS_POOL_SIZE, "pool_overflow": 0}
            reports = make_engine(reports_url, **options)
        return cls(make_engine(url, **kwargs), direct_url=direct_url, reports_engine=reports)

    @contextmanager
    def report_transaction(self) -> Iterator[Session]:
        """A read-only unit of work for reports: on the read replica when one is set."""
        if self._reports is None:
            with self.transaction(read_only=True) as session:
                yield session
            return
        session = self._reports()
        try:
            yield session
        finally:
            session.close()

    def session(self, *, read_only: bool = False, priority: bool = False) -> Session:
        """A new session; read-only ones do not take SQLite's write lock, and on PostgreSQL
        run each statement on its own, outside a transaction (nothing they do is rolled
        back at the end: they must not write).

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
            # A read-only session is simply closed: its connection goes back to the pool
            # (rolled back on SQLite), and the objects it loaded stay readable.
            if not read_only:
                session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection, and each one still in use when it comes back."""
        dispose_engine(self.engine)
        if self.reports_engine is not None:
            dispose_engine(self.reports_engine)


def _refuse_to_write(session: Session, _context: Any, _instances: Any) -> None:
    """A read on PostgreSQL that would write: a bug, said at once rather than the write
    committed by itself (autocommit). An object merged or touched with no net change
    writes nothing and passes."""
    changed = session.new or session.deleted or any(session.is_modified(o) for o in session.dirty)
    if changed:
        raise RuntimeError("a read-only session must not write: use Database.transaction()")


def dispose_engine(engine: Engine) -> None:
    """Close the engine's idle connections now and its checked-out ones on their return.

    SQLAlchemy's `dispose` closes the idle connections and starts a new pool; a connection
    checked out at that moment (a worker thread's pass or outbox read that outlived the
    shutdown it was cancelled by) goes back to the discarded pool when its user is done and
    stays open there until the garbage collector finds the pool: psycopg then warns that a
    connection was deleted while still open, in whatever test or request runs at the time.
    Closed on its return instead, it is gone at once.
    """
    discarded = engine.pool
    engine.dispose()
    event.listen(discarded, "checkin", _close_on_return)


def _close_on_return(dbapi_connection: Any, _record: Any) -> None:
    # The connection of a discarded pool: nobody checks it out again.
    if dbapi_connection is not None:
        dbapi_connection.close()
