"""`mfc-queue case …`: the agency side and back office of the case flow, and the scanner."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.cases.history import history_of
from queue_server.cases.lifecycle import register_result, send_to_agency
from queue_server.cases.models import Case
from queue_server.cases.schemas import ResultIn
from queue_server.clock import SystemClock
from queue_server.db import Database
from queue_server.errors import DomainError, NotFound
from queue_server.messages import term
from queue_server.offices.calendar import local_now
from queue_server.settings import get_settings


def _run(database_url: str | None, work: Callable[[Session], str]) -> None:
    db = Database.from_url(database_url or get_settings().database_url)
    try:
        with db.transaction() as session:
            click.echo(work(session))
    except DomainError as exc:
        click.echo(f"ошибка: {exc.message}", err=True)
        sys.exit(2)
    finally:
        db.dispose()


def _find(session: Session, number: str) -> Case:
    case = session.scalar(select(Case).where(Case.registration_number == number).with_for_update())
    if case is None:
        raise NotFound(code="case_number_not_found", number=number)
    return case


@click.group("case")
@click.option("--database-url", envvar="MFCQ_DATABASE_URL", default=None)
@click.pass_context
def case_cli(ctx: click.Context, database_url: str | None) -> None:
    """Cases: the agency side (sent, result arrived) and the window scanner."""
    ctx.obj = {"database_url": database_url}


@case_cli.command("show")
@click.argument("number")
@click.pass_context
def show(ctx: click.Context, number: str) -> None:
    """Status and history of a case by its registration number (no personal data)."""

    def work(session: Session) -> str:
        case = _find(session, number)
        office = case.office
        lines = [
            f"Дело {case.registration_number}: {term('case_status', case.status)}",
            f"Время офиса «{office.name}» ({office.timezone})",
        ]
        for step, clerk in history_of(session=session, case=case):
            local = local_now(office, step.at)
            who = clerk or ("автоматически" if step.automatic else "орган")
            lines.append(
                f"  {local:%d.%m.%Y %H:%M} (UTC{local:%z})  "
                f"{term('case_status', step.to_status)}  {who}"
            )
        return "\n".join(lines)

    _run(ctx.obj["database_url"], work)


@case_cli.command("sent")
@click.argument("number")
@click.option("--incoming-number", default=None, help="The agency's own incoming number.")
@click.pass_context
def sent(ctx: click.Context, number: str, incoming_number: str | None) -> None:
    """The agency took the case (courier delivery confirmed)."""

    def work(session: Session) -> str:
        case = send_to_agency(
            session=session,
            clock=SystemClock(),
            case=_find(session, number),
            principal=None,
            agency_incoming_number=incoming_number,
        )
        return f"{case.registration_number}: {case.status}"

    _run(ctx.obj["database_url"], work)


@case_cli.command("result")
@click.argument("number")
@click.option("--outcome", type=click.Choice(["granted", "refusal"]), default="granted")
@click.option("--note", default="")
@click.option("--incoming-number", default=None)
@click.option("--ready/--not-ready", default=True, help="Also mark it ready for issuance.")
@click.option(
    "--prepared-at",
    type=click.DateTime(["%Y-%m-%dT%H:%M%z", "%Y-%m-%dT%H:%M:%S%z"]),
    default=None,
    help="When the agency prepared it, with the offset (2026-11-27T15:00+03:00): R12.",
)
@click.pass_context
def result(
    ctx: click.Context,
    number: str,
    outcome: str,
    note: str,
    incoming_number: str | None,
    ready: bool,
    prepared_at: datetime | None,
) -> None:
    """The agency's result arrived at the office (R12)."""

    def work(session: Session) -> str:
        data: dict[str, Any] = {"outcome": outcome, "note": note, "ready": ready}
        if incoming_number:
            data["agency_incoming_number"] = incoming_number
        if prepared_at is not None:
            data["prepared_at"] = prepared_at
        case = register_result(
            session=session,
            clock=SystemClock(),
            case=_find(session, number),
            principal=None,
            data=ResultIn.model_validate(data),
        )
        return f"{case.registration_number}: {case.status}"

    _run(ctx.obj["database_url"], work)


@case_cli.command("scanner")
@click.option("--port", "port_url", required=True, help="serial:///dev/ttyACM0?baudrate=9600")
@click.option("--server", default="http://127.0.0.1:8000", show_default=True)
@click.option("--office", required=True)
@click.option("--window", type=int, required=True)
@click.option("--token", envvar="MFCQ_CLERK_TOKEN", required=True, help="The clerk's token.")
def scanner(port_url: str, server: str, office: str, window: int, token: str) -> None:
    """Forward scans of a serial scanner at a window to the server (the page shows the case)."""
    import httpx

    from queue_server.cases.scanner import ScannerBridge, open_scanner

    with open_scanner(port_url) as port, httpx.Client(base_url=server, timeout=5.0) as client:
        click.echo(f"forwarding scans from {port_url} to window {window} of {office}")
        with contextlib.suppress(KeyboardInterrupt):
            ScannerBridge(port, client, office=office, window=window, token=token).run_forever()
