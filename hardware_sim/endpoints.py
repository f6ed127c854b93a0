"""Real endpoints for simulated devices: a pty (serial port), a TCP port, ``sim://``.

Every endpoint serves one :class:`~hardware_sim.printer.VirtualPrinter` from a
background thread; clients open it exactly like hardware: pyserial by the pty's
path, a socket to ``host:port``, or ``printer.open_printer("sim://name")``.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import select
import socket
import threading
import time
import tty
from collections.abc import Callable

from hardware_sim.printer import Fault, PrinterSession, VirtualPrinter
from printer.transports import register_sim, unregister_sim

log = logging.getLogger(__name__)

#: How often service threads look at their stop flag.
POLL_SECONDS = 0.05


class PtyPort:
    """A pseudo-terminal pair whose slave path behaves like a serial port.

    The simulator keeps its own slave descriptor open: without it the master
    would read EIO whenever no client has the port open.
    """

    def __init__(self) -> None:
        self.master, self._slave = os.openpty()
        # Raw mode: no echo of our replies, no CR/LF translation, no XON/XOFF eating bytes.
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self.closed = False

    def read(self, timeout: float) -> bytes | None:
        """Bytes written by the client, b"" if none within ``timeout``, None if closed."""
        if self.closed:
            return None
        try:
            ready, _, _ = select.select([self.master], [], [], timeout)
            if not ready:
                return b""
            return os.read(self.master, 65536)
        except (OSError, ValueError):
            return None

    def write(self, data: bytes) -> None:
        """Send bytes to the client side."""
        if not self.closed:
            with contextlib.suppress(OSError):
                os.write(self.master, data)

    def close(self) -> None:
        """Close the master: the path disappears and the client reads end-of-file.

        The pty's number stays taken while this process runs: the simulator's own
        slave descriptor is parked, not closed (the kernel frees the number only when
        both ends are closed). A client that goes on reopening the old path, as a
        driver does after a pulled cable, then finds no such file; were the number
        freed, the next pty made anywhere on the machine (another test, another
        process) would get it, and that client would read and write the new owner's
        bytes beside its rightful client.
        """
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(OSError):
            os.close(self.master)
        _park(self._slave)


#: Slave descriptors of closed ports, kept open so that their pty numbers are not reused
#: while this process runs; the oldest are closed past ``_PARKED_MAX`` (the kernel's
#: default limit is 4,096 ptys for the whole machine).
_parked: collections.deque[int] = collections.deque()
_PARKED_MAX = 256
_parked_lock = threading.Lock()


def _park(fd: int) -> None:
    with _parked_lock:
        _parked.append(fd)
        while len(_parked) > _PARKED_MAX:
            with contextlib.suppress(OSError):
                os.close(_parked.popleft())


class _Service:
    """A background thread with a stop flag."""

    def __init__(self, name: str) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and wait for it."""
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        raise NotImplementedError


def _reply(printer: VirtualPrinter, send: Callable[[bytes], None], reply: bytes) -> None:
    """Send a status reply, late when the printer is "slow"."""
    if not reply:
        return
    delay = printer.reply_delay
    if delay:
        time.sleep(delay)
    send(reply)


class PtyPrinterEndpoint(_Service):
    """Serves a virtual printer on a pty; ``path`` is what a client opens."""

    def __init__(self, printer: VirtualPrinter) -> None:
        super().__init__("sim-printer-pty")
        self.printer = printer
        self.port = PtyPort()
        self.path = self.port.path
        self.session: PrinterSession = printer.session()
        printer.on_unplug(self.unplug)
        self.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                data = self.port.read(POLL_SECONDS)
                if data is None:
                    return
                if data:
                    _reply(self.printer, self.port.write, self.session.receive(data))
        finally:
            self.port.close()

    def unplug(self) -> None:
        """Close the port as if the cable was pulled."""
        # Stop the thread before closing: a descriptor closed under a running select()
        # could be reused by the next pty and read by the wrong printer (seen on a loaded
        # machine, where a 5-second join timed out: a kiosk got the previous simulator's
        # fault). So wait for the thread however long it takes; its select() returns
        # within POLL_SECONDS and a status reply is a few bytes.
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join()
        self.port.close()

    def close(self) -> None:
        """Stop serving and remove the pty."""
        self.unplug()


