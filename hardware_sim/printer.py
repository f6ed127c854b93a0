"""A virtual ESC/POS thermal printer: executes commands, keeps receipts, answers status.

The printer itself has no I/O; :mod:`hardware_sim.endpoints` connects it to a
pty, a TCP port or ``sim://``. Each connection gets its own
:class:`PrinterSession` (its own command framing) feeding the shared printer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from enum import Enum
from typing import Any

import barcode as python_barcode
import qrcode
import qrcode.constants
from PIL import Image

from hardware_sim.escpos_parser import Command, EscposParser
from hardware_sim.receipt import (
    DEFAULT_LINE_SPACING,
    FONT_CELLS,
    GlyphRun,
    PaperFeed,
    PrintedImage,
    PrintedLine,
    Receipt,
)
from printer.encoding import codepage_codecs, profile_of

log = logging.getLogger(__name__)

#: Printable width in dots at 203 dpi. The simulator keeps its own figures (and
#: draws QR codes itself) so that it does not share a bug with the code it checks.
PAPER_DOTS: dict[int, int] = {80: 576, 58: 384}

# GS ( k function 169 error-correction byte → qrcode constant
_QR_LEVELS = {
    48: qrcode.constants.ERROR_CORRECT_L,
    49: qrcode.constants.ERROR_CORRECT_M,
    50: qrcode.constants.ERROR_CORRECT_Q,
    51: qrcode.constants.ERROR_CORRECT_H,
}


class Fault(Enum):
    """Conditions that can be injected into the virtual printer."""

    PAPER_NEAR_END = "paper-near-end"
    PAPER_OUT = "paper-out"
    COVER_OPEN = "cover-open"
    CUTTER_ERROR = "cutter-error"
    SILENT = "silent"
    SLOW = "slow"
    UNPLUGGED = "unplugged"


#: Faults under which the printer keeps received data but prints nothing.
BLOCKING_FAULTS = frozenset({Fault.PAPER_OUT, Fault.COVER_OPEN, Fault.CUTTER_ERROR})

# Commands that a real printer executes as they arrive, even while it is offline.
_REALTIME = frozenset({"realtime_status", "realtime_request", "realtime_pulse"})

# python-barcode names for the GS k systems we draw.
_BARCODE_SYSTEMS: dict[int, str] = {
    0: "upca",
    65: "upca",
    2: "ean13",
    67: "ean13",
    3: "ean8",
    68: "ean8",
    4: "code39",
    69: "code39",
    73: "code128",
}

# Known commands that only change something we do not model (drawer kick, ASB...).
_NO_EFFECT = frozenset(
    {
        "double_strike_unused",
        "rotate",
        "upside_down",
        "charset",
        "char_spacing",
        "peripheral",
        "pulse",
        "abs_position",
        "rel_position",
        "panel",
        "color",
        "unidirectional",
        "left_margin",
        "print_width",
        "asb",
        "smoothing",
        "motion_units",
        "barcode_font",
        "tab_stops",
        "kanji_mode",
        "kanji_code",
        "realtime_request",
        "realtime_pulse",
        "cancel",
        "cr",
        "print_start",
    }
)


class VirtualPrinter:
    """An ESC/POS printer in memory with injectable faults."""

    def __init__(
        self,
        *,
        width: int = 80,
        profile: Any = None,
        slow_reply_delay: float = 0.5,
    ) -> None:
        if width not in PAPER_DOTS:
            raise ValueError(f"paper width must be 80 or 58 mm, got {width}")
        self.width_mm = width
        self.dots = PAPER_DOTS[width]
        self.profile = profile_of(profile)
        self.codecs = codepage_codecs(self.profile)
        self.slow_reply_delay = slow_reply_delay
        self.receipts: list[Receipt] = []
        self.unknown_commands: list[bytes] = []
        self.problems: list[str] = []
        self.faults: set[Fault] = set()
        self._held: list[Command] = []
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._receipt_listeners: list[Callable[[Receipt], None]] = []
        self._unplug_listeners: list[Callable[[], None]] = []
        self._reset_modes()
        self._page: list[PrintedLine | PrintedImage | PaperFeed] = []
        self._line: list[GlyphRun] = []
        self._line_align = 0
        self._line_graphics: list[Image.Image] = []
        self._qr: dict[str, Any] = {}
        self._barcode = {"height": 162, "width": 3, "hri": 0}

    # -- modes ---------------------------------------------------------------------

    def _reset_modes(self) -> None:
        """What ``ESC @`` and power-on set: code page 0, plain text, left aligned."""
        self.codepage = 0
        self.bold = False
        self.underline = False
        self.invert = False
        self.font = 0
        self.char_width = 1
        self.char_height = 1
        self.align = 0
        self.line_spacing = DEFAULT_LINE_SPACING

    # -- faults --------------------------------------------------------------------

    def set_fault(self, fault: Fault, active: bool = True) -> None:
        """Switch a fault on or off; clearing the last blocking fault prints held data."""
        listeners: list[Callable[[], None]] = []
        with self._lock:
            if active:
                self.faults.add(fault)
            else:
                self.faults.discard(fault)
            if fault is Fault.UNPLUGGED and active:
                listeners = list(self._unplug_listeners)
            if not self.blocked and self._held:
                held, self._held = self._held, []
                for command in held:
                    self._execute(command)
            self._changed.notify_all()
        for listener in listeners:
            listener()

    def clear_faults(self) -> None:
        """Back to a healthy printer (an unplugged endpoint stays closed)."""
        for fault in list(self.faults):
            if fault is not Fault.UNPLUGGED:
                self.set_fault(fault, False)

    @property
    def blocked(self) -> bool:
        """True while the printer holds data instead of printing."""
        return bool(self.faults & BLOCKING_FAULTS)

    @property
    def unplugged(self) -> bool:
        """True once the printer was unplugged."""
        return Fault.UNPLUGGED in self.faults

    @property
    def reply_delay(self) -> float:
        """Seconds before a status reply goes out (the "slow" fault)."""
        return self.slow_reply_delay if Fault.SLOW in self.faults else 0.0

    @property
    def held_commands(self) -> int:
        """How many commands wait for the fault to clear."""
        with self._lock:
            return len(self._held)

    def on_receipt(self, listener: Callable[[Receipt], None]) -> None:
        """Call ``listener`` with every receipt as it is cut."""
        self._receipt_listeners.append(listener)

    def on_unplug(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` when the printer is unplugged (endpoints close their ports)."""
        self._unplug_listeners.append(listener)

    # -- status --------------------------------------------------------------------

    def status_byte(self, n: int) -> int | None:
        """The ``DLE EOT n`` reply a real Epson-compatible printer sends in this state."""
        faults = self.faults
        paper_out = Fault.PAPER_OUT in faults
        cover = Fault.COVER_OPEN in faults
        cutter = Fault.CUTTER_ERROR in faults
        value = 0x12  # fixed bits of every reply
        if n == 1:
            return value | (0x08 if self.blocked else 0)
        if n == 2:
            return (
                value
                | (0x04 if cover else 0)
                | (0x20 if paper_out else 0)
                | (0x40 if cutter else 0)
            )
        if n == 3:
            return value | (0x08 if cutter else 0)
        if n == 4:
            near_end = Fault.PAPER_NEAR_END in faults or paper_out
            return value | (0x0C if near_end else 0) | (0x60 if paper_out else 0)
        return None

    # -- input ---------------------------------------------------------------------

    def session(self) -> PrinterSession:
        """A new connection's view of the printer."""
        return PrinterSession(self)

    def handle(self, commands: list[Command]) -> bytes:
        """Execute framed commands; return the bytes the printer sends back."""
        replies = bytearray()
        with self._lock:
            for command in commands:
                if command.name in _REALTIME:
                    reply = self._realtime(command)
                    if reply is not None and Fault.SILENT not in self.faults:
                        replies.append(reply)
                elif self.blocked:
                    self._held.append(command)
                else:
                    self._execute(command)
            self._changed.notify_all()
        return bytes(replies)

    def _realtime(self, command: Command) -> int | None:
        if command.name == "realtime_status":
            return self.status_byte(command.params[0])
        return None

    def wait_for_receipts(self, count: int, timeout: float = 10.0) -> list[Receipt]:
        """Block until at least ``count`` receipts were cut; raise TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.receipts) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"{len(self.receipts)} of {count} receipts after {timeout}s; "
                        f"unfinished text: {self.pending_text!r}"
                    )
                self._changed.wait(remaining)
            return list(self.receipts)

    @property
    def pending_text(self) -> str:
        """Text printed since the last cut (not yet a receipt)."""
        with self._lock:
            return Receipt(self.dots, list(self._page)).text

    # -- execution -----------------------------------------------------------------

    def _execute(self, command: Command) -> None:
        handler = getattr(self, "_do_" + command.name, None)
        if handler is not None:
            handler(command)
        elif command.name in _NO_EFFECT:
            return
        else:
            self._report_unknown(command)

    def _report_unknown(self, command: Command, why: str = "unknown command") -> None:
        self.unknown_commands.append(command.raw)
        message = f"{why}: {command.raw[:16].hex(' ')}"
        self.problems.append(message)
        log.warning("virtual printer: %s", message)

    def _decode(self, data: bytes) -> str:
        codec = self.codecs.get(self.codepage)
        if codec is None:
            if any(b >= 0x80 for b in data):
                self.problems.append(f"text in unsupported code page {self.codepage}")
            return "".join(chr(b) if b < 0x80 else "?" for b in data)
        return data.decode(codec, errors="replace")

    def _do_text(self, command: Command) -> None:
        self._add_text(self._decode(command.payload))

    def _add_text(self, text: str) -> None:
        cell_w = FONT_CELLS[self.font][0] * self.char_width
        for char in text:
            if self._line_dots() + cell_w > self.dots:
                # The line is full: a real printer prints it and continues below.
                self._end_line()
            if not self._line and not self._line_graphics:
                self._line_align = self.align
            run = GlyphRun(
                char,
                font=self.font,
                bold=self.bold,
                underline=self.underline,
                invert=self.invert,
                width=self.char_width,
                height=self.char_height,
            )
            last = self._line[-1] if self._line else None
            if last is not None and replace(last, text=char) == run:
                self._line[-1] = replace(last, text=last.text + char)
            else:
                self._line.append(run)

    def _line_dots(self) -> int:
        return sum(r.dots for r in self._line) + sum(g.width for g in self._line_graphics)

    def _end_line(self) -> None:
        """Print the line buffer (an empty buffer prints a blank line)."""
        if self._line_graphics:
            strip = _hstack(self._line_graphics)
            self._page.append(PrintedImage(strip, self._line_align, kind="column"))
            self._line_graphics = []
            if not self._line:
                return
        self._page.append(PrintedLine(list(self._line), self._line_align, self.line_spacing))
        self._line = []
        self._line_align = self.align

    def _flush_partial_line(self) -> None:
        """Print a non-empty line buffer before graphics or a cut."""
        if self._line or self._line_graphics:
            self._end_line()

    def _do_lf(self, command: Command) -> None:
        self._end_line()

    def _do_ff(self, command: Command) -> None:
        self._end_line()

    def _do_tab(self, command: Command) -> None:
        columns = len("".join(r.text for r in self._line))
        self._add_text(" " * (8 - columns % 8))

    def _do_init(self, command: Command) -> None:
        # ESC @ discards the unprinted line and every mode, including the code page.
        self._line = []
        self._line_graphics = []
        self._reset_modes()
        self._line_align = 0

    def _do_codepage(self, command: Command) -> None:
        self.codepage = command.params[0]
        if self.codepage not in self.codecs:
            self.problems.append(f"ESC t {self.codepage}: code page not in the profile")

    def _do_bold(self, command: Command) -> None:
        self.bold = bool(command.params[0] & 1)

    def _do_double_strike(self, command: Command) -> None:
        # Double-strike looks like emphasis on thermal paper.
        self.bold = bool(command.params[0] & 1)

    def _do_underline(self, command: Command) -> None:
        self.underline = command.params[0] in (1, 2, 49, 50)

    def _do_align(self, command: Command) -> None:
        self.align = {0: 0, 48: 0, 1: 1, 49: 1, 2: 2, 50: 2}.get(command.params[0], 0)
        if not self._line and not self._line_graphics:
            self._line_align = self.align

    def _do_print_mode(self, command: Command) -> None:
        n = command.params[0]
        self.font = 1 if n & 0x01 else 0
        self.bold = bool(n & 0x08)
        self.char_height = 2 if n & 0x10 else 1
        self.char_width = 2 if n & 0x20 else 1
        self.underline = bool(n & 0x80)

    def _do_font(self, command: Command) -> None:
        self.font = 1 if command.params[0] in (1, 49) else 0

    def _do_char_size(self, command: Command) -> None:
        n = command.params[0]
        self.char_width = ((n >> 4) & 0x07) + 1
        self.char_height = (n & 0x07) + 1

    def _do_invert(self, command: Command) -> None:
        self.invert = bool(command.params[0] & 1)

    def _do_feed_lines(self, command: Command) -> None:
        for _ in range(command.params[0]):
            self._end_line()

    def _do_feed_dots(self, command: Command) -> None:
        self._flush_partial_line()
        self._page.append(PaperFeed(command.params[0]))

    def _do_reverse_feed(self, command: Command) -> None:
        self._flush_partial_line()

    def _do_line_spacing(self, command: Command) -> None:
        self.line_spacing = command.params[0]

    def _do_line_spacing_default(self, command: Command) -> None:
        self.line_spacing = DEFAULT_LINE_SPACING

    def _do_cut(self, command: Command) -> None:
        self._flush_partial_line()
        mode = command.params[0]
        receipt = Receipt(
            self.dots,
            self._page,
            cut="full" if mode in (0, 48, 65, 97, 103) else "partial",
        )
        self._page = []
        self.receipts.append(receipt)
        for listener in self._receipt_listeners:
            try:
                listener(receipt)
            except Exception:  # a broken listener must not stop the printer
                log.exception("receipt listener failed")

    _do_cut_legacy_full = _do_cut
    _do_cut_legacy_partial = _do_cut

    def _add_image(self, image: Image.Image, kind: str, data: str | None = None) -> None:
        self._flush_partial_line()
        self._page.append(PrintedImage(image, self.align, kind=kind, data=data))

    def _do_raster(self, command: Command) -> None:
        mode, width_bytes, height = command.params
        image = _bits_to_image(command.payload, width_bytes * 8, height)
        scale_x = 2 if mode in (1, 3, 49, 51) else 1
        scale_y = 2 if mode in (2, 3, 50, 51) else 1
        if (scale_x, scale_y) != (1, 1):
            image = image.resize(
                (image.width * scale_x, image.height * scale_y), Image.Resampling.NEAREST
            )
        self._add_image(image, "raster")

    def _do_column_image(self, command: Command) -> None:
        mode, columns = command.params
        rows = 24 if mode in (32, 33) else 8
        per_column = rows // 8
        image = Image.new("1", (columns, rows), 1)
        pixels = image.load()
        assert pixels is not None
        for x in range(columns):
            for byte_index in range(per_column):
                byte = command.payload[x * per_column + byte_index]
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        pixels[x, byte_index * 8 + bit] = 0
        if mode in (0, 32):
            image = image.resize((columns * 2, rows), Image.Resampling.NEAREST)
        if not self._line and not self._line_graphics:
            self._line_align = self.align
        self._line_graphics.append(image)

    def _do_gs_paren_k(self, command: Command) -> None:
        body = command.payload
        if len(body) < 2 or body[0] != 49:
            self._report_unknown(command, "2D code other than QR is not simulated")
            return
        fn = body[1]
        if fn == 65:
            self._qr["model"] = body[2] if len(body) > 2 else 50
        elif fn == 67 and len(body) > 2:
            self._qr["size"] = body[2]
        elif fn == 69 and len(body) > 2:
            self._qr["level"] = body[2]
        elif fn == 80:
            self._qr["data"] = body[3:]
        elif fn == 81:
            self._print_qr()
        elif fn == 82:
            pass  # size information request; not answered
        else:
            self._report_unknown(command, "unknown QR function")

    def _print_qr(self) -> None:
        raw = self._qr.get("data")
        if not raw:
            self.problems.append("QR print without stored data")
            return
        code = qrcode.QRCode(
            error_correction=_QR_LEVELS.get(self._qr.get("level", 48), _QR_LEVELS[48]),
            box_size=max(1, min(16, self._qr.get("size", 3))),
            border=0,  # printers print the symbol only; the paper around it is the quiet zone
        )
        code.add_data(raw)
        code.make(fit=True)
        image = code.make_image().get_image().convert("1")
        self._add_image(image, "qr", raw.decode("utf-8", errors="replace"))

    def _do_gs_paren_L(self, command: Command) -> None:
        body = command.payload
        if len(body) >= 2 and body[1] == 112 and len(body) >= 10:
            # m fn a bx by c xL xH yL yH d...: store a raster graphic
            scale_x, scale_y = body[3], body[4]
            width = body[6] + 256 * body[7]
            height = body[8] + 256 * body[9]
            image = _bits_to_image(body[10:], ((width + 7) // 8) * 8, height).crop(
                (0, 0, width, height)
            )
            if (scale_x, scale_y) != (1, 1):
                image = image.resize((width * scale_x, height * scale_y), Image.Resampling.NEAREST)
            self._qr["graphic"] = image
        elif len(body) >= 2 and body[1] in (50, 2):
            graphic = self._qr.pop("graphic", None)
            if graphic is not None:
                self._add_image(graphic, "graphics")
        else:
            self._report_unknown(command, "graphics function not simulated")

    def _do_barcode_height(self, command: Command) -> None:
        self._barcode["height"] = max(1, command.params[0])

    def _do_barcode_width(self, command: Command) -> None:
        self._barcode["width"] = command.params[0]

    def _do_barcode_hri(self, command: Command) -> None:
        self._barcode["hri"] = (
            command.params[0] % 48 if command.params[0] >= 48 else command.params[0]
        )

    def _do_barcode(self, command: Command) -> None:
        system = command.params[0]
        name = _BARCODE_SYSTEMS.get(system)
        data = command.payload.decode("ascii", errors="replace")
        if system == 73:
            # CODE128 data starts with a code-set selector ({A, {B, {C); "{{" is a brace.
            data = data[2:] if data[:1] == "{" else data
            data = data.replace("{{", "{")
        if name is None:
            self._report_unknown(command, f"barcode system {system} not simulated")
            return
        try:
            modules = python_barcode.get(name, data).build()[0]
        except Exception as exc:  # python-barcode rejects data the printer would reject too
            self.problems.append(f"barcode {name} {data!r} not printable: {exc}")
            return
        module = max(1, self._barcode["width"])
        height = self._barcode["height"]
        image = Image.new("1", (len(modules) * module, height), 1)
        for i, bit in enumerate(modules):
            if bit == "1":
                image.paste(0, (i * module, 0, (i + 1) * module, height))
        hri = self._barcode["hri"]
        if hri in (1, 3):
            self._hri_line(data)
        self._add_image(image, "barcode", data)
        if hri in (2, 3):
            self._hri_line(data)

    def _hri_line(self, data: str) -> None:
        self._flush_partial_line()
        run = GlyphRun(data)
        self._page.append(PrintedLine([run], self.align, self.line_spacing))

    def _do_transmit_status(self, command: Command) -> None:
        pass  # GS r answers are not needed by our driver; listed as known

    def _do_printer_id(self, command: Command) -> None:
        pass


class PrinterSession:
    """One connection's byte stream into the printer (its own command framing)."""

    def __init__(self, printer: VirtualPrinter) -> None:
        self.printer = printer
        self.parser = EscposParser()

    def receive(self, data: bytes) -> bytes:
        """Feed received bytes; return the reply bytes to send back."""
        return self.printer.handle(self.parser.feed(data))


def _bits_to_image(data: bytes, width: int, height: int) -> Image.Image:
    """Unpack 1-bit rows (MSB first, 1 = dot) into a mode "1" image (0 = black)."""
    row_bytes = width // 8
    needed = row_bytes * height
    packed = bytes(b ^ 0xFF for b in data[:needed].ljust(needed, b"\x00"))
    return Image.frombytes("1", (width, height), packed)


def _hstack(images: list[Image.Image]) -> Image.Image:
    height = max(i.height for i in images)
    strip = Image.new("1", (sum(i.width for i in images), height), 1)
    x = 0
    for image in images:
        strip.paste(image, (x, 0))
        x += image.width
    return strip
