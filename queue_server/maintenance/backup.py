"""Backups and restores of the whole database, on SQLite and on PostgreSQL.

SQLite: SQLite's online backup API (`sqlite3.Connection.backup`) copies every page in one
step, inside one read transaction of the source. In WAL mode a reader never blocks the
server's writers, and one step means one snapshot: the copy is the database as it was at
one commit, never half of a transaction. Restoring goes through the same API into the
target file, which is safe for the WAL and -shm files beside it (copying files is not).

PostgreSQL: `pg_dump -Fc` (a consistent snapshot by MVCC) and `pg_restore --clean
--if-exists` from Debian's postgresql-client. A URL whose `options` set a `search_path`
(one schema per office region, or per test) is backed up as that schema only.

A restore replaces every row, ticket counters included: under a running server it would
hand out numbers that were already given today. So it refuses when other connections use
the target database, unless forced. Both a backup and a restore end migrated to head.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from queue_server.maintenance.exceptions import (
    BackupFailed,
    BackupToolMissing,
    DatabaseInUse,
    WrongBackupFile,
)
from queue_server.migrate import upgrade

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# Seconds a SQLite backup or restore waits for a lock before it gives up.
SQLITE_LOCK_TIMEOUT = 30.0


@dataclass(frozen=True)
class BackupFile:
    """A finished backup: where it is, which database kind, its size in bytes."""

    path: Path
    backend: str
    size: int


def backup_database(*, url: str, target: Path) -> BackupFile:
    """Write a consistent copy of the database at `url` to `target` (replaced atomically)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed: a failed or interrupted backup never leaves
    # a half-written file under the name that the operator's rotation keeps.
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    parsed = make_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            _sqlite_backup(_sqlite_path(parsed), partial)
            backend = "sqlite"
        else:
            _pg_dump(parsed, partial)
            backend = "postgresql"
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupFile(path=target, backend=backend, size=target.stat().st_size)


def restore_database(*, url: str, source: Path, force: bool = False) -> None:
    """Replace the database at `url` by the backup `source`, then migrate it to head."""
    parsed = make_url(url)
    kind = backup_kind(source)
    backend = "sqlite" if parsed.get_backend_name() == "sqlite" else "postgresql"
    if kind != backend:
        raise WrongBackupFile(
            code="wrong_backup_file",
            key="wrong_backup_file.wrong_backup_kind",
            path=str(source),
            kind=_KIND_RU[kind],
            backend=_KIND_RU[backend],
        )
    if not force and database_in_use(url):
        raise DatabaseInUse()
    if backend == "sqlite":
        _sqlite_restore(source, _sqlite_path(parsed))
    else:
        _pg_restore(parsed, source)
    upgrade(url)


_KIND_RU = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def backup_kind(path: Path) -> str:
    """ "sqlite" or "postgresql" by the file's first bytes; WrongBackupFile otherwise."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise WrongBackupFile(
            code="wrong_backup_file",
            key="wrong_backup_file.backup_unreadable",
            path=str(path),
            reason=exc.strerror,
        ) from exc
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise WrongBackupFile(
        code="wrong_backup_file", key="wrong_backup_file.not_a_backup", path=str(path)
    )


def database_in_use(url: str) -> bool:
    """Whether other connections hold the database (a server that runs on it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(parsed)
        return path.exists() and _sqlite_has_other_connections(path)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            others = conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                )
            )
    finally:
        engine.dispose()
    return bool(others)


# --- SQLite -------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise WrongBackupFile(code="wrong_backup_file", key="wrong_backup_file.memory_database")
    return Path(url.database)


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupFailed(
            code="backup_failed", key="backup_failed.database_file_missing", path=str(source)
        )
    src = sqlite3.connect(source, timeout=SQLITE_LOCK_TIMEOUT)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # pages=-1: every page in one step, one snapshot of the source
        # One self-contained file: no -wal beside the copy to forget when it is moved.
        dst.execute("PRAGMA journal_mode=DELETE")
        _check_sqlite(dst, target)
    finally:
        dst.close()
        src.close()


def _sqlite_restore(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        _check_sqlite(src, source)
        dst = sqlite3.connect(target, timeout=SQLITE_LOCK_TIMEOUT)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _check_sqlite(conn: sqlite3.Connection, path: Path) -> None:
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupFailed(
            code="backup_failed", key="backup_failed.sqlite_corrupt", path=str(path), reason=exc
        ) from exc
    if verdict != "ok":
        raise BackupFailed(
            code="backup_failed",
            key="backup_failed.integrity_failed",
            path=str(path),
            verdict=verdict,
        )


def _sqlite_has_other_connections(path: Path) -> bool:
    # The server keeps its pooled connections open in WAL mode, and each of them holds a
    # shared lock on the file: an exclusive lock is granted only when nobody else is in.
    probe = sqlite3.connect(path, timeout=0.5, isolation_level=None)
    try:
        probe.execute("PRAGMA locking_mode=EXCLUSIVE")
        probe.execute("BEGIN EXCLUSIVE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_dump(url: URL, target: Path) -> None:
    dsn, env, schema = _libpq(url)
    args = [_tool("pg_dump"), "--format=custom", "--file", str(target), "--dbname", dsn]
    if schema:
        args += ["--schema", schema]
    _run(args, env)


def _pg_restore(url: URL, source: Path) -> None:
    dsn, env, _schema = _libpq(url)
    args = [
        _tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--exit-on-error",
        "--single-transaction",  # all or nothing: a failed restore leaves the old data
        "--dbname",
        dsn,
        str(source),
    ]
    _run(args, env)


def _libpq(url: URL) -> tuple[str, dict[str, str], str | None]:
    """The libpq URI (password in the environment, not on the command line) and schema."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    options = url.query.get("options", "")
    joined = " ".join(options) if isinstance(options, tuple) else options
    found = re.search(r"search_path\s*=\s*([A-Za-z0-9_]+)", joined)
    plain = url.set(drivername="postgresql", password=None, query={})
    return plain.render_as_string(hide_password=False), env, found.group(1) if found else None


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupToolMissing(name=name)
    return found


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip()[-2000:]
        raise BackupFailed(
            code="backup_failed",
            key="backup_failed.backup_tool_failed",
            tool=Path(args[0]).name,
            status=done.returncode,
            output=tail,
        )
