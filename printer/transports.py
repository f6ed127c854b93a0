"""Printer transports chosen by URL, each a python-escpos ``Escpos`` subclass.

=============================================  ====================================
URL                                            device
=============================================  ====================================
``serial:///dev/ttyUSB0?baudrate=19200``       RS-232 / USB-serial (pyserial)
``tcp://192.168.1.50:9100``                    network printer, raw port 9100
``usb://04b8:0e15``                            USB printer class (needs pyusb)
``file:///dev/usb/lp0``                        write-only device or dump file
``sim://kiosk-1``                              in-process simulator (registered)
=============================================  ====================================

Common query parameters: ``profile`` (python-escpos capability profile) and
``width`` (80 or 58). The transports only move bytes; :mod:`printer.device`
bounds every call with a timeout and maps library errors to ours.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import serial
from escpos.escpos import Escpos
from escpos.printer import File, Network, Serial

from printer.commands import select_codepage
from printer.encoding import cyrillic_codepage, encode_cp866, profile_of
from printer.exceptions import PrinterConfigError, PrinterDisconnected

SCHEMES = ("serial", "tcp", "usb", "file", "sim")


@dataclass(frozen=True)
class PrinterURL:
    """A parsed printer URL."""

    scheme: str
    target: str
    options: dict[str, str] = field(default_factory=dict)

    def option_int(self, name: str, default: int) -> int:
        """Read an integer option (decimal or 0x-hex)."""
        raw = self.options.get(name)
        if raw is None:
            return default
        try:
            return int(raw, 0)
        except ValueError:
            raise PrinterConfigError(f"option {name}={raw!r} is not a number") from None

    def option_bool(self, name: str, default: bool) -> bool:
        """Read a boolean option (1/0, true/false, yes/no)."""
        raw = self.options.get(name)
        if raw is None:
            return default
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise PrinterConfigError(f"option {name}={raw!r} is not a boolean")


def parse_printer_url(url: str) -> PrinterURL:
    """Split a printer URL into scheme, target and options; raise PrinterConfigError if invalid."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise PrinterConfigError(
            f"unsupported printer URL {url!r}: scheme must be one of {', '.join(SCHEMES)}"
        )
    options = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    if scheme in ("serial", "file"):
        # serial:///dev/ttyUSB0 has the device in the path; serial://COM3 in the host part.
        target = unquote(parts.path) if parts.path else parts.netloc
    elif scheme == "tcp":
        if not parts.hostname:
            raise PrinterConfigError(f"printer URL {url!r} has no host")
        try:
            port = parts.port or 9100
        except ValueError:
            raise PrinterConfigError(f"printer URL {url!r} has an invalid port") from None
        host = parts.hostname
        target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    else:
        target = parts.netloc + parts.path
    if not target:
        raise PrinterConfigError(f"printer URL {url!r} names no device")
    return PrinterURL(scheme, target, options)


