"""The printer as the kiosk and the clerk page use it: open by URL, ask status, print.

:class:`Printer` is the blocking core; every device call is bounded by a timeout
and library errors come out as :mod:`printer.exceptions`. :class:`AsyncPrinter`
runs the same calls in a worker thread with ``asyncio.wait_for`` so the event
loop never waits on a serial port.

Typical kiosk flow::

    printer = await open_printer_async("serial:///dev/ttyUSB0?baudrate=19200", timeout=2)
    report = await printer.print_ticket(ticket)   # checks status first, raises if not ready
    if report.warnings: ...                       # e.g. ["paper_near_end"]
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import serial
from escpos import exceptions as escpos_exceptions

from printer.commands import status_query
from printer.document import Cut, Document, PaperSpec, paper_for, to_escpos
from printer.exceptions import (
    PrinterConfigError,
    PrinterDisconnected,
    PrinterError,
    PrinterTimeout,
)
from printer.layouts import (
    IntakeReceiptData,
    IssuanceReceiptData,
    TicketData,
    build_intake_receipt,
    build_issuance_receipt,
    build_ticket,
)
from printer.status import PrinterStatus, parse_status
from printer.transports import CyrillicEscpos, make_transport, parse_printer_url, read_exactly

T = TypeVar("T")

try:  # pyserial calls termios directly (e.g. reset_input_buffer) on POSIX ports
    import termios

    _TERMIOS_ERRORS: tuple[type[Exception], ...] = (termios.error,)
except ImportError:  # pragma: no cover - Windows
    _TERMIOS_ERRORS = ()

#: Bytes per write call: each call gets the full I/O timeout, so a slow serial
#: line that is still moving data is not mistaken for a dead printer.
WRITE_CHUNK = 4096
#: Extra seconds an async call may take beyond its I/O timeout (thread start-up).
ASYNC_GRACE = 1.0


@contextlib.contextmanager
def translate_errors(url: str) -> Iterator[None]:
    """Turn pyserial, socket and python-escpos errors into the printer's exceptions."""
    try:
        yield
    except PrinterError:
        raise
    except serial.SerialTimeoutException as exc:
        raise PrinterTimeout(f"{url}: write timed out") from exc
    except serial.SerialException as exc:
        raise PrinterDisconnected(f"{url}: {exc}") from exc
    except TimeoutError as exc:  # socket.timeout is an alias of TimeoutError
        raise PrinterTimeout(f"{url}: timed out") from exc
    except (ConnectionError, socket.gaierror) as exc:
        raise PrinterDisconnected(f"{url}: {exc}") from exc
    except OSError as exc:
        raise PrinterDisconnected(f"{url}: {exc}") from exc
    except _TERMIOS_ERRORS as exc:
        raise PrinterDisconnected(f"{url}: {exc}") from exc
    except escpos_exceptions.DeviceNotFoundError as exc:
        raise PrinterDisconnected(f"{url}: {exc}") from exc
    except escpos_exceptions.Error as exc:
        raise PrinterError(f"{url}: {exc}") from exc


