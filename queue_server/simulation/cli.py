"""`mfc-queue simulate`: run simulated office days and print each day's figures."""

from __future__ import annotations

import json
import sys
import time
import tomllib
from datetime import date, timedelta
from pathlib import Path

import click
from pydantic import ValidationError

from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.simulation.config import load_config
from queue_server.simulation.engine import simulate
from queue_server.simulation.records import DayResult, DaySummary, summarise
from queue_server.simulation.scratch import scratch_file


def _next_monday() -> date:
    today = date.today()
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


def fresh_sqlite_url(directory: Path, name: str) -> str:
    """A new, empty SQLite file's URL (an older file of the same name is replaced)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


@click.command("simulate")
@click.option(
    "--office",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Office configuration (TOML or JSON); default: a 20-window office.",
)
@click.option("--days", default=1, show_default=True, type=click.IntRange(1, 366))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option(
    "--database", "database_url", default=None, help="Database URL [a fresh SQLite file in var/]."
)
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="First day (YYYY-MM-DD) [next Monday].",
)
def simulate_command(
    config_path: Path | None,
    days: int,
    seed: int,
    database_url: str | None,
    start: object,
) -> None:
    """Simulate office days on the real services; print each day's waits."""
    try:
        config = load_config(config_path)
    except (ValidationError, json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        click.echo(f"error: {config_path}: {exc}", err=True)
        sys.exit(2)
    first = start.date() if hasattr(start, "date") else _next_monday()
    url = database_url or fresh_sqlite_url(Path("var/simulations"), f"sim-{first}-seed{seed}")
    upgrade(url)
    # A file of its own is a scratch file (no fsync); a database given is written as usual.
    db = Database.from_url(url) if database_url else scratch_file(url)
    began = time.perf_counter()
    try:
        results = simulate(
            db=db,
            config=config,
            seed=seed,
            start=first,
            days=days,
            on_day=lambda r: click.echo(r.summary().line()),
        )
    finally:
        db.dispose()
    click.echo(_total(results).line(f"{len(results)} days"))
    click.echo(f"{sum(r.tickets for r in results)} tickets in {time.perf_counter() - began:.1f} s")
    click.echo(f"database: {url}")


def _total(results: list[DayResult]) -> DaySummary:
    waits = [w for r in results for w in r.waits]
    whole = DayResult(
        day=results[-1].day,
        tickets=sum(r.tickets for r in results),
        no_shows=sum(r.no_shows for r in results),
        unserved=sum(r.unserved for r in results),
        breaches_recorded=sum(r.breaches_recorded for r in results),
    )
    return summarise(whole.day, whole.tickets, waits, whole)