class CyrillicEscpos(Escpos):
    """``Escpos`` whose ``text()`` always prints CP866 and whose ``ESC @`` keeps CP866 selected.

    python-escpos' own encoder forgets the code page after ``hw("INIT")``; this
    class re-sends ``ESC t`` right after every ``ESC @``.
    """

    codepage_slot: int = 17
    readable: bool = True
    url: str = ""
    _codepage_selected: bool = False

    def setup_cyrillic(self, profile: Any) -> None:
        """Take the capability profile (name or object) and remember its CP866 slot."""
        # Parents are constructed with profile=None: python-escpos only accepts
        # names or its user `Profile` class there, not every profile object.
        self.profile = profile_of(profile)
        self.codepage_slot = cyrillic_codepage(self.profile)

    def text(self, txt: str) -> None:
        """Print text in CP866, selecting the code page first if it has not been selected."""
        if not self._codepage_selected:
            self._raw(select_codepage(self.codepage_slot))
            self._codepage_selected = True
        self._raw(encode_cp866(str(txt)))

    def hw(self, hw: str) -> None:
        """Send a hardware command; after ``INIT`` (``ESC @``) select CP866 again."""
        super().hw(hw)
        if hw.upper() == "INIT":
            self._raw(select_codepage(self.codepage_slot))
            self._codepage_selected = True

    # -- byte I/O used by printer.device ------------------------------------------

    def connect(self) -> None:
        """Open the underlying device."""
        self.open()
        self._codepage_selected = False

    def write(self, data: bytes, timeout: float) -> None:
        """Write all bytes or raise within ``timeout`` seconds."""
        raise NotImplementedError

    def read(self, size: int, timeout: float) -> bytes:
        """Read up to ``size`` bytes, waiting at most ``timeout`` seconds; b"" if nothing came."""
        raise NotImplementedError

    def discard_input(self) -> None:
        """Drop bytes that arrived earlier (e.g. a late reply to a previous query)."""

    def disconnect(self) -> None:
        """Close the device, ignoring errors of an already dead connection."""
        try:
            self.close()
        except (OSError, serial.SerialException):
            self._device = False


class SerialTransport(CyrillicEscpos, Serial):
    """A printer on a serial port (also a pty of the simulator)."""

    def __init__(self, url: PrinterURL, profile: Any) -> None:
        Serial.__init__(
            self,
            devfile=url.target,
            baudrate=url.option_int("baudrate", 9600),
            timeout=1,
            xonxoff=url.option_bool("xonxoff", False),
            # DSR/DTR flow control is off unless asked for: many USB-serial adapters
            # leave DSR floating and the port would never become writable.
            dsrdtr=url.option_bool("dsrdtr", False),
        )
        self.rtscts = url.option_bool("rtscts", False)
        self.url = f"serial://{url.target}"
        self.setup_cyrillic(profile)

    def open(self, raise_not_found: bool = True) -> None:
        """Open the port; the parent raises DeviceNotFoundError when it is missing."""
        Serial.open(self, raise_not_found=raise_not_found)
        port = self._device
        if isinstance(port, serial.Serial):
            port.rtscts = self.rtscts

    def _port(self) -> serial.Serial:
        port = self._device
        if not isinstance(port, serial.Serial):
            raise PrinterDisconnected(f"{self.url} is not open")
        return port

    def write(self, data: bytes, timeout: float) -> None:
        """Write with pyserial's write timeout."""
        port = self._port()
        port.write_timeout = timeout
        port.write(data)
        port.flush()

    def read(self, size: int, timeout: float) -> bytes:
        """Read with pyserial's read timeout."""
        port = self._port()
        port.timeout = max(0.0, timeout)
        return bytes(port.read(size))

    def discard_input(self) -> None:
        """Flush the OS input buffer."""
        self._port().reset_input_buffer()

    def close(self) -> None:
        """Close without ``flush()``: a dead port would block or raise on it."""
        port = self._device
        self._device = False
        if isinstance(port, serial.Serial):
            port.close()


