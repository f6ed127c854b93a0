"""The kiosk's printer: health for the issue gate, and tickets laid out from the server's reply."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from printer import (
    AsyncPrinter,
    CoverOpen,
    PaperOut,
    PrinterError,
    PrinterFault,
    PrinterState,
    StatusUnknown,
    TicketData,
    build_ticket,
    open_printer_async,
    render_lines,
)

#: Printer states reported as the device's state on the server.
DEVICE_STATE = {
    PrinterState.READY.value: "ok",
    PrinterState.PAPER_NEAR_END.value: "warning",
}


@dataclass(frozen=True)
class PrinterHealth:
    """What the kiosk knows about its printer right now."""

    state: str  # a PrinterState value; "offline" also when the port cannot be opened
    problem: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def can_print(self) -> bool:
        """Ready or paper near end."""
        return self.state in DEVICE_STATE

    @property
    def device_state(self) -> str:
        """ok / warning / error, for the server."""
        return DEVICE_STATE.get(self.state, "error")


def error_state(exc: PrinterError) -> str:
    """The printer state behind an exception (PaperOut → paper_out...)."""
    for cls, state in (
        (PaperOut, PrinterState.PAPER_OUT),
        (CoverOpen, PrinterState.COVER_OPEN),
        (PrinterFault, PrinterState.ERROR),
        (StatusUnknown, PrinterState.UNKNOWN),
    ):
        if isinstance(exc, cls):
            return state.value
    return PrinterState.OFFLINE.value


class KioskPrinter:
    """Opens the printer lazily, reopens it after a disconnect; every call is bounded."""

    def __init__(self, url: str, *, timeout: float = 2.0, job_timeout: float = 20.0) -> None:
        self.url = url
        self.timeout = timeout
        self.job_timeout = job_timeout
        self._printer: AsyncPrinter | None = None
        self._lock = asyncio.Lock()

    async def _open(self) -> AsyncPrinter:
        if self._printer is None:
            self._printer = await open_printer_async(
                self.url, timeout=self.timeout, job_timeout=self.job_timeout
            )
        return self._printer

    async def _drop(self) -> None:
        printer, self._printer = self._printer, None
        if printer is not None:
            with contextlib.suppress(PrinterError):
                await printer.close()

    async def health(self) -> PrinterHealth:
        """Ask the printer (DLE EOT); no answer is "unknown", a missing port is "offline"."""
        async with self._lock:
            try:
                printer = await self._open()
                status = await printer.read_status()
            except PrinterError as exc:
                await self._drop()
                return PrinterHealth(error_state(exc), problem=str(exc))
            if status.state is PrinterState.UNKNOWN:
                # A half-dead connection answers nothing: reopen next time.
                await self._drop()
            return PrinterHealth(
                status.state.value, problem=status.problem or "", warnings=list(status.warnings)
            )

    async def print_ticket(self, data: TicketData) -> list[str]:
        """Print a ticket (status read again first); returns warnings, raises PrinterError."""
        async with self._lock:
            try:
                printer = await self._open()
                report = await printer.print_ticket(data)
            except PrinterError:
                await self._drop()
                raise
            return list(report.warnings)

    async def close(self) -> None:
        """Close the port."""
        async with self._lock:
            await self._drop()


def ticket_data(ticket: dict[str, Any], timezone: str) -> TicketData:
    """What goes on paper, from the server's ticket (issue time in the office's zone)."""
    issued = datetime.fromisoformat(ticket["issued_at"]).astimezone(ZoneInfo(timezone))
    # None: no open window serves the service now; the paper says so instead of a number.
    minutes = ticket.get("estimated_wait_minutes")
    return TicketData(
        office_name=ticket["office_name"],
        number=ticket["number"],
        service_name=ticket["service_name_ru"],
        issued_at=issued,
        people_ahead=ticket["people_ahead"],
        status_url=ticket["status_url"],
        estimated_wait=None if minutes is None else timedelta(minutes=minutes),
        no_open_window=minutes is None,
        footer=ticket.get("footer") or "",
        priority_category=ticket.get("priority_category_name_ru") or "",
        priority_proof=ticket.get("priority_category_proof_ru") or "",
    )


def paper_lines(data: TicketData, width: int = 80) -> list[str]:
    """The lines the printer prints for this ticket (shown to staff, compared in tests)."""
    return render_lines(build_ticket(data, width))
