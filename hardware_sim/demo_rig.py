"""The demo's simulated hardware: a kiosk printer, the windows' receipt printer (on a local
TCP port) and an RS-485 LED bus, with the kiosk agent and the LED driver running as child
processes against them, as on real machines."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from pathlib import Path

from hardware_sim.cli import ReceiptSaver
from hardware_sim.endpoints import SimulatedPrinter
from hardware_sim.rs485 import VirtualRs485Bus


def _die_with_parent() -> None:
    """In the child: ask Linux to send SIGTERM when the demo process dies, however it dies."""
    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


class DemoRig:
    """Starts and stops the demo's devices; tokens go to the children by environment."""

    def __init__(
        self,
        *,
        server_url: str,
        kiosk_token: str,
        led_token: str,
        led_addresses: list[int],
        kiosk_host: str,
        kiosk_port: int,
        receipts_dir: Path,
        receipt_printer_port: int | None = None,
    ) -> None:
        self.server_url = server_url
        self.kiosk_token = kiosk_token
        self.led_token = led_token
        self.led_addresses = led_addresses
        self.kiosk_host = kiosk_host
        self.kiosk_port = kiosk_port
        self.receipts_dir = receipts_dir
        self.printer: SimulatedPrinter | None = None
        # The windows' receipt printer (the server prints on it over TCP), when a port is given.
        self.receipt_printer_port = receipt_printer_port
        self.receipt_printer: SimulatedPrinter | None = None
        self.bus: VirtualRs485Bus | None = None
        self.children: list[subprocess.Popen[bytes]] = []

    @property
    def kiosk_url(self) -> str:
        """Where the kiosk's touch screen is served."""
        return f"http://{self.kiosk_host}:{self.kiosk_port}/"

    @property
    def receipt_printer_url(self) -> str:
        """Where the windows' receipt printer listens (``tcp://127.0.0.1:port``)."""
        return f"tcp://127.0.0.1:{self.receipt_printer_port}"

    def start(self) -> None:
        """Open the simulated printers and bus, then start the kiosk agent and LED driver."""
        self.receipts_dir.mkdir(parents=True, exist_ok=True)
        self.printer = SimulatedPrinter(pty=True)
        self.printer.printer.on_receipt(ReceiptSaver(self.receipts_dir))
        if self.receipt_printer_port is not None:
            windows_dir = self.receipts_dir / "windows"
            windows_dir.mkdir(exist_ok=True)
            self.receipt_printer = SimulatedPrinter(width=80, tcp_port=self.receipt_printer_port)
            self.receipt_printer.printer.on_receipt(ReceiptSaver(windows_dir))
        self.bus = VirtualRs485Bus(display_addresses=self.led_addresses)
        cli = [sys.executable, "-m", "queue_server.cli"]
        kiosk_env = {**os.environ, "MFCQ_KIOSK_TOKEN": self.kiosk_token}
        self.children.append(
            subprocess.Popen(
                [
                    *cli,
                    "kiosk",
                    "--server",
                    self.server_url,
                    "--printer",
                    self.printer.serial_url,
                    "--host",
                    self.kiosk_host,
                    "--port",
                    str(self.kiosk_port),
                ],
                env=kiosk_env,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        )
        led_env = {**os.environ, "MFCQ_LED_TOKEN": self.led_token}
        self.children.append(
            subprocess.Popen(
                [*cli, "led-driver", "--server", self.server_url, "--port", self.bus.path],
                env=led_env,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        )

    def led_displays(self) -> dict[int, str | None]:
        """What each simulated LED display shows now."""
        assert self.bus is not None
        return {address: self.bus.display_text(address) for address in self.led_addresses}

    def stop(self) -> None:
        """Stop the children, then close the simulated devices."""
        for child in self.children:
            child.terminate()
        for child in self.children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        self.children.clear()
        if self.bus is not None:
            self.bus.close()
        if self.printer is not None:
            self.printer.close()
        if self.receipt_printer is not None:
            self.receipt_printer.close()