class TcpPrinterEndpoint(_Service):
    """Serves a virtual printer on a TCP port like a JetDirect (9100) interface."""

    def __init__(self, printer: VirtualPrinter, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__("sim-printer-tcp")
        self.printer = printer
        self._listener = socket.create_server((host, port), reuse_port=False)
        self._listener.settimeout(POLL_SECONDS)
        self.host, self.port = self._listener.getsockname()[:2]
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        printer.on_unplug(self.unplug)
        self.start()

    @property
    def url(self) -> str:
        """``tcp://host:port`` for :func:`printer.open_printer`."""
        return f"tcp://{self.host}:{self.port}"

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    conn, _ = self._listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                with self._lock:
                    self._connections.add(conn)
                threading.Thread(
                    target=self._serve, args=(conn,), name="sim-printer-tcp-conn", daemon=True
                ).start()
        finally:
            with contextlib.suppress(OSError):
                self._listener.close()

    def _serve(self, conn: socket.socket) -> None:
        session = self.printer.session()
        conn.settimeout(POLL_SECONDS)
        try:
            while not self._stop.is_set():
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                _reply(self.printer, conn.sendall, session.receive(data))
        except OSError:
            return
        finally:
            self._drop(conn)

    def _drop(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.discard(conn)
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            conn.close()

    def unplug(self) -> None:
        """Drop every connection and stop listening, as a printer switched off."""
        self._stop.set()
        # shutdown() stops listening at once; close() alone would leave the socket
        # accepting until the accept thread's current call returns.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            self._drop(conn)

    def close(self) -> None:
        """Stop serving."""
        self.unplug()
        self.stop()


class InProcessLink:
    """A ``sim://`` connection: calls the printer directly, replies through a queue."""

    def __init__(self, printer: VirtualPrinter) -> None:
        if printer.unplugged:
            raise ConnectionRefusedError("simulated printer is unplugged")
        self.printer = printer
        self.session = printer.session()
        self._replies: collections.deque[tuple[float, int]] = collections.deque()
        self._ready = threading.Condition()
        self._closed = False

    def write(self, data: bytes) -> None:
        """Hand bytes to the printer."""
        if self._closed:
            raise ConnectionError("link closed")
        if self.printer.unplugged:
            raise ConnectionResetError("simulated printer was unplugged")
        reply = self.session.receive(data)
        if reply:
            due = time.monotonic() + self.printer.reply_delay
            with self._ready:
                self._replies.extend((due, b) for b in reply)
                self._ready.notify_all()

    def read(self, size: int, timeout: float) -> bytes:
        """Return replies that are due within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        out = bytearray()
        with self._ready:
            while len(out) < size:
                if self.printer.unplugged:
                    raise ConnectionResetError("simulated printer was unplugged")
                now = time.monotonic()
                if self._replies and self._replies[0][0] <= now:
                    out.append(self._replies.popleft()[1])
                    continue
                if out or now >= deadline:
                    break
                wake = deadline if not self._replies else min(deadline, self._replies[0][0])
                self._ready.wait(max(0.0, wake - now))
        return bytes(out)

    def discard_input(self) -> None:
        """Drop replies that are already due."""
        with self._ready:
            now = time.monotonic()
            while self._replies and self._replies[0][0] <= now:
                self._replies.popleft()

    def close(self) -> None:
        """End the link."""
        self._closed = True


class SimulatedPrinter:
    """A virtual printer with its endpoints: pty, TCP and/or a ``sim://`` name.

    Use as a context manager so the threads and the pty are cleaned up.
    """

    def __init__(
        self,
        *,
        width: int = 80,
        profile: str | None = None,
        pty: bool = False,
        tcp_port: int | None = None,
        tcp_host: str = "127.0.0.1",
        sim_name: str | None = None,
        faults: set[Fault] | None = None,
        slow_reply_delay: float = 0.5,
    ) -> None:
        self.printer = VirtualPrinter(
            width=width, profile=profile, slow_reply_delay=slow_reply_delay
        )
        self.pty: PtyPrinterEndpoint | None = None
        self.tcp: TcpPrinterEndpoint | None = None
        self.sim_name = sim_name
        try:
            if pty:
                self.pty = PtyPrinterEndpoint(self.printer)
            if tcp_port is not None:
                self.tcp = TcpPrinterEndpoint(self.printer, tcp_host, tcp_port)
        except BaseException:
            self.close()
            raise
        if sim_name:
            register_sim(sim_name, self.open_link)
        for fault in faults or ():
            self.printer.set_fault(fault)

    def open_link(self) -> InProcessLink:
        """Create a ``sim://`` connection."""
        return InProcessLink(self.printer)

    @property
    def serial_url(self) -> str:
        """``serial://`` URL of the pty."""
        if self.pty is None:
            raise RuntimeError("this simulated printer has no pty")
        return f"serial://{self.pty.path}"

    @property
    def tcp_url(self) -> str:
        """``tcp://`` URL of the TCP endpoint."""
        if self.tcp is None:
            raise RuntimeError("this simulated printer has no TCP port")
        return self.tcp.url

    @property
    def sim_url(self) -> str:
        """``sim://`` URL of the in-process endpoint."""
        if not self.sim_name:
            raise RuntimeError("this simulated printer has no sim:// name")
        return f"sim://{self.sim_name}"

    def set_fault(self, fault: Fault, active: bool = True) -> None:
        """Inject or clear a fault."""
        self.printer.set_fault(fault, active)

    def close(self) -> None:
        """Stop the endpoints and unregister the name."""
        if self.sim_name:
            unregister_sim(self.sim_name, self.open_link)
        if self.pty is not None:
            self.pty.close()
        if self.tcp is not None:
            self.tcp.close()

    def __enter__(self) -> SimulatedPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
