"""Real-time printer status (``DLE EOT 1..4``) and what it means for printing.

Every reply byte of ``DLE EOT n`` has fixed bits: bit 1 and bit 4 set, bits 0
and 7 clear (``byte & 0x93 == 0x12``). A byte that breaks this is not a status
reply (line noise, another device, an ASB packet) and counts as no reply. No
reply means the state is *unknown*, never "paper OK".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from printer.exceptions import (
    CoverOpen,
    PaperOut,
    PrinterError,
    PrinterFault,
    PrinterOffline,
    StatusUnknown,
)

#: Mask and value of the fixed bits in every DLE EOT reply.
FIXED_MASK = 0x93
FIXED_VALUE = 0x12

# n = 1, printer status
OFFLINE_BIT = 0x08
# n = 2, offline cause
COVER_OPEN_BIT = 0x04
FEED_BUTTON_BIT = 0x08
PAPER_END_STOP_BIT = 0x20
ERROR_BIT = 0x40
# n = 3, error cause
AUTOCUTTER_ERROR_BIT = 0x08
UNRECOVERABLE_ERROR_BIT = 0x20
AUTO_RECOVERABLE_ERROR_BIT = 0x40
# n = 4, roll paper sensors: each sensor is reported in two bits
PAPER_NEAR_END_BITS = 0x0C
PAPER_OUT_BITS = 0x60


class PrinterState(Enum):
    """The one word the kiosk needs about the printer."""

    READY = "ready"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    ERROR = "error"
    OFFLINE = "offline"
    UNKNOWN = "unknown"


def is_status_byte(value: int) -> bool:
    """Tell whether a byte has the fixed bits of a ``DLE EOT`` reply."""
    return 0 <= value <= 0xFF and value & FIXED_MASK == FIXED_VALUE


@dataclass(frozen=True)
class PrinterStatus:
    """Parsed ``DLE EOT 1..4`` replies; ``None`` in a field means "not known"."""

    online: bool | None = None
    cover_open: bool | None = None
    paper_near_end: bool | None = None
    paper_out: bool | None = None
    error: bool | None = None
    raw: dict[int, int] = field(default_factory=dict)
    problem: str | None = None

    @property
    def known(self) -> bool:
        """True when every query was answered with a well-formed byte."""
        return all(
            v is not None
            for v in (self.online, self.cover_open, self.paper_near_end, self.paper_out, self.error)
        )

    @property
    def state(self) -> PrinterState:
        """The most important condition, the blocking ones first."""
        if not self.known:
            return PrinterState.UNKNOWN
        if self.cover_open:
            return PrinterState.COVER_OPEN
        if self.paper_out:
            return PrinterState.PAPER_OUT
        if self.error:
            return PrinterState.ERROR
        if not self.online:
            return PrinterState.OFFLINE
        if self.paper_near_end:
            return PrinterState.PAPER_NEAR_END
        return PrinterState.READY

    @property
    def can_print(self) -> bool:
        """True only when the printer positively reported it is ready (near end allowed)."""
        return self.state in (PrinterState.READY, PrinterState.PAPER_NEAR_END)

    @property
    def warnings(self) -> list[str]:
        """Conditions worth telling the staff about that do not stop printing."""
        return ["paper_near_end"] if self.paper_near_end and self.can_print else []

    def raise_for_state(self) -> None:
        """Raise the exception matching a state that forbids printing; return if it can print."""
        state = self.state
        if state in (PrinterState.READY, PrinterState.PAPER_NEAR_END):
            return
        error: type[PrinterError] = {
            PrinterState.COVER_OPEN: CoverOpen,
            PrinterState.PAPER_OUT: PaperOut,
            PrinterState.ERROR: PrinterFault,
            PrinterState.OFFLINE: PrinterOffline,
            PrinterState.UNKNOWN: StatusUnknown,
        }[state]
        detail = f": {self.problem}" if self.problem else ""
        raise error(f"printer {state.value}{detail}")


def parse_status(replies: Mapping[int, int | None], problem: str | None = None) -> PrinterStatus:
    """Build a status from the reply byte of each ``DLE EOT n`` (None = no valid reply)."""
    valid = {n: b for n, b in replies.items() if b is not None and is_status_byte(b)}
    bad = sorted(n for n, b in replies.items() if b is not None and not is_status_byte(b))
    if bad and problem is None:
        problem = "malformed reply to DLE EOT " + ", ".join(
            f"{n} (0x{replies[n]:02x})" for n in bad
        )
    s1, s2, s3, s4 = (valid.get(n) for n in (1, 2, 3, 4))
    error: bool | None = None
    if s2 is not None and s3 is not None:
        error = bool(s2 & ERROR_BIT) or bool(
            s3 & (AUTOCUTTER_ERROR_BIT | UNRECOVERABLE_ERROR_BIT | AUTO_RECOVERABLE_ERROR_BIT)
        )
    return PrinterStatus(
        online=None if s1 is None else not s1 & OFFLINE_BIT,
        cover_open=None if s2 is None else bool(s2 & COVER_OPEN_BIT),
        paper_near_end=None if s4 is None else bool(s4 & PAPER_NEAR_END_BITS),
        paper_out=None
        if s4 is None or s2 is None
        else bool(s4 & PAPER_OUT_BITS) or bool(s2 & PAPER_END_STOP_BIT),
        error=error,
        raw=valid,
        problem=problem,
    )


#: A status with nothing known, e.g. when the printer never answered.
UNKNOWN_STATUS = PrinterStatus(problem="no reply")
