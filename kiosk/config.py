"""The kiosk agent's settings (from the command line)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KioskConfig:
    """Where the server and the printer are, and the timings of the touch screen."""

    server_url: str
    token: str
    printer_url: str
    host: str = "127.0.0.1"
    port: int = 8080
    # Seconds without a touch before "Are you still here?", then seconds to answer it.
    idle_seconds: int = 90
    idle_grace_seconds: int = 30
    # Seconds between automatic retries when the server cannot be reached.
    retry_seconds: int = 5
    # Seconds between printer checks, state reports and pulls of owed reprints.
    monitor_seconds: float = 5.0
    # The state goes to the server at least this often even when nothing changed: the
    # heartbeat by which the dashboard knows the kiosk is alive (the server's
    # devices/rules.py HEARTBEAT_SECONDS).
    heartbeat_seconds: float = 60.0
    # Seconds one HTTP request to the server may take.
    request_timeout: float = 5.0
    # Printer I/O bound (status query) and print-job bound, seconds.
    printer_timeout: float = 2.0
    printer_job_timeout: float = 20.0
    # Seconds the cached menu is trusted before it is fetched again.
    menu_ttl_seconds: float = 60.0
