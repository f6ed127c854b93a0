"""The office simulator: it drives the real services, a seed gives the same day, and its
M/M/c days agree with Erlang C (docs/simulation.md has the full table)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from queue_server.cli import main
from queue_server.db import Database
from queue_server.events.models import Event
from queue_server.simulation import engine
from queue_server.simulation.config import SimConfig
from queue_server.simulation.engine import simulate
from queue_server.simulation.records import DayResult
from queue_server.simulation.scratch import scratch_file
from queue_server.simulation.validate import (
    Case,
    estimates,
    fifo_waits,
    mmc_config,
    recursion_days,
)
from queue_server.tickets.models import Ticket, TicketTransition
from tests.support.databases import fresh_sqlite_url

MONDAY = date(2026, 11, 23)


def _small_office(**changes: Any) -> SimConfig:
    """The default office on a quiet day (about forty tickets), for fast tests."""
    config = SimConfig(**changes)
    config.arrivals.per_day = {k: v * 0.02 for k, v in config.arrivals.per_day.items()}
    return config


def _tickets(db: Database) -> list[tuple[Any, ...]]:
    """Every ticket and transition as stored, without the ids the databases choose."""
    with db.transaction(read_only=True) as session:
        tickets = [
            (t.number, t.service.code, t.status, t.issued_at, t.called_at, t.finished_at)
            for t in session.scalars(select(Ticket).order_by(Ticket.issued_at, Ticket.number))
        ]
        moves = [
            (m.action, m.at, m.automatic)
            for m in session.scalars(
                select(TicketTransition).order_by(TicketTransition.at, TicketTransition.action)
            )
        ]
    return tickets + moves


def test_a_seed_reproduces_a_day_exactly(
    any_db: Database, sqlite_template: Path, tmp_path: Path
) -> None:
    config = _small_office()
    (day,) = simulate(db=any_db, config=config, seed=7, start=MONDAY, days=1)
    assert day.tickets > 25
    # Two more fresh files, beside (not over) this test's own SQLite file.
    again, other = (
        Database.from_url(fresh_sqlite_url(sqlite_template, _directory(tmp_path / name)))
        for name in ("again", "other")
    )
    try:
        simulate(db=again, config=_small_office(), seed=7, start=MONDAY, days=1)
        simulate(db=other, config=_small_office(), seed=8, start=MONDAY, days=1)
        # The same tickets, moves and instants, on this backend and on a fresh SQLite file.
        assert _tickets(any_db) == _tickets(again)
        assert _tickets(any_db) != _tickets(other)
    finally:
        again.dispose()
        other.dispose()


def _directory(path: Path) -> Path:
    path.mkdir()
    return path


def _events(db: Database) -> list[tuple[Any, ...]]:
    """The outbox as stored, in id order, without the ids."""
    with db.transaction(read_only=True) as session:
        return [
            (e.type, e.created_at, (e.payload or {}).get("number"))
            for e in session.scalars(select(Event).order_by(Event.id))
        ]


def test_a_day_in_batched_transactions_is_the_day_of_one_transaction_per_event(
    any_db: Database, sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The simulator's events share transactions (`engine.BATCH_STEPS`); each service
    still sees every earlier event's rows, so the day stored — tickets, every move and
    every event of the outbox, in order — is the day of one transaction per event."""
    (batched,) = simulate(db=any_db, config=_small_office(), seed=5, start=MONDAY, days=1)
    monkeypatch.setattr(engine, "BATCH_STEPS", 1)
    single = Database.from_url(fresh_sqlite_url(sqlite_template, _directory(tmp_path / "one")))
    try:
        (alone,) = simulate(db=single, config=_small_office(), seed=5, start=MONDAY, days=1)
        assert batched.tickets == alone.tickets > 25
        assert batched.waits == [
            replace(w, ticket_id=b.ticket_id)
            for w, b in zip(alone.waits, batched.waits, strict=True)
        ]
        assert _tickets(any_db) == _tickets(single)
        assert _events(any_db) == _events(single)
        assert len(_events(single)) > 100
    finally:
        single.dispose()


