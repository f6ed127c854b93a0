"""Backups taken while a live server issues and calls, restored into fresh databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from queue_server.cli import main
from queue_server.maintenance.backup import backup_database
from queue_server.maintenance.exceptions import BackupToolMissing
from queue_server.metadata import Base
from queue_server.migrate import alembic_config
from queue_server.tickets.models import Ticket, TicketCounter, TicketTransition
from tests.support.databases import postgres_base_url
from tests.support.load import Load
from tests.support.patience import STARTUP_SECONDS
from tests.support.servers import live_server
from tests.support.world import World


def _url(world: World) -> str:
    return world.db.engine.url.render_as_string(hide_password=False)


def _cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def fresh_url(world: World, tmp_path: Path) -> Iterator[str]:
    """An empty database of the world's backend to restore into (PostgreSQL: a new one)."""
    source = make_url(_url(world))
    if source.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"mfcq_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_base_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        # Same search_path as the source: the dump brings its schema along.
        yield source.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            for table in Base.metadata.sorted_tables:
                query = select(table).order_by(*table.primary_key.columns)
                out[table.name] = [tuple(r) for r in conn.execute(query)]
            return out
    finally:
        engine.dispose()


def _numbers(url: str) -> dict[int, str]:
    """Ticket id → number."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {i: n for i, n in conn.execute(select(Ticket.id, Ticket.number))}
    finally:
        engine.dispose()


def _revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert inspect(conn).has_table("alembic_version")
            return conn.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()


def _head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _assert_consistent(url: str) -> None:
    """Each ticket has its stored steps and no counter is behind its tickets' numbers."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            steps: dict[int, set[str]] = {}
            for ticket_id, action in conn.execute(
                select(TicketTransition.ticket_id, TicketTransition.action)
            ):
                steps.setdefault(ticket_id, set()).add(action)
            tickets = conn.execute(select(Ticket.id, Ticket.status, Ticket.called_at)).all()
            assert tickets
            for ticket_id, status, called_at in tickets:
                have = steps.get(ticket_id, set())
                assert "issue" in have, (ticket_id, have)
                assert called_at is None or "call" in have, (ticket_id, have)
                assert status != "done" or "finish" in have, (ticket_id, have)
            highest = conn.execute(
                select(Ticket.office_id, Ticket.prefix, Ticket.day, func.max(Ticket.seq)).group_by(
                    Ticket.office_id, Ticket.prefix, Ticket.day
                )
            ).all()
            counters = {
                (c.office_id, c.prefix, c.day): c.last_seq
                for c in conn.execute(select(TicketCounter))
            }
            for office_id, prefix, day, seq in highest:
                assert counters[(office_id, prefix, day)] >= seq
    finally:
        engine.dispose()


def test_backup_while_the_server_writes_restores_a_consistent_snapshot(
    world: World, tmp_path: Path, fresh_url: str
) -> None:
    source = _url(world)
    archive = tmp_path / "during.backup"
    with live_server(world, kiosk_tickets_per_minute=0) as server:
        load = Load(server.url, world, issues_per_thread=40).start()
        try:
            load.wait_for_issued(20)
            answered = list(load.issued)  # answered before the backup began
            made = _cli("--database-url", source, "backup", "--to", str(archive))
        finally:
            load.stop()
    assert made.exit_code == 0, made.output
    assert not load.errors
    restored = _cli("--database-url", fresh_url, "restore", "--from", str(archive))
    assert restored.exit_code == 0, restored.output

    assert _revision(fresh_url) == _head()
    _assert_consistent(fresh_url)
    copy, now = _numbers(fresh_url), _numbers(source)
    assert set(answered) <= set(copy.items())
    # A snapshot of the past: no ticket the source does not have, none renumbered.
    assert all(now[i] == number for i, number in copy.items())


def test_a_quiet_backup_restores_every_row(world: World, tmp_path: Path, fresh_url: str) -> None:
    source = _url(world)
    with live_server(world, kiosk_tickets_per_minute=0) as server:
        load = Load(server.url, world, issues_per_thread=10).start()
        load.wait_for_issued(30)
        load.stop()
    archive = tmp_path / "quiet.backup"
    assert _cli("--database-url", source, "backup", "--to", str(archive)).exit_code == 0
    for _ in range(2):  # the second restore replaces the rows of the first (--clean)
        restored = _cli("--database-url", fresh_url, "restore", "--from", str(archive))
        assert restored.exit_code == 0, restored.output
    assert _rows(fresh_url) == _rows(source)


def test_restore_refuses_a_database_that_a_server_uses(world: World, tmp_path: Path) -> None:
    source = _url(world)
    archive = tmp_path / "before.backup"
    assert _cli("--database-url", source, "backup", "--to", str(archive)).exit_code == 0
    with live_server(world, kiosk_tickets_per_minute=0) as server:
        load = Load(
            server.url,
            world,
            issues_per_thread=5,
            issuers=1,
            clerks=(),
            budget_seconds=STARTUP_SECONDS,  # it stops after its five issues
        ).start()
        load.wait_for_issued(5)
        load.stop()
        assert len(load.issued) == 5, load.errors
        refused = _cli("--database-url", source, "restore", "--from", str(archive))
    assert refused.exit_code == 2
    assert "database_in_use" in refused.output and "--force" in refused.output
    assert len(_rows(source)["tickets"]) == 5  # nothing was replaced

    # With --force the operator takes the responsibility: the backup's rows come back.
    forced = _cli("--database-url", source, "restore", "--from", str(archive), "--force")
    assert forced.exit_code == 0, forced.output
    assert _rows(source)["tickets"] == []


def test_restore_refuses_a_file_that_is_no_backup_of_this_database(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    refused = _cli("--database-url", url, "restore", "--from", str(junk))
    assert refused.exit_code == 2
    assert "wrong_backup_file" in refused.output
    dump = tmp_path / "pg.backup"
    dump.write_bytes(b"PGDMP\x01\x0e\x00")
    wrong = _cli("--database-url", url, "restore", "--from", str(dump))
    assert "wrong_backup_file" in wrong.output and "PostgreSQL" in wrong.output


def test_missing_pg_dump_is_named_with_its_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump anywhere
    with pytest.raises(BackupToolMissing, match="postgresql-client"):
        backup_database(
            url="postgresql+psycopg://postgres@127.0.0.1:1/none", target=tmp_path / "x.backup"
        )
    assert not list(tmp_path.glob("x.backup*"))
