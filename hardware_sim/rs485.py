"""A virtual RS-485 bus with LED window displays and clerk call keypads.

Frames (both directions)::

    SOH  ADDR  payload  BEL
    0x01 1..254 ...     0x07

* Display frame (driver → display at ADDR): payload is the text to show,
  encoded in CP1251; an empty payload blanks the display.
* Keypad frame (keypad at ADDR → driver): payload is one key code byte
  (:class:`Key`).
* Rating frame (the applicant's rating keypad at ADDR → driver): ``V`` then five
  ASCII digits, the marks 1–5 on waiting, courtesy, comfort, information and
  service time in that order, ``0`` for a criterion left out
  (:func:`encode_rating_frame`).

ADDR is taken positionally (the byte after SOH), so any address 1..254 is
allowed; payloads never contain SOH or BEL. A display and a keypad of the same
window usually share the window number as ADDR.

The LED driver opens :attr:`VirtualRs485Bus.path` with pyserial, writes display
frames and reads keypad frames; tests use :meth:`VirtualRs485Bus.display_text`
and :meth:`VirtualRs485Bus.press`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from enum import IntEnum

from hardware_sim.endpoints import POLL_SECONDS, PtyPort

SOH = 0x01
BEL = 0x07
TEXT_ENCODING = "cp1251"
#: Longest payload a display accepts; longer frames are reported as bad.
MAX_PAYLOAD = 64


class Key(IntEnum):
    """Keypad key codes (ASCII letters so a bus dump is readable)."""

    CALL_NEXT = 0x4E  # "N": call the next ticket
    RECALL = 0x52  # "R": call the current ticket again
    START = 0x53  # "S": the applicant came, service starts
    FINISH = 0x46  # "F": service finished
    NO_SHOW = 0x58  # "X": the applicant did not come


class FrameError(ValueError):
    """A byte sequence is not a valid bus frame."""


def _check_address(address: int) -> None:
    if not 1 <= address <= 254:
        raise FrameError(f"bus address must be 1..254, got {address}")


def encode_display_frame(address: int, text: str) -> bytes:
    """Build the frame that makes display ``address`` show ``text``."""
    _check_address(address)
    payload = text.encode(TEXT_ENCODING)
    if SOH in payload or BEL in payload:
        raise FrameError("display text must not contain SOH or BEL")
    if len(payload) > MAX_PAYLOAD:
        raise FrameError(f"display text longer than {MAX_PAYLOAD} bytes")
    return bytes([SOH, address]) + payload + bytes([BEL])


#: First payload byte of a rating keypad's frame ("V" for vote).
RATING_PREFIX = 0x56
#: How many marks a rating frame carries (the five criteria, in their fixed order).
RATING_MARKS = 5


def encode_rating_frame(address: int, marks: list[int | None]) -> bytes:
    """Build the frame a rating keypad at ``address`` sends: five marks 1–5 (None: skipped)."""
    _check_address(address)
    if len(marks) != RATING_MARKS:
        raise FrameError(f"a rating has {RATING_MARKS} marks, got {len(marks)}")
    digits = bytearray()
    for mark in marks:
        if mark is not None and not 1 <= mark <= 5:
            raise FrameError(f"a mark is 1..5, got {mark}")
        digits.append(ord("0") + (mark or 0))
    return bytes([SOH, address, RATING_PREFIX]) + bytes(digits) + bytes([BEL])


def encode_key_frame(address: int, key: Key) -> bytes:
    """Build the frame a keypad at ``address`` sends when ``key`` is pressed."""
    _check_address(address)
    return bytes([SOH, address, int(key), BEL])


@dataclass(frozen=True)
class Frame:
    """A decoded bus frame."""

    address: int
    payload: bytes

    @property
    def text(self) -> str:
        """The payload as display text."""
        return self.payload.decode(TEXT_ENCODING, errors="replace")

    @property
    def key(self) -> Key | None:
        """The payload as a key code, if it is one."""
        if len(self.payload) != 1:
            return None
        try:
            return Key(self.payload[0])
        except ValueError:
            return None


class FrameReader:
    """Reassembles frames from bytes in any chunking; junk between frames is counted."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.junk_bytes = 0

    def feed(self, data: bytes) -> list[Frame]:
        """Add bytes; return the frames completed by them."""
        self._buffer += data
        frames: list[Frame] = []
        buf = self._buffer
        while True:
            start = buf.find(SOH)
            if start < 0:
                self.junk_bytes += len(buf)
                buf.clear()
                break
            if start:
                self.junk_bytes += start
                del buf[:start]
            if len(buf) < 2:
                break
            end = buf.find(BEL, 2)
            if end < 0:
                if len(buf) > MAX_PAYLOAD + 2:
                    # No terminator in sight: drop the SOH and resynchronise.
                    self.junk_bytes += 1
                    del buf[:1]
                    continue
                break
            frames.append(Frame(buf[1], bytes(buf[2:end])))
            del buf[: end + 1]
        return frames


class VirtualRs485Bus:
    """The bus as a pty: displays listen on it, keypads talk on it."""

    def __init__(self, display_addresses: list[int] | None = None) -> None:
        self.port = PtyPort()
        self.path = self.port.path
        self._displays: dict[int, str] = {a: "" for a in display_addresses or []}
        self.frames_to_absent: list[Frame] = []
        self._reader = FrameReader()
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sim-rs485", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """``serial://`` URL of the bus."""
        return f"serial://{self.path}"

    def add_display(self, address: int) -> None:
        """Attach a blank display at ``address``."""
        _check_address(address)
        with self._changed:
            self._displays.setdefault(address, "")

    def display_text(self, address: int) -> str | None:
        """What the display at ``address`` shows (None if there is no such display)."""
        with self._changed:
            return self._displays.get(address)

    def wait_for_display(self, address: int, text: str, timeout: float = 5.0) -> bool:
        """Wait until the display at ``address`` shows ``text``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._displays.get(address) != text:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True

    def press(self, address: int, key: Key) -> bytes:
        """Press ``key`` on the keypad at ``address``: its frame goes to the driver."""
        frame = encode_key_frame(address, key)
        self.port.write(frame)
        return frame

    def rate(self, address: int, marks: list[int | None]) -> bytes:
        """The applicant presses the marks on the rating keypad at ``address`` and sends."""
        frame = encode_rating_frame(address, marks)
        self.port.write(frame)
        return frame

    @property
    def junk_bytes(self) -> int:
        """Bytes on the bus that were not part of a frame."""
        return self._reader.junk_bytes

    def _run(self) -> None:
        while not self._stop.is_set():
            data = self.port.read(POLL_SECONDS)
            if data is None:
                return
            if not data:
                continue
            for frame in self._reader.feed(data):
                with self._changed:
                    if frame.address in self._displays:
                        self._displays[frame.address] = frame.text
                    else:
                        self.frames_to_absent.append(frame)
                    self._changed.notify_all()

    def close(self) -> None:
        """Stop the bus and remove the pty."""
        self._stop.set()
        # No timeout: a descriptor closed under the thread's select() could be reused by
        # the next pty and read by the wrong bus (the printer simulator's lesson).
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join()
        self.port.close()

    def __enter__(self) -> VirtualRs485Bus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
