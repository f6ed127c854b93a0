"""The `mfc-queue` command line: database, server, demo, accounts, devices, configuration."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.reports.cli import reports_cli
from display_board.led_driver import led_driver_command
from hardware_sim.cli import sim_printer
from hardware_sim.demo_rig import DemoRig
from kiosk.cli import kiosk
from queue_server.auth.service import add_device, create_user
from queue_server.cases import office_settings
from queue_server.cases.cli import case_cli
from queue_server.cases.schemas import CaseSettingsIn
from queue_server.cli_errors import ReadableErrors, fail
from queue_server.clock import Clock, RunningClock, SystemClock
from queue_server.config_io import ConfigFile, export_config, import_config
from queue_server.db import Database
from queue_server.demo import DEMO_OFFICE, DemoSeed, seed_demo
from queue_server.errors import DomainError, describe_validation
from queue_server.maintenance.cli import backup_command, restore_command, retention_cli
from queue_server.migrate import upgrade
from queue_server.offices.models import Office
from queue_server.settings import LISTEN_CONNECTIONS, RESERVED, Settings, get_settings
from queue_server.simulation.cli import simulate_command
from queue_server.simulation.demo_days import demo_templates
from queue_server.simulation.history import (
    DEMO_DAILY_TOTALS,
    Templates,
    demo_sim_config,
    fill_history,
)

# How long uvicorn's supervisor waits for a worker's answer to its health ping before it
# kills the worker as hung (uvicorn's default: 5 s). A worker importing the app on a
# loaded host can leave the answering thread without the GIL for longer: with 5 s, four
# workers starting on two busy cores were killed and restarted over and over.
WORKER_HEALTHCHECK_SECONDS = 30


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj["settings"]
    return settings


def _db(settings: Settings) -> Database:
    # A command's own short-lived engine, with the server's connection options (pooler mode,
    # application name); its connections are opened only as the command needs them.
    return Database.from_url(settings.database_url, **settings.database_options())


def _clock(settings: Settings) -> Clock:
    """The server's clock: the wall clock, or one running from MFCQ_CLOCK_START."""
    return RunningClock(settings.clock_start) if settings.clock_start else SystemClock()


def _fail(message: str) -> None:
    fail(message)


@click.group(cls=ReadableErrors)
@click.option(
    "--database-url", envvar="MFCQ_DATABASE_URL", default=None, help="Overrides MFCQ_DATABASE_URL."
)
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """mfc-queue: queue management and kiosks for a public-services centre."""
    settings = get_settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    ctx.obj = {"settings": settings}


