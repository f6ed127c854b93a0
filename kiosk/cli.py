"""`mfc-queue kiosk`: run the kiosk agent on the kiosk PC."""

from __future__ import annotations

import click

from kiosk.config import KioskConfig


@click.command()
@click.option(
    "--server",
    "server_url",
    required=True,
    envvar="MFCQ_KIOSK_SERVER",
    help="The queue server, e.g. https://queue.example.org",
)
@click.option(
    "--token",
    required=True,
    envvar="MFCQ_KIOSK_TOKEN",
    help="The kiosk's device token (dev_…), from `mfc-queue device add --kind kiosk`.",
)
@click.option(
    "--printer",
    "printer_url",
    required=True,
    envvar="MFCQ_KIOSK_PRINTER",
    help="Printer URL: serial:///dev/ttyUSB0?baudrate=19200, tcp://host:9100, usb://…",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address of the touch-screen web app (the local browser opens it).",
)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option(
    "--idle-seconds",
    default=90,
    show_default=True,
    type=click.IntRange(15, 3600),
    help="Seconds without a touch before the screen asks whether anyone is there.",
)
@click.option(
    "--idle-grace-seconds",
    default=30,
    show_default=True,
    type=click.IntRange(20, 600),
    help="Seconds the 'Are you still here?' question waits (at least 20).",
)
@click.option(
    "--retry-seconds",
    default=5,
    show_default=True,
    type=click.IntRange(1, 120),
    help="Seconds between automatic retries when the server is unreachable.",
)
def kiosk(
    server_url: str,
    token: str,
    printer_url: str,
    host: str,
    port: int,
    idle_seconds: int,
    idle_grace_seconds: int,
    retry_seconds: int,
) -> None:
    """Run the kiosk: the touch-screen app that issues and prints tickets."""
    import uvicorn

    from kiosk.app import create_kiosk_app

    config = KioskConfig(
        server_url=server_url,
        token=token,
        printer_url=printer_url,
        host=host,
        port=port,
        idle_seconds=idle_seconds,
        idle_grace_seconds=idle_grace_seconds,
        retry_seconds=retry_seconds,
    )
    click.echo(f"kiosk screen: http://{host}:{port}/  (server {server_url}, printer {printer_url})")
    uvicorn.run(create_kiosk_app(config), host=host, port=port)