class NetworkTransport(CyrillicEscpos, Network):
    """A printer on a raw TCP port (JetDirect, usually 9100)."""

    def __init__(self, url: PrinterURL, profile: Any, connect_timeout: float) -> None:
        host, _, port = url.target.rpartition(":")
        Network.__init__(self, host=host.strip("[]"), port=int(port), timeout=connect_timeout)
        self.url = f"tcp://{url.target}"
        self.setup_cyrillic(profile)

    def open(self, raise_not_found: bool = True) -> None:
        """Connect; unlike the parent, a failed attempt does not leak the socket."""
        self.close()
        self.device = socket.create_connection((self.host, self.port), timeout=self.timeout)

    def _sock(self) -> socket.socket:
        sock = self._device
        if not isinstance(sock, socket.socket):
            raise PrinterDisconnected(f"{self.url} is not connected")
        return sock

    def write(self, data: bytes, timeout: float) -> None:
        """Send everything within the socket timeout; fail fast if the printer hung up."""
        sock = self._sock()
        self._check_peer(sock)
        sock.settimeout(timeout)
        sock.sendall(data)

    def _check_peer(self, sock: socket.socket) -> None:
        # A closed peer is only noticed by the *second* send on TCP; the first one
        # would vanish silently, so look for the FIN before writing a ticket.
        ready, _, _ = select.select([sock], [], [], 0)
        if ready and not sock.recv(1, socket.MSG_PEEK):
            raise PrinterDisconnected(f"{self.url} closed the connection")

    def read(self, size: int, timeout: float) -> bytes:
        """Receive what arrives within the timeout; a closed peer is a disconnection."""
        sock = self._sock()
        sock.settimeout(max(0.001, timeout))
        try:
            data = sock.recv(size)
        except TimeoutError:
            return b""
        if not data:
            raise PrinterDisconnected(f"{self.url} closed the connection")
        return data

    def discard_input(self) -> None:
        """Drain whatever is already waiting on the socket."""
        sock = self._sock()
        while True:
            ready, _, _ = select.select([sock], [], [], 0)
            if not ready:
                return
            if not sock.recv(4096):
                raise PrinterDisconnected(f"{self.url} closed the connection")


class FileTransport(CyrillicEscpos, File):
    """A write-only device node or a dump file; it cannot report status."""

    readable = False

    def __init__(self, url: PrinterURL, profile: Any) -> None:
        File.__init__(self, devfile=url.target, auto_flush=True)
        self.url = f"file://{url.target}"
        self.setup_cyrillic(profile)

    def write(self, data: bytes, timeout: float) -> None:
        """Write and flush (a device node blocks here when the printer stalls)."""
        self._raw(data)

    def read(self, size: int, timeout: float) -> bytes:
        """Nothing can be read back from a file."""
        return b""


class UsbTransport(CyrillicEscpos):
    """A USB printer-class device through python-escpos ``Usb`` (requires pyusb)."""

    _usb: Any = None

    def __init__(self, url: PrinterURL, profile: Any) -> None:
        Escpos.__init__(self)
        vendor, _, product = url.target.partition(":")
        try:
            self.vendor_id, self.product_id = int(vendor, 16), int(product, 16)
        except ValueError:
            raise PrinterConfigError(
                f"usb:// needs vendor:product in hex, got {url.target!r}"
            ) from None
        self.in_ep = url.option_int("in_ep", 0x82)
        self.out_ep = url.option_int("out_ep", 0x01)
        self.interface = url.option_int("interface", 0)
        self.url = f"usb://{url.target}"
        self.setup_cyrillic(profile)

    def open(self, raise_not_found: bool = True) -> None:
        """Open the device with python-escpos ``Usb``."""
        from escpos.printer import Usb

        if not Usb.is_usable():
            raise PrinterConfigError("usb:// printers need the pyusb package")
        self._usb = Usb(
            idVendor=self.vendor_id,
            idProduct=self.product_id,
            in_ep=self.in_ep,
            out_ep=self.out_ep,
            usb_args={},
            profile=self.profile,
        )
        self._usb.open(raise_not_found=raise_not_found)

    def _raw(self, msg: bytes) -> None:
        """Send bytes to the OUT endpoint."""
        if self._usb is None:
            raise PrinterDisconnected(f"{self.url} is not open")
        self._usb._raw(msg)

    def write(self, data: bytes, timeout: float) -> None:
        """Write to the OUT endpoint with a timeout in milliseconds."""
        if self._usb is None or not self._usb.device:
            raise PrinterDisconnected(f"{self.url} is not open")
        self._usb.device.write(self.out_ep, data, int(timeout * 1000))

    def read(self, size: int, timeout: float) -> bytes:
        """Read from the IN endpoint; a USB timeout means nothing arrived."""
        if self._usb is None or not self._usb.device:
            raise PrinterDisconnected(f"{self.url} is not open")
        import usb.core

        try:
            return bytes(self._usb.device.read(self.in_ep, size, max(1, int(timeout * 1000))))
        except usb.core.USBTimeoutError:
            return b""

    def close(self) -> None:
        """Release the device."""
        if self._usb is not None:
            self._usb.close()
            self._usb = None