@main.command("init-db")
@click.pass_context
def init_db(ctx: click.Context) -> None:
    """Create or migrate the database schema to the latest revision."""
    settings = _settings(ctx)
    upgrade(settings.database_url)
    click.echo(f"database ready: {_safe_url(settings.database_url)}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Server processes (PostgreSQL only) [MFCQ_WORKERS or 1]; they share MFCQ_DB_CONNECTIONS.",
)
@click.option(
    "--migrate/--no-migrate", default=True, show_default=True, help="Run migrations first."
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int | None, migrate: bool) -> None:
    """Run the queue server."""
    import uvicorn

    settings = _settings(ctx)
    workers = workers or settings.workers
    if workers > 1 and settings.database_url.startswith("sqlite"):
        _fail("несколько процессов сервера работают только с PostgreSQL; SQLite — один процесс")
    # Each process takes its share of the connection budget: checked here, once, so a
    # budget too small for the workers stops the start with the reason, not every worker.
    if settings.db_connections is not None:
        share, need = settings.db_connections // workers, LISTEN_CONNECTIONS + RESERVED + 1
        if share < need:
            _fail(
                f"MFCQ_DB_CONNECTIONS={settings.db_connections} на {workers} процесс(а/ов)"
                f" даёт каждому {share} соединений, а нужно не меньше {need}: увеличьте"
                " бюджет или уменьшите число процессов"
            )
    settings = settings.model_copy(update={"workers": workers})
    if migrate:
        # Straight to PostgreSQL: DDL and Alembic's bookkeeping do not go through a pooler.
        upgrade(settings.database_direct_url or settings.database_url)
    if workers > 1:
        # The worker processes build their app from the environment (the factory): hand
        # them what this command was told on its command line.
        os.environ["MFCQ_WORKERS"] = str(workers)
        os.environ["MFCQ_DATABASE_URL"] = settings.database_url
        uvicorn.run(
            "queue_server.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        )
    else:
        from queue_server.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--kiosk-port", default=None, type=int, help="Kiosk screen port [port + 1].")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
@click.option("--no-devices", is_flag=True, help="No simulated printer, kiosk agent or LED bus.")
@click.option("--seed-only", is_flag=True, help="Seed the demo office and exit without serving.")
@click.option("--no-history", is_flag=True, help="No simulated past (the last 30 days).")
@click.option(
    "--history-applicants",
    default=None,
    type=click.IntRange(10, 2000),
    help="Applicants on the simulated Monday of the past [380]; fewer is faster.",
)
@click.pass_context
def demo(
    ctx: click.Context,
    host: str,
    port: int,
    kiosk_port: int | None,
    no_browser: bool,
    no_devices: bool,
    seed_only: bool,
    no_history: bool,
    history_applicants: int | None,
) -> None:
    """Seed a demo office and serve it, with a simulated kiosk printer and LED displays."""
    settings = _settings(ctx)
    base = f"http://{host}:{port}"
    devices = not (seed_only or no_devices)
    # The windows' receipt printer: hardware_sim's virtual printer on a local TCP port.
    receipt_port = _free_local_port() if devices else None
    settings = settings.model_copy(
        update={"public_url": base, **_demo_outbound(settings, receipt_port)}
    )
    upgrade(settings.database_url)
    db = _db(settings)
    # The server's own clock: a demo living on another day gets its past before that day.
    clock: Clock = RunningClock(settings.clock_start) if settings.clock_start else SystemClock()
    with db.transaction() as session:
        seed = seed_demo(session=session, clock=clock)
        if receipt_port is not None:
            _use_receipt_printer(session, f"tcp://127.0.0.1:{receipt_port}")
    if not no_history:
        click.echo(_demo_history(db, clock, history_applicants))
    db.dispose()
    kiosk_port = kiosk_port or port + 1
    if not (seed_only or no_devices):
        settings = settings.model_copy(update={"kiosk_url": f"http://{host}:{kiosk_port}/"})
    rig = None
    if devices:
        rig = DemoRig(
            server_url=base,
            kiosk_token=seed.devices["kiosk-1"],
            led_token=seed.devices["led-bus"],
            led_addresses=list(range(1, 7)),
            kiosk_host=host,
            kiosk_port=kiosk_port,
            receipt_printer_port=receipt_port,
            receipts_dir=_receipts_folder(Path("var/demo-receipts"), seed.timezone),
        )
    click.echo(_demo_banner(base=base, settings=settings, seed=seed, rig=rig))
    if seed_only:
        return
    if not no_browser:
        import webbrowser

        webbrowser.open(rig.kiosk_url if rig else f"{base}/docs")
    import uvicorn

    from queue_server.app import create_app

    if rig is not None:
        # uvicorn re-raises SIGTERM after its own shutdown; with the default handler the
        # process would die before `finally` stops the kiosk agent and LED driver.
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        rig.start()
    try:
        uvicorn.run(create_app(settings), host=host, port=port)
    finally:
        if rig is not None:
            rig.stop()


def _demo_history(db: Database, clock: Clock, monday_applicants: int | None) -> str:
    """Fill the demo's last 30 days with simulated days (once); one line on what was done."""
    began = time.perf_counter()
    totals = None
    if monday_applicants is not None:
        scale = monday_applicants / DEMO_DAILY_TOTALS["mon"]
        totals = {day: n * scale for day, n in DEMO_DAILY_TOTALS.items()}

    def templates() -> Templates:
        return demo_templates(demo_sim_config(daily_totals=totals))

    with db.transaction() as session:
        office = session.scalar(select(Office).where(Office.code == DEMO_OFFICE))
        assert office is not None
        done = fill_history(session=session, office=office, clock=clock, templates=templates)
    seconds = time.perf_counter() - began
    if not done.days_filled:
        return "demo history: already in place (the last 30 days have tickets)"
    return (
        f"demo history: {len(done.days_filled)} past days, {done.tickets} tickets, "
        f"{done.cases} cases, {done.ratings} ratings in {seconds:.1f} s"
    )


def _receipts_folder(base: Path, timezone: str) -> Path:
    """A folder of its own for this run's receipts, named for its start in the office's time."""
    started = SystemClock().now().astimezone(ZoneInfo(timezone))
    name = f"{started:%Y-%m-%d_%H-%M-%S}"
    folder, extra = base / name, 1
    base.mkdir(parents=True, exist_ok=True)
    while True:
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            extra += 1
            folder = base / f"{name}_{extra}"


def _demo_outbound(settings: Settings, receipt_port: int | None = None) -> dict[str, str]:
    """What the demo lets a manager's printer URLs reach: its receipt folder and this machine
    (with the simulated receipt printer's port).
    Off on a real server (queue_server/outbound.py): a `file://` printer writes, and first
    empties, any file the server may write.
    """
    ports = settings.printer_ports + (f",{receipt_port}" if receipt_port else "")
    return {
        "printer_schemes": f"{settings.printer_schemes},file",
        "printer_paths": f"{settings.printer_paths},var/demo-receipts/*",
        "printer_networks": f"{settings.printer_networks},127.0.0.0/8,::1",
        "printer_ports": ports,
    }


def _free_local_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _use_receipt_printer(session: Session, url: str) -> None:
    """Every window of the demo office prints its receipts on the simulated printer."""
    office = session.scalar(select(Office).where(Office.code == DEMO_OFFICE))
    assert office is not None
    current = office_settings.case_settings(session=session, office_id=office.id)
    office_settings.put_case_settings(
        session=session,
        office=office,
        data=CaseSettingsIn(
            storage_days=current.storage_days,
            courier_weekdays=list(current.courier_weekdays or []),
            printers={**(current.printers or {}), "*": url},
        ),
    )


def _demo_banner(*, base: str, settings: Settings, seed: DemoSeed, rig: DemoRig | None) -> str:
    """What the demo prints: where every page is, the accounts and the device tokens."""
    board = f"{base}/board/{DEMO_OFFICE}?token={seed.devices['board-hall']}"
    lines = [
        "",
        "mfc-queue demo",
        f"  start page:           {base}/",
        f"  kiosk (touch screen): {rig.kiosk_url if rig else '(started with --no-devices: none)'}",
        f"  waiting-room board:   {board}",
        f"  clerk workplace:      {base}/clerk",
        f"  manager dashboard:    {base}/admin/dashboard/{DEMO_OFFICE}",
        f"  admin login:          {base}/admin/login",
        f"  reports:              {base}/admin/reports",
        f"  public booking:       {base}/book/{DEMO_OFFICE}",
        f"  API docs:             {base}/docs",
        f"  database:             {_safe_url(settings.database_url)}",
    ]
    if rig is not None:
        lines.append(
            f"  printed tickets:      {rig.receipts_dir}/ (this run's PNG and text from the "
            "virtual printer)"
        )
        lines.append(
            f"  clerks' receipts:     {rig.receipts_dir}/windows/ "
            f"(every window prints on {rig.receipt_printer_url})"
        )
        lines.append("  LED displays:         simulated RS-485 bus, one display per window")
    lines += [
        "",
        "  staff accounts (username / password, role):",
        *[f"    {u} / {p}  ({r})" for u, r, p in seed.users],
        "  device tokens:",
        *[f"    {name}: {token}" for name, token in seed.devices.items()],
        "",
    ]
    return "\n".join(lines)


def _exit_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


@main.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "manager", "clerk"]), required=True)
@click.option("--office", "office_code", default=None, help="Office code (required for clerks).")
@click.option("--full-name", default="")
@click.password_option(envvar="MFCQ_NEW_PASSWORD")
@click.pass_context
def create_user_cmd(
    ctx: click.Context,
    username: str,
    role: str,
    office_code: str | None,
    full_name: str,
    password: str,
) -> None:
    """Create a staff account."""
    db = _db(_settings(ctx))
    try:
        with db.transaction() as session:
            office_id = None
            if office_code:
                office = session.scalar(select(Office).where(Office.code == office_code))
                if office is None:
                    _fail(f"офиса с кодом «{office_code}» нет")
                    return
                office_id = office.id
            user = create_user(
                session=session,
                username=username,
                password=password,
                role=role,
                full_name=full_name,
                office_id=office_id,
            )
            click.echo(f"created {user.role} {user.username}")
    except DomainError as exc:
        _fail(exc.message)