@dataclass(frozen=True)
class PrintReport:
    """What happened to a print job."""

    url: str
    bytes_sent: int
    receipts: int
    status_before: PrinterStatus | None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Printer:
    """A connected printer: status queries and print jobs, all bounded by timeouts."""

    def __init__(
        self,
        transport: CyrillicEscpos,
        *,
        width: int = 80,
        timeout: float = 2.0,
        job_timeout: float = 30.0,
    ) -> None:
        if timeout <= 0 or job_timeout <= 0:
            raise PrinterConfigError("timeouts must be positive")
        self.transport = transport
        self.url = transport.url
        self.paper: PaperSpec = paper_for(width)
        self.timeout = timeout
        self.job_timeout = job_timeout
        self._lock = threading.Lock()
        self._connected = False

    @property
    def width(self) -> int:
        """Paper width in millimetres."""
        return self.paper.width_mm

    @property
    def profile(self) -> Any:
        """The python-escpos capability profile in use."""
        return self.transport.profile

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """One job or status query at a time; do not wait forever for a stuck one."""
        if not self._lock.acquire(timeout=self.job_timeout):
            raise PrinterTimeout(f"{self.url}: printer busy for {self.job_timeout}s")
        try:
            with translate_errors(self.url):
                yield
        finally:
            self._lock.release()

    def connect(self) -> None:
        """Open the port or connection; raise PrinterDisconnected if the device is not there."""
        with self._exclusive():
            if not self._connected:
                self.transport.connect()
                self._connected = True

    def close(self) -> None:
        """Close the port; safe to call twice and on a dead connection."""
        # A job stuck in I/O must not keep the port open forever: after the I/O
        # timeout close anyway, which makes the stuck call fail.
        acquired = self._lock.acquire(timeout=self.timeout)
        try:
            self._connected = False
            self.transport.disconnect()
        finally:
            if acquired:
                self._lock.release()

    def reconnect(self) -> None:
        """Close and open again, e.g. after the printer was switched off and on."""
        self.close()
        self.connect()

    def __enter__(self) -> Printer:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _require_connected(self) -> None:
        if not self._connected:
            raise PrinterDisconnected(f"{self.url} is not connected")

    def read_status(self) -> PrinterStatus:
        """Ask ``DLE EOT 1..4`` within ``timeout`` seconds in total; unanswered = unknown."""
        with self._exclusive():
            self._require_connected()
            return self._read_status_locked()

    def _read_status_locked(self) -> PrinterStatus:
        if not self.transport.readable:
            return parse_status({}, problem=f"{self.url} cannot report status")
        deadline = time.monotonic() + self.timeout
        self.transport.discard_input()
        replies: dict[int, int | None] = {}
        for n in (1, 2, 3, 4):
            self.transport.write(status_query(n), max(0.01, deadline - time.monotonic()))
            reply = read_exactly(self.transport, 1, deadline)
            if not reply:
                replies[n] = None
                return parse_status(
                    replies, problem=f"no reply to DLE EOT {n} within {self.timeout:g}s"
                )
            replies[n] = reply[0]
        return parse_status(replies)

    def ensure_ready(self) -> PrinterStatus:
        """Read the status; raise PaperOut, CoverOpen, StatusUnknown... unless it can print."""
        status = self.read_status()
        status.raise_for_state()
        return status

    def send(self, data: bytes) -> int:
        """Write raw ESC/POS bytes; each chunk must go out within ``timeout``."""
        with self._exclusive():
            self._require_connected()
            return self._send_locked(data)

    def _send_locked(self, data: bytes) -> int:
        started = time.monotonic()
        for offset in range(0, len(data), WRITE_CHUNK):
            if time.monotonic() - started > self.job_timeout:
                raise PrinterTimeout(f"{self.url}: job took longer than {self.job_timeout}s")
            self.transport.write(data[offset : offset + WRITE_CHUNK], self.timeout)
        return len(data)

    def print_document(self, document: Document, *, check_status: bool = True) -> PrintReport:
        """Print a laid-out document; with ``check_status`` refuse unless the printer is ready."""
        if document.paper != self.paper:
            raise PrinterConfigError(
                f"document is laid out for {document.paper.width_mm} mm, "
                f"printer has {self.paper.width_mm} mm paper"
            )
        data = to_escpos(document, self.profile)
        receipts = sum(1 for b in document.blocks if isinstance(b, Cut))
        started = time.monotonic()
        with self._exclusive():
            self._require_connected()
            status: PrinterStatus | None = None
            if check_status:
                status = self._read_status_locked()
                status.raise_for_state()
            sent = self._send_locked(data)
        return PrintReport(
            url=self.url,
            bytes_sent=sent,
            receipts=receipts,
            status_before=status,
            warnings=list(status.warnings) if status else [],
            seconds=time.monotonic() - started,
        )

    def print_ticket(self, ticket: TicketData, *, check_status: bool = True) -> PrintReport:
        """Print a queue ticket."""
        return self.print_document(build_ticket(ticket, self.width), check_status=check_status)

    def print_intake_receipt(
        self, receipt: IntakeReceiptData, *, check_status: bool = True
    ) -> PrintReport:
        """Print both copies of an intake receipt/inventory."""
        return self.print_document(
            build_intake_receipt(receipt, self.width), check_status=check_status
        )

    def print_issuance_receipt(
        self, receipt: IssuanceReceiptData, *, check_status: bool = True
    ) -> PrintReport:
        """Print an issuance receipt for the applicant to sign."""
        return self.print_document(
            build_issuance_receipt(receipt, self.width), check_status=check_status
        )


