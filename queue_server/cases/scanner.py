"""The serial scanner at a clerk's window: each scan goes to the server, the page follows.

A barcode/QR scanner in serial mode sends the decoded text followed by CR. The
bridge reads those lines with pyserial and posts them to
``POST /offices/{office}/windows/{n}/scans``; the server finds the case and emits
``case.scanned`` for that window, which the clerk page picks up. A scanner in
keyboard-wedge mode needs no bridge: it types into the page's search field.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import serial

log = logging.getLogger(__name__)


def open_scanner(url: str, *, timeout: float = 1.0) -> serial.SerialBase:
    """Open ``serial:///dev/ttyACM0?baudrate=9600`` (or a bare device path) with pyserial."""
    path, _, query = url.removeprefix("serial://").partition("?")
    options = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
    return serial.serial_for_url(path, baudrate=int(options.get("baudrate", 9600)), timeout=timeout)


class ScannerBridge:
    """Reads scans from a serial port and reports them to the queue server."""

    def __init__(
        self,
        port: serial.SerialBase,
        client: httpx.Client,
        *,
        office: str,
        window: int,
        token: str,
        suffix: bytes = b"\r",
    ) -> None:
        self.port = port
        self.client = client
        self.office = office
        self.window = window
        self.headers = {"Authorization": f"Bearer {token}"}
        self.suffix = suffix

    def read_scan(self) -> str | None:
        """One scan without its suffix, or None when nothing came within the port's timeout."""
        raw = self.port.read_until(self.suffix)
        if not raw.endswith(self.suffix):
            return None  # a timeout, or half a scan: a scanner never sends that
        text = raw[: -len(self.suffix)].decode("utf-8", errors="replace").strip()
        return text or None

    def report(self, payload: str) -> dict[str, Any]:
        """Send one scan to the server; its answer (the cases found) or the error body."""
        response = self.client.post(
            f"/api/v1/offices/{self.office}/windows/{self.window}/scans",
            json={"payload": payload},
            headers=self.headers,
        )
        body: dict[str, Any] = response.json()
        if response.status_code >= 400:
            log.warning("scan %r refused: %s", payload, body)
        return body

    def run_once(self) -> dict[str, Any] | None:
        """Read one scan and report it; None when nothing was scanned."""
        payload = self.read_scan()
        return self.report(payload) if payload is not None else None

    def run_forever(self) -> None:
        """Report scans until interrupted."""
        while True:
            self.run_once()
