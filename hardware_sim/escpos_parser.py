"""Incremental ESC/POS parser: bytes in any chunking → a stream of commands.

The parser only frames the stream; what a command does is the virtual
printer's business. A command whose length cannot be known (an unknown
``ESC x``) is reported as ``unknown`` and skipped as two bytes, which is what a
real printer's firmware does with it too.
"""

from __future__ import annotations

from dataclasses import dataclass

ESC, GS, DLE, FS = 0x1B, 0x1D, 0x10, 0x1C
LF, CR, HT, FF, CAN = 0x0A, 0x0D, 0x09, 0x0C, 0x18

# ESC commands with a fixed number of parameter bytes.
_ESC_FIXED: dict[int, tuple[str, int]] = {
    ord("@"): ("init", 0),
    ord("t"): ("codepage", 1),
    ord("E"): ("bold", 1),
    ord("G"): ("double_strike", 1),
    ord("-"): ("underline", 1),
    ord("a"): ("align", 1),
    ord("!"): ("print_mode", 1),
    ord("M"): ("font", 1),
    ord("d"): ("feed_lines", 1),
    ord("J"): ("feed_dots", 1),
    ord("e"): ("reverse_feed", 1),
    ord("2"): ("line_spacing_default", 0),
    ord("3"): ("line_spacing", 1),
    ord("{"): ("upside_down", 1),
    ord("V"): ("rotate", 1),
    ord("R"): ("charset", 1),
    ord(" "): ("char_spacing", 1),
    ord("="): ("peripheral", 1),
    ord("p"): ("pulse", 3),
    ord("$"): ("abs_position", 2),
    ord("\\"): ("rel_position", 2),
    ord("i"): ("cut_legacy_full", 0),
    ord("m"): ("cut_legacy_partial", 0),
    ord("c"): ("panel", 2),
    ord("r"): ("color", 1),
    ord("U"): ("unidirectional", 1),
    ord("L"): ("page_mode", 0),
    ord("S"): ("standard_mode", 0),
}

# GS commands with a fixed number of parameter bytes.
_GS_FIXED: dict[int, tuple[str, int]] = {
    ord("!"): ("char_size", 1),
    ord("B"): ("invert", 1),
    ord("h"): ("barcode_height", 1),
    ord("w"): ("barcode_width", 1),
    ord("H"): ("barcode_hri", 1),
    ord("f"): ("barcode_font", 1),
    ord("L"): ("left_margin", 2),
    ord("W"): ("print_width", 2),
    ord("a"): ("asb", 1),
    ord("b"): ("smoothing", 1),
    ord("r"): ("transmit_status", 1),
    ord("I"): ("printer_id", 1),
    ord("P"): ("motion_units", 2),
    ord("T"): ("print_start", 1),
}


@dataclass(frozen=True)
class Command:
    """One framed item of the stream."""

    name: str
    raw: bytes
    params: tuple[int, ...] = ()
    payload: bytes = b""


