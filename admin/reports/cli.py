"""`mfc-queue reports rollup`: roll closed days up again (repair, or a history loaded late)."""

from __future__ import annotations

from datetime import date, timedelta

import click
from sqlalchemy import select

from admin.reports.rollup import first_ticket_day, roll_up
from queue_server.clock import SystemClock
from queue_server.db import Database
from queue_server.errors import InvalidInput
from queue_server.offices.calendar import local_now
from queue_server.offices.models import Office
from queue_server.settings import get_settings


@click.group("reports")
@click.option("--database-url", envvar="MFCQ_DATABASE_URL", default=None)
@click.pass_context
def reports_cli(ctx: click.Context, database_url: str | None) -> None:
    """Reports: the daily roll-ups that the report pages read."""
    parent = ctx.obj or {}
    settings = parent.get("settings") or get_settings()
    ctx.obj = {"database_url": database_url or settings.database_url}


@reports_cli.command("rollup")
@click.option("--office", "offices", multiple=True, help="Office code (repeatable); all if none.")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First local date [the office's first ticket].")  # fmt: skip
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last local date [yesterday in the office's zone].")  # fmt: skip
@click.pass_context
def rollup_command(
    ctx: click.Context, offices: tuple[str, ...], start: object, end: object
) -> None:
    """Roll the offices' days up again from their tickets (each day replaced, its month
    rebuilt). Safe to repeat; the server keeps the roll-ups itself as days close."""
    db = Database.from_url(ctx.obj["database_url"])
    now = SystemClock().now()
    first = start.date() if start is not None else None  # type: ignore[attr-defined]
    last = end.date() if end is not None else None  # type: ignore[attr-defined]
    if first is not None and last is not None and last < first:
        raise InvalidInput(code="bad_period")
    try:
        with db.transaction(read_only=True) as session:
            query = select(Office).order_by(Office.code)
            if offices:
                query = query.where(Office.code.in_(offices))
            chosen = list(session.scalars(query))
            missing = sorted(set(offices) - {o.code for o in chosen})
            if missing:
                raise InvalidInput(code="office_not_found", value=missing[0])
        for office in chosen:
            with db.transaction() as session:
                office = session.merge(office)
                since: date | None = first or first_ticket_day(session, office.id)
                until = last or local_now(office, now).date() - timedelta(days=1)
                if since is None or until < since:
                    click.echo(f"{office.code}: нечего сводить (нет талонов в периоде)")
                    continue
                done = roll_up(session, office, since, until, now)
            click.echo(
                f"{office.code}: сведены дни {since.isoformat()} — {until.isoformat()} "
                f"({done.days} дн.), пересобрано месяцев: {done.months}"
            )
    finally:
        db.dispose()