def test_the_commands_own_file_is_a_scratch_file_and_a_database_given_is_not(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """`mfc-queue simulate` writes its own file without fsync and with the journal in
    memory (`scratch_file`); a database it is given keeps the server's settings (WAL)."""
    url = fresh_sqlite_url(sqlite_template, _directory(tmp_path / "scratch"))
    for db, mode, synchronous in (
        (scratch_file(url), "memory", 0),
        (Database.from_url(url), "wal", 1),
    ):
        try:
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == mode
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == synchronous
        finally:
            db.dispose()
    with pytest.raises(ValueError):
        scratch_file("postgresql+psycopg://nobody@127.0.0.1:1/none")


def _two_services(office: str, primary: str, secondary: str) -> SimConfig:
    """One window serving two services, `primary` first (order 1), with a queue building."""
    services = {
        code: {"name_ru": code, "prefix": prefix, "kind": "consultation"}
        for code, prefix in (("a", "А"), ("b", "Б"))
    }
    return SimConfig.model_validate(
        {
            "office_code": office,
            "catalogue": {"services": services},
            "office": {
                "name": office,
                "windows": {
                    1: {
                        "services": [
                            {"service": primary, "order": 1},
                            {"service": secondary, "order": 2},
                        ]
                    }
                },
            },
            "clerks": [{"window": 1, "shifts": [["09:00", "12:00"]]}],
            "arrivals": {"rates": {"mon": {9: 7, 10: 7}}},
            "mix": {"a": 1, "b": 1},
            "service_times": {s: {"mean_minutes": 9, "sigma": 0.3} for s in ("a", "b")},
            "no_show": 0,
            "priority_share": 0,
            "bookings": {"share": 0},
            "redirect": 0,
            "redirect_to": {},
            "returns": {},
        }
    )


def _mean_wait(day: DayResult, service: str) -> float:
    waits = [w.wait_s for w in day.waits if w.service == service]
    return sum(waits) / len(waits)


def test_the_simulator_calls_in_the_order_the_real_dispatcher_decides(any_db: Database) -> None:
    # Only the dispatcher knows that a window serves its primary services (order 1) before
    # its secondary ones: the same applicants, with the orders swapped, swap who waits.
    (a_first,) = simulate(
        db=any_db, config=_two_services("ab", "a", "b"), seed=3, start=MONDAY, days=1
    )
    (b_first,) = simulate(
        db=any_db, config=_two_services("ba", "b", "a"), seed=3, start=MONDAY, days=1
    )
    assert a_first.tickets == b_first.tickets > 10
    assert _mean_wait(a_first, "a") < _mean_wait(a_first, "b") / 2
    assert _mean_wait(b_first, "b") < _mean_wait(b_first, "a") / 2


def test_an_mmc_day_on_the_real_services_is_the_fifo_recursion_and_agrees_with_erlang_c(
    any_db: Database,
) -> None:
    case = Case(2.0, 2.0, 2, days=2)
    days = simulate(db=any_db, config=mmc_config(case), seed=11, start=MONDAY, days=case.days)
    real = [[(w.waiting_since, w.wait_s) for w in d.waits] for d in days]
    # The same applicants through an independent M/M/c FIFO recursion: wait by wait equal.
    shadow = recursion_days(case, seed=11, days=[d.day for d in days])
    assert [len(d) for d in real] == [len(d) for d in shadow]
    for got, expected in zip(real, shadow, strict=True):
        for (since, wait), (since_expected, wait_expected) in zip(got, expected, strict=True):
            assert since == since_expected
            assert abs(wait - wait_expected) < 0.001
    # At length (the same generator, 4,000 days), Erlang C within 5 %.
    wait, share = case.theory()
    long = recursion_days(case, seed=11, days=[days[0].day] * 4000)
    _calls, mean, over = estimates(case, long)
    assert abs(mean.value / wait - 1) < 0.05, (mean, wait)
    assert abs(over.value / share - 1) < 0.05, (over, share)


def test_fifo_recursion_on_a_hand_worked_day() -> None:
    from datetime import UTC, datetime, timedelta

    from queue_server.simulation.applicants import Applicant

    t0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)

    def person(minute: int, service_min: int) -> Applicant:
        return Applicant(t0 + timedelta(minutes=minute), "s", service_min * 60.0, 0.0, True)

    # Two windows: 0 and 1 go straight in; 2 waits for the first to finish at 10.
    waits = fifo_waits([person(0, 10), person(1, 30), person(2, 5)], 2, t0)
    assert [w for _, w in waits] == [0.0, 0.0, 8 * 60.0]


def test_simulate_command_prints_each_day(any_db_url: str, tmp_path: Path) -> None:
    office = tmp_path / "office.toml"
    office.write_text(
        "[arrivals.rates.mon]\n10 = 8\n[arrivals.rates.tue]\n10 = 8\n", encoding="utf-8"
    )
    result = CliRunner().invoke(
        main,
        [
            "simulate",
            "--office",
            str(office),
            "--days",
            "2",
            "--seed",
            "5",
            "--start",
            "2026-11-23",
            "--database",
            any_db_url,
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("2026-11-23 Mon") and lines[1].startswith("2026-11-24 Tue")
    assert "2 days" in lines[2] and "within limit" in lines[2]


def test_simulate_command_refuses_a_bad_office_file(tmp_path: Path) -> None:
    office = tmp_path / "office.json"
    office.write_text('{"mix": {"nonexistent": 1}}', encoding="utf-8")
    result = CliRunner().invoke(main, ["simulate", "--office", str(office)])
    assert result.exit_code == 2
    assert "nonexistent" in result.output
