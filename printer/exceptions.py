"""The printer layer's own exceptions.

Library errors (pyserial, sockets, python-escpos) never leak out of `printer`:
callers such as the kiosk agent catch these classes only.
"""

from __future__ import annotations


class PrinterError(Exception):
    """Base class of every error raised by the printer layer."""


class PrinterConfigError(PrinterError):
    """The printer URL, profile or paper width is not usable."""


class PrinterOffline(PrinterError):
    """The printer cannot be reached or does not answer."""


class PrinterDisconnected(PrinterOffline):
    """The port could not be opened or went away (cable pulled, printer switched off)."""


class PrinterTimeout(PrinterOffline):
    """A read or write did not complete within the configured timeout."""


class StatusUnknown(PrinterOffline):
    """The printer did not answer a status query, so its state is unknown."""


class PrinterNotReady(PrinterError):
    """The printer answers but reports a condition that prevents printing."""


class PaperOut(PrinterNotReady):
    """The paper roll is empty."""


class CoverOpen(PrinterNotReady):
    """The printer cover is open."""


class PrinterFault(PrinterNotReady):
    """The printer reports a mechanical, cutter or unrecoverable error."""