# -- sim:// --------------------------------------------------------------------------


class SimLink(Protocol):
    """One connection to an in-process simulated printer."""

    def write(self, data: bytes) -> None:
        """Hand bytes to the printer; raise ConnectionError if it is unplugged."""

    def read(self, size: int, timeout: float) -> bytes:
        """Return reply bytes that arrive within the timeout (b"" if none)."""
        ...

    def discard_input(self) -> None:
        """Drop pending replies."""

    def close(self) -> None:
        """End the connection."""


SimFactory = Callable[[], SimLink]

# A process-wide table is the point of sim://: the simulator and the code that
# prints may be set up far apart (e.g. `make demo`), and printer must not import
# hardware_sim, so the simulator registers itself here.
_sim_registry: dict[str, SimFactory] = {}
_sim_lock = threading.Lock()


def register_sim(name: str, factory: SimFactory) -> None:
    """Make ``sim://name`` open a link created by ``factory``."""
    with _sim_lock:
        _sim_registry[name] = factory


def unregister_sim(name: str, factory: SimFactory | None = None) -> None:
    """Forget ``sim://name`` (only if it still points at ``factory``, when given)."""
    with _sim_lock:
        if factory is None or _sim_registry.get(name) == factory:
            _sim_registry.pop(name, None)


def registered_sims() -> list[str]:
    """Names currently reachable as ``sim://name``."""
    with _sim_lock:
        return sorted(_sim_registry)


class SimTransport(CyrillicEscpos):
    """An in-process simulated printer registered under a name."""

    _link: SimLink | None = None

    def __init__(self, url: PrinterURL, profile: Any) -> None:
        Escpos.__init__(self)
        self.name = url.target
        self.url = f"sim://{url.target}"
        self.setup_cyrillic(profile)

    def open(self, raise_not_found: bool = True) -> None:
        """Connect to the registered simulator."""
        with _sim_lock:
            factory = _sim_registry.get(self.name)
        if factory is None:
            raise PrinterDisconnected(f"no simulated printer is registered as {self.url}")
        self._link = factory()

    def _live(self) -> SimLink:
        if self._link is None:
            raise PrinterDisconnected(f"{self.url} is not open")
        return self._link

    def _raw(self, msg: bytes) -> None:
        """Hand bytes to the simulator."""
        self._live().write(msg)

    def write(self, data: bytes, timeout: float) -> None:
        """In-process writes do not block."""
        self._live().write(data)

    def read(self, size: int, timeout: float) -> bytes:
        """Wait for simulator replies."""
        return self._live().read(size, timeout)

    def discard_input(self) -> None:
        """Drop stale replies."""
        self._live().discard_input()

    def close(self) -> None:
        """Disconnect from the simulator."""
        link, self._link = self._link, None
        if link is not None:
            link.close()


def make_transport(url: str, *, timeout: float, profile: Any = None) -> CyrillicEscpos:
    """Create (not open) the transport for a printer URL."""
    parsed = parse_printer_url(url)
    profile = parsed.options.get("profile", profile)
    if parsed.scheme == "serial":
        return SerialTransport(parsed, profile)
    if parsed.scheme == "tcp":
        return NetworkTransport(parsed, profile, connect_timeout=timeout)
    if parsed.scheme == "usb":
        return UsbTransport(parsed, profile)
    if parsed.scheme == "file":
        return FileTransport(parsed, profile)
    return SimTransport(parsed, profile)


def read_exactly(transport: CyrillicEscpos, size: int, deadline: float) -> bytes:
    """Read until ``size`` bytes arrived or the monotonic ``deadline`` passed."""
    data = b""
    while len(data) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        data += transport.read(size - len(data), remaining)
    return data
