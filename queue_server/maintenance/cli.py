"""`mfc-queue backup`, `mfc-queue restore` and `mfc-queue retention run`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from queue_server.clock import Clock, RunningClock, SystemClock
from queue_server.db import Database
from queue_server.errors import DomainError
from queue_server.maintenance.backup import backup_database, restore_database
from queue_server.maintenance.retention import (
    DEFAULT_BATCH,
    RetentionPeriods,
    remove_expired_personal_data,
)
from queue_server.settings import Settings, get_settings


def _settings(ctx: click.Context) -> Settings:
    # The root command (`mfc-queue --database-url …`) leaves its settings in ctx.obj.
    obj = ctx.find_root().obj
    if isinstance(obj, dict) and isinstance(obj.get("settings"), Settings):
        return obj["settings"]
    return get_settings()


def _fail(exc: DomainError) -> None:
    click.echo(f"ошибка ({exc.code}): {exc.message}", err=True)
    sys.exit(2)


@click.command("backup")
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The backup file to write (replaced atomically).",
)
@click.pass_context
def backup_command(ctx: click.Context, target: Path) -> None:
    """Back up the database, also while the server runs (SQLite file or pg_dump -Fc archive)."""
    try:
        done = backup_database(url=_settings(ctx).database_url, target=target)
    except DomainError as exc:
        _fail(exc)
        return
    click.echo(f"резервная копия ({done.backend}): {done.path}, {done.size} байт")


@click.command("restore")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file written by `mfc-queue backup`.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Restore even while other connections (a running server) use the database.",
)
@click.pass_context
def restore_command(ctx: click.Context, source: Path, force: bool) -> None:
    """Replace every row of the database by a backup, then migrate it to the latest revision."""
    try:
        restore_database(url=_settings(ctx).database_url, source=source, force=force)
    except DomainError as exc:
        _fail(exc)
        return
    click.echo(f"восстановлено из {source}")


@click.group("retention")
def retention_cli() -> None:
    """Retention of applicants' personal data (152-ФЗ)."""


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Only count what is due; change nothing.")
@click.pass_context
def retention_run(ctx: click.Context, dry_run: bool) -> None:
    """Anonymise personal data whose retention period is over (MFCQ_RETENTION_DAYS_*)."""
    settings = _settings(ctx)
    periods = RetentionPeriods.from_settings(settings)
    # The server's own time base: a training server (MFCQ_CLOCK_START) lives on its day.
    clock: Clock = RunningClock(settings.clock_start) if settings.clock_start else SystemClock()
    db = Database.from_url(settings.database_url)
    totals: dict[str, int] = {}
    try:
        while True:  # batch by batch, each in its own short transaction
            with db.transaction(read_only=dry_run) as session:
                done = remove_expired_personal_data(
                    session=session, now=clock.now(), periods=periods, dry_run=dry_run
                )
            for rule, count in done.items():
                totals[rule] = totals.get(rule, 0) + count
            if dry_run or all(n < DEFAULT_BATCH for n in done.values()):
                break
    except DomainError as exc:
        _fail(exc)
    finally:
        db.dispose()
    verb = "к обезличиванию" if dry_run else "обезличено"
    click.echo(", ".join(f"{rule}: {verb} {n}" for rule, n in totals.items()))