def open_printer(
    url: str,
    *,
    timeout: float = 2.0,
    job_timeout: float = 30.0,
    width: int | None = None,
    profile: Any = None,
) -> Printer:
    """Open a printer by URL (``serial://``, ``tcp://``, ``usb://``, ``file://``, ``sim://``)."""
    parsed = parse_printer_url(url)
    paper_width = width if width is not None else parsed.option_int("width", 80)
    with translate_errors(url):
        transport = make_transport(url, timeout=timeout, profile=profile)
    printer = Printer(transport, width=paper_width, timeout=timeout, job_timeout=job_timeout)
    printer.connect()
    return printer


class AsyncPrinter:
    """Async face of :class:`Printer`: blocking I/O runs in a thread, bounded by wait_for."""

    def __init__(self, printer: Printer) -> None:
        self.printer = printer

    @property
    def url(self) -> str:
        """The printer URL."""
        return self.printer.url

    async def _run(self, bound: float, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return await asyncio.wait_for(asyncio.to_thread(func, *args, **kwargs), bound)
        except TimeoutError:
            raise PrinterTimeout(f"{self.url}: no result within {bound:g}s") from None

    async def read_status(self) -> PrinterStatus:
        """Read the status without blocking the event loop."""
        return await self._run(self.printer.timeout + ASYNC_GRACE, self.printer.read_status)

    async def ensure_ready(self) -> PrinterStatus:
        """Read the status and raise if the printer cannot print."""
        return await self._run(self.printer.timeout + ASYNC_GRACE, self.printer.ensure_ready)

    async def print_document(self, document: Document, *, check_status: bool = True) -> PrintReport:
        """Print a document."""
        return await self._run(
            self._job_bound(), self.printer.print_document, document, check_status=check_status
        )

    async def print_ticket(self, ticket: TicketData, *, check_status: bool = True) -> PrintReport:
        """Print a queue ticket."""
        return await self._run(
            self._job_bound(), self.printer.print_ticket, ticket, check_status=check_status
        )

    async def print_intake_receipt(
        self, receipt: IntakeReceiptData, *, check_status: bool = True
    ) -> PrintReport:
        """Print both copies of an intake receipt."""
        return await self._run(
            self._job_bound(), self.printer.print_intake_receipt, receipt, check_status=check_status
        )

    async def print_issuance_receipt(
        self, receipt: IssuanceReceiptData, *, check_status: bool = True
    ) -> PrintReport:
        """Print an issuance receipt."""
        return await self._run(
            self._job_bound(),
            self.printer.print_issuance_receipt,
            receipt,
            check_status=check_status,
        )

    async def close(self) -> None:
        """Close the connection."""
        await self._run(self.printer.timeout + ASYNC_GRACE, self.printer.close)

    def _job_bound(self) -> float:
        return self.printer.timeout + self.printer.job_timeout + ASYNC_GRACE


async def open_printer_async(
    url: str,
    *,
    timeout: float = 2.0,
    job_timeout: float = 30.0,
    width: int | None = None,
    profile: Any = None,
) -> AsyncPrinter:
    """Open a printer by URL without blocking the event loop."""
    try:
        printer = await asyncio.wait_for(
            asyncio.to_thread(
                open_printer,
                url,
                timeout=timeout,
                job_timeout=job_timeout,
                width=width,
                profile=profile,
            ),
            timeout + ASYNC_GRACE,
        )
    except TimeoutError:
        raise PrinterTimeout(f"{url}: could not open within {timeout:g}s") from None
    return AsyncPrinter(printer)