class EscposParser:
    """Frames ESC/POS commands from bytes fed in arbitrary pieces."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        """Bytes waiting for the rest of an unfinished command."""
        return len(self._buffer)

    def reset(self) -> None:
        """Drop an unfinished command (e.g. when the connection is lost)."""
        self._buffer.clear()

    def feed(self, data: bytes) -> list[Command]:
        """Add bytes and return every command that is now complete."""
        self._buffer += data
        commands: list[Command] = []
        pos = 0
        buf = self._buffer
        while pos < len(buf):
            parsed = _parse_one(buf, pos)
            if parsed is None:
                break
            command, pos = parsed
            commands.append(command)
        del buf[:pos]
        return commands


def _need(buf: bytearray, end: int) -> bool:
    return end <= len(buf)


def _parse_one(buf: bytearray, pos: int) -> tuple[Command, int] | None:
    """Parse one command at ``pos``; None means more bytes are needed."""
    byte = buf[pos]
    if byte >= 0x20 or byte in (HT,):
        if byte == HT:
            return Command("tab", bytes(buf[pos : pos + 1])), pos + 1
        end = pos
        while end < len(buf) and buf[end] >= 0x20:
            end += 1
        return Command("text", bytes(buf[pos:end]), payload=bytes(buf[pos:end])), end
    if byte == LF:
        return Command("lf", b"\n"), pos + 1
    if byte == CR:
        return Command("cr", b"\r"), pos + 1
    if byte == FF:
        return Command("ff", b"\x0c"), pos + 1
    if byte == CAN:
        return Command("cancel", b"\x18"), pos + 1
    if byte == ESC:
        return _parse_esc(buf, pos)
    if byte == GS:
        return _parse_gs(buf, pos)
    if byte == DLE:
        return _parse_dle(buf, pos)
    if byte == FS:
        return _parse_fs(buf, pos)
    return Command("unknown", bytes(buf[pos : pos + 1])), pos + 1


def _fixed(
    name: str, buf: bytearray, pos: int, head: int, count: int
) -> tuple[Command, int] | None:
    end = pos + head + count
    if not _need(buf, end):
        return None
    return Command(name, bytes(buf[pos:end]), tuple(buf[pos + head : end])), end


def _parse_esc(buf: bytearray, pos: int) -> tuple[Command, int] | None:
    if not _need(buf, pos + 2):
        return None
    code = buf[pos + 1]
    if code in _ESC_FIXED:
        name, count = _ESC_FIXED[code]
        return _fixed(name, buf, pos, 2, count)
    if code == ord("*"):
        # ESC * m nL nH d1..dk: column bit image, k = n * (1 or 3 bytes per column)
        if not _need(buf, pos + 5):
            return None
        mode, nl, nh = buf[pos + 2], buf[pos + 3], buf[pos + 4]
        columns = nl + 256 * nh
        end = pos + 5 + columns * (3 if mode in (32, 33) else 1)
        if not _need(buf, end):
            return None
        return Command(
            "column_image", bytes(buf[pos:end]), (mode, columns), bytes(buf[pos + 5 : end])
        ), end
    if code == ord("D"):
        # ESC D n1..nk NUL: tab stops
        end = buf.find(0, pos + 2)
        if end < 0:
            return (
                None
                if len(buf) - pos < 34
                else (Command("unknown", bytes(buf[pos : pos + 2])), pos + 2)
            )
        return Command("tab_stops", bytes(buf[pos : end + 1]), tuple(buf[pos + 2 : end])), end + 1
    return Command("unknown", bytes(buf[pos : pos + 2])), pos + 2


def _parse_gs(buf: bytearray, pos: int) -> tuple[Command, int] | None:
    if not _need(buf, pos + 2):
        return None
    code = buf[pos + 1]
    if code in _GS_FIXED:
        name, count = _GS_FIXED[code]
        return _fixed(name, buf, pos, 2, count)
    if code == ord("V"):
        if not _need(buf, pos + 3):
            return None
        mode = buf[pos + 2]
        if mode in (0, 1, 48, 49):
            return Command("cut", bytes(buf[pos : pos + 3]), (mode,)), pos + 3
        return _fixed("cut", buf, pos, 2, 2)
    if code == ord("v"):
        # GS v 0 m xL xH yL yH d1..dk: raster bit image
        if not _need(buf, pos + 8):
            return None
        if buf[pos + 2] != ord("0"):
            return Command("unknown", bytes(buf[pos : pos + 3])), pos + 3
        mode = buf[pos + 3]
        width_bytes = buf[pos + 4] + 256 * buf[pos + 5]
        height = buf[pos + 6] + 256 * buf[pos + 7]
        end = pos + 8 + width_bytes * height
        if not _need(buf, end):
            return None
        return Command(
            "raster", bytes(buf[pos:end]), (mode, width_bytes, height), bytes(buf[pos + 8 : end])
        ), end
    if code == ord("("):
        # GS ( X pL pH ...: functions with a 2-byte length
        if not _need(buf, pos + 5):
            return None
        function = chr(buf[pos + 2])
        length = buf[pos + 3] + 256 * buf[pos + 4]
        end = pos + 5 + length
        if not _need(buf, end):
            return None
        body = bytes(buf[pos + 5 : end])
        return Command(f"gs_paren_{function}", bytes(buf[pos:end]), (), body), end
    if code == ord("8") and _need(buf, pos + 3) and buf[pos + 2] == ord("L"):
        # GS 8 L p1..p4 ...: graphics with a 4-byte length
        if not _need(buf, pos + 7):
            return None
        length = int.from_bytes(buf[pos + 3 : pos + 7], "little")
        end = pos + 7 + length
        if not _need(buf, end):
            return None
        return Command("gs_paren_L", bytes(buf[pos:end]), (), bytes(buf[pos + 7 : end])), end
    if code == ord("k"):
        return _parse_barcode(buf, pos)
    return Command("unknown", bytes(buf[pos : pos + 2])), pos + 2


def _parse_barcode(buf: bytearray, pos: int) -> tuple[Command, int] | None:
    """``GS k m``: m 0..6 data ends with NUL; m 65..79 a length byte precedes the data."""
    if not _need(buf, pos + 3):
        return None
    system = buf[pos + 2]
    if system <= 6:
        end = buf.find(0, pos + 3)
        if end < 0:
            return None
        data = bytes(buf[pos + 3 : end])
        return Command("barcode", bytes(buf[pos : end + 1]), (system,), data), end + 1
    if not _need(buf, pos + 4):
        return None
    length = buf[pos + 3]
    end = pos + 4 + length
    if not _need(buf, end):
        return None
    return Command("barcode", bytes(buf[pos:end]), (system,), bytes(buf[pos + 4 : end])), end


def _parse_dle(buf: bytearray, pos: int) -> tuple[Command, int] | None:
    if not _need(buf, pos + 2):
        return None
    code = buf[pos + 1]
    if code == 0x04:
        return _fixed("realtime_status", buf, pos, 2, 1)
    if code == 0x05:
        return _fixed("realtime_request", buf, pos, 2, 1)
    if code == 0x14:
        return _fixed("realtime_pulse", buf, pos, 2, 3)
    return Command("unknown", bytes(buf[pos : pos + 2])), pos + 2


def _parse_fs(buf: bytearray, pos: int) -> tuple[Command, int] | None:
    if not _need(buf, pos + 2):
        return None
    code = buf[pos + 1]
    if code in (ord("."), ord("&")):
        return Command("kanji_mode", bytes(buf[pos : pos + 2])), pos + 2
    if code == ord("C"):
        return _fixed("kanji_code", buf, pos, 2, 1)
    if code == ord("p"):
        return _fixed("nv_image", buf, pos, 2, 2)
    return Command("unknown", bytes(buf[pos : pos + 2])), pos + 2
