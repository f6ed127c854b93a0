"""``mfc-queue sim-printer``: run a virtual ESC/POS printer by hand.

Each cut receipt is written to ``--out`` as ``receipt-NNNN.png`` and ``.txt``.
Also runnable as ``python -m hardware_sim.cli``.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import click

from hardware_sim.endpoints import SimulatedPrinter
from hardware_sim.printer import Fault
from hardware_sim.receipt import Receipt

FAULT_NAMES = [f.value for f in Fault]


class ReceiptSaver:
    """Writes every receipt as PNG and text, numbering them in print order."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.count = 0
        self._lock = threading.Lock()
        self.saved = threading.Condition(self._lock)

    def __call__(self, receipt: Receipt) -> None:
        with self._lock:
            self.count += 1
            stem = self.out_dir / f"receipt-{self.count:04d}"
            # Each file appears whole (written under a hidden name, then renamed): a
            # reader watching the folder never opens a receipt still being written.
            png, txt = stem.with_suffix(".png"), stem.with_suffix(".txt")
            png_part, txt_part = (f.with_name(f".{f.name}.part") for f in (png, txt))
            receipt.save_png(png_part)
            txt_part.write_text(receipt.text + "\n", encoding="utf-8")
            png_part.replace(png)
            txt_part.replace(txt)
            click.echo(f"receipt {self.count}: {stem}.png", err=True)
            self.saved.notify_all()


@click.command("sim-printer")
@click.option(
    "--tcp", "tcp_port", type=int, default=None, help="Listen on this TCP port (0 = any)."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--pty", "use_pty", is_flag=True, help="Open a pty and print its path.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for receipt PNG and text files.",
)
@click.option("--width", type=click.Choice(["80", "58"]), default="80", show_default=True)
@click.option("--profile", default=None, help="python-escpos capability profile name.")
@click.option(
    "--fault",
    "faults",
    type=click.Choice(FAULT_NAMES),
    multiple=True,
    help="Start with this fault (repeatable).",
)
@click.option(
    "--exit-after",
    type=int,
    default=None,
    help="Exit after this many receipts (for scripts and tests).",
)
def sim_printer(
    tcp_port: int | None,
    host: str,
    use_pty: bool,
    out_dir: Path,
    width: str,
    profile: str | None,
    faults: tuple[str, ...],
    exit_after: int | None,
) -> None:
    """Run a virtual ESC/POS printer on TCP and/or a pty, saving receipts as PNG and text."""
    if tcp_port is None and not use_pty:
        raise click.UsageError("give --tcp PORT and/or --pty")
    out_dir.mkdir(parents=True, exist_ok=True)
    saver = ReceiptSaver(out_dir)
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Installed before the endpoints are announced: whoever reads them may stop us at once.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, request_stop)

    with SimulatedPrinter(
        width=int(width),
        profile=profile,
        pty=use_pty,
        tcp_port=tcp_port,
        tcp_host=host,
        faults={Fault(f) for f in faults},
    ) as sim:
        sim.printer.on_receipt(saver)
        if sim.tcp is not None:
            click.echo(f"tcp: {sim.tcp_url}", err=False)
        if sim.pty is not None:
            click.echo(f"pty: {sim.pty.path}", err=False)
        click.echo(f"receipts: {out_dir}")
        # Line-buffered stdout is not guaranteed in a pipe; scripts wait for these lines.
        sys.stdout.flush()
        try:
            with saver.saved:
                while not stop.is_set():
                    if exit_after is not None and saver.count >= exit_after:
                        break
                    saver.saved.wait(0.2)
        except KeyboardInterrupt:
            pass
        for problem in sim.printer.problems:
            click.echo(f"problem: {problem}", err=True)


if __name__ == "__main__":
    sim_printer.main(prog_name="mfc-queue sim-printer")
