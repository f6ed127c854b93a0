"""RS-485 frames of the LED window displays and call keypads: ``01 ADDR payload 07``.

Display frames carry CP1251 text (empty = blank); keypad frames carry one key code; an
applicant's rating keypad sends ``V`` and five digits, the marks 1–5 (``0``: left out).
Kept here rather than imported from the simulator: the driver runs on real buses.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

SOH = 0x01
BEL = 0x07
TEXT_ENCODING = "cp1251"
MAX_PAYLOAD = 64


class Key(IntEnum):
    """Keypad key codes."""

    CALL_NEXT = 0x4E  # N
    RECALL = 0x52  # R
    START = 0x53  # S
    FINISH = 0x46  # F
    NO_SHOW = 0x58  # X


def display_frame(address: int, text: str) -> bytes:
    """The frame that makes the display at `address` show `text` (cut to fit, never raises
    for text: characters CP1251 lacks become '?')."""
    if not 1 <= address <= 254:
        raise ValueError(f"bus address must be 1..254, got {address}")
    payload = text.encode(TEXT_ENCODING, errors="replace")[:MAX_PAYLOAD]
    payload = payload.replace(bytes([SOH]), b"?").replace(bytes([BEL]), b"?")
    return bytes([SOH, address]) + payload + bytes([BEL])


#: First payload byte of a rating keypad's frame, and the criteria its five digits mark.
RATING_PREFIX = 0x56
RATING_CRITERIA = ("waiting", "courtesy", "comfort", "information", "service_time")


@dataclass(frozen=True)
class RatingPress:
    """An applicant's marks sent from the rating keypad at `address` (None: left out)."""

    address: int
    marks: tuple[int | None, ...]

    def body(self) -> dict[str, int]:
        """The marks given, by criterion (the rating API's body)."""
        return {c: m for c, m in zip(RATING_CRITERIA, self.marks, strict=True) if m is not None}


def _rating(address: int, payload: bytes) -> RatingPress | None:
    digits = payload[1:]
    if payload[:1] != bytes([RATING_PREFIX]) or len(digits) != len(RATING_CRITERIA):
        return None
    if any(not 0x30 <= d <= 0x35 for d in digits):
        return None
    return RatingPress(address, tuple((d - 0x30) or None for d in digits))


@dataclass(frozen=True)
class KeyPress:
    """A key pressed on the keypad at `address`."""

    address: int
    key: Key


class KeyFrameReader:
    """Reassembles keypad frames from bytes in any chunking; anything else is skipped."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[KeyPress | RatingPress]:
        """Add bytes; the key presses (and ratings) they complete."""
        buf = self._buffer
        buf += data
        presses: list[KeyPress | RatingPress] = []
        while True:
            start = buf.find(SOH)
            if start < 0:
                buf.clear()
                return presses
            del buf[:start]
            end = buf.find(BEL, 2)
            if end < 0:
                if len(buf) > MAX_PAYLOAD + 2:
                    del buf[:1]  # no terminator in sight: resynchronise
                    continue
                return presses
            address, payload = buf[1], bytes(buf[2:end])
            del buf[: end + 1]
            if len(payload) == 1 and payload[0] in Key._value2member_map_:
                presses.append(KeyPress(address, Key(payload[0])))
            elif (rating := _rating(address, payload)) is not None:
                presses.append(rating)
