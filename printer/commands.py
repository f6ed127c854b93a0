"""ESC/POS command bytes used by the layouts and the status queries.

Only the subset the layouts need, written out so that the byte stream is exactly
what we expect (python-escpos helpers print to stdout or choose code pages on
their own in places).
"""

from __future__ import annotations

import math
from enum import IntEnum

from PIL import Image

ESC = b"\x1b"
GS = b"\x1d"
DLE = b"\x10"
EOT = b"\x04"
LF = b"\n"

INIT = ESC + b"@"


class Align(IntEnum):
    """Justification values of ``ESC a``."""

    LEFT = 0
    CENTER = 1
    RIGHT = 2


class QrErrorLevel(IntEnum):
    """QR error-correction levels as ``GS ( k`` function 169 expects them."""

    L = 48
    M = 49
    Q = 50
    H = 51


def select_codepage(slot: int) -> bytes:
    """``ESC t n``: select the character code table."""
    return ESC + b"t" + bytes([slot])


def init(codepage_slot: int) -> bytes:
    """``ESC @`` followed by ``ESC t``, because ``ESC @`` resets the code page to 0."""
    return INIT + select_codepage(codepage_slot)


def bold(on: bool) -> bytes:
    """``ESC E n``: emphasised (bold) text."""
    return ESC + b"E" + bytes([1 if on else 0])


def underline(on: bool) -> bytes:
    """``ESC - n``: one-dot underline."""
    return ESC + b"-" + bytes([1 if on else 0])


def invert(on: bool) -> bytes:
    """``GS B n``: white on black."""
    return GS + b"B" + bytes([1 if on else 0])


def align(value: Align) -> bytes:
    """``ESC a n``: justification, effective at the start of a line."""
    return ESC + b"a" + bytes([int(value)])


def char_size(width: int, height: int) -> bytes:
    """``GS ! n``: character magnification, 1..8 in each direction."""
    if not (1 <= width <= 8 and 1 <= height <= 8):
        raise ValueError(f"character size must be 1..8, got {width}x{height}")
    return GS + b"!" + bytes([((width - 1) << 4) | (height - 1)])


def feed_lines(count: int) -> bytes:
    """``ESC d n``: print the buffer and feed ``count`` lines."""
    return ESC + b"d" + bytes([max(0, min(255, count))])


def cut(partial: bool = True, feed_dots: int = 0) -> bytes:
    """``GS V 65/66 n``: feed to the cutter (plus ``feed_dots``) and cut."""
    return GS + b"V" + bytes([66 if partial else 65, max(0, min(255, feed_dots))])


def status_query(n: int) -> bytes:
    """``DLE EOT n``: real-time status transmission (n = 1..4)."""
    if n not in (1, 2, 3, 4):
        raise ValueError(f"DLE EOT takes 1..4, got {n}")
    return DLE + EOT + bytes([n])


def _gs_k_2d(fn: int, payload: bytes) -> bytes:
    """``GS ( k pL pH cn fn ...`` for the QR symbol (cn = 49)."""
    body = bytes([49, fn]) + payload
    return GS + b"(k" + len(body).to_bytes(2, "little") + body


def qr_native(data: str, module_size: int, level: QrErrorLevel = QrErrorLevel.M) -> bytes:
    """Store and print a QR code with the printer's own 2D-code engine (``GS ( k``)."""
    encoded = data.encode("utf-8")
    if not 1 <= module_size <= 16:
        raise ValueError("QR module size must be 1..16")
    if len(encoded) > 7089:
        raise ValueError("QR payload too long")
    return (
        _gs_k_2d(65, bytes([50, 0]))  # model 2
        + _gs_k_2d(67, bytes([module_size]))
        + _gs_k_2d(69, bytes([int(level)]))
        + _gs_k_2d(80, b"0" + encoded)
        + _gs_k_2d(81, b"0")
    )


def raster_image(image: Image.Image) -> bytes:
    """``GS v 0``: a 1-bit raster image; black pixels are printed dots."""
    mono = image.convert("1")
    width, height = mono.size
    width_bytes = math.ceil(width / 8)
    if width_bytes * 8 != width:
        # Pad with white so that the packed rows end on a byte boundary.
        padded = Image.new("1", (width_bytes * 8, height), 1)
        padded.paste(mono, (0, 0))
        mono = padded
    # PIL packs mode "1" MSB first with 1 = white; ESC/POS wants 1 = printed dot.
    rows = bytes(b ^ 0xFF for b in mono.tobytes())
    header = GS + b"v0" + bytes([0]) + width_bytes.to_bytes(2, "little")
    return header + height.to_bytes(2, "little") + bytes(rows)


def barcode_code128(data: str, height: int = 80, module_width: int = 2) -> bytes:
    """``GS k 73``: CODE128 (code set B) without human-readable text."""
    if not data or not all(0x20 <= ord(c) < 0x7F for c in data):
        raise ValueError("CODE128 set B takes printable ASCII only")
    payload = b"{B" + data.encode("ascii")
    if len(payload) > 255:
        raise ValueError("barcode payload too long")
    return (
        GS
        + b"h"
        + bytes([max(1, min(255, height))])
        + GS
        + b"w"
        + bytes([max(2, min(6, module_width))])
        + GS
        + b"H\x00"
        + GS
        + b"k"
        + bytes([73, len(payload)])
        + payload
    )