@main.group()
def device() -> None:
    """Kiosks, boards and LED drivers."""


@device.command("add")
@click.option("--office", "office_code", required=True)
@click.option("--kind", type=click.Choice(["kiosk", "board", "led", "rating"]), required=True)
@click.option("--name", required=True)
@click.pass_context
def device_add(ctx: click.Context, office_code: str, kind: str, name: str) -> None:
    """Register a device and print its token (shown only once)."""
    db = _db(_settings(ctx))
    try:
        with db.transaction() as session:
            office = session.scalar(select(Office).where(Office.code == office_code))
            if office is None:
                _fail(f"офиса с кодом «{office_code}» нет")
                return
            _device, token = add_device(
                session=session, clock=SystemClock(), office=office, kind=kind, name=name
            )
        click.echo(token)
    except DomainError as exc:
        _fail(exc.message)


@main.group()
def config() -> None:
    """Import and export the configuration (catalogue, offices, windows) as JSON."""


@config.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def config_import(ctx: click.Context, path: Path) -> None:
    """Create or replace everything the JSON file describes."""
    from pydantic import ValidationError

    try:
        data = ConfigFile.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except json.JSONDecodeError as exc:
        _fail(f"{path}: не JSON (строка {exc.lineno}, столбец {exc.colno}: {exc.msg})")
        return
    except UnicodeDecodeError:
        _fail(f"{path}: файл не в кодировке UTF-8")
        return
    except ValidationError as exc:
        _, text = describe_validation(list(exc.errors()), "ru")
        _fail(f"{path}: {text}")
        return
    db = _db(_settings(ctx))
    try:
        with db.transaction() as session:
            counts = import_config(session=session, data=data, clock=_clock(_settings(ctx)))
    except DomainError as exc:
        _fail(exc.message)
        return
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))


@config.command("export")
@click.pass_context
def config_export(ctx: click.Context) -> None:
    """Print the configuration as JSON."""
    db = _db(_settings(ctx))
    with db.transaction(read_only=True) as session:
        data: dict[str, Any] = export_config(session=session)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


# The server's case commands, then the device packages' own commands: this module and
# app.py are the composition root, the only server modules that know every package.
main.add_command(case_cli, "case")
main.add_command(backup_command, "backup")
main.add_command(restore_command, "restore")
main.add_command(retention_cli, "retention")
main.add_command(simulate_command, "simulate")
main.add_command(reports_cli, "reports")
main.add_command(kiosk, "kiosk")
main.add_command(led_driver_command, "led-driver")
main.add_command(sim_printer, "sim-printer")

if __name__ == "__main__":
    main()
