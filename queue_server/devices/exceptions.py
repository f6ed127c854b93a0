"""Errors of device reports and ticket print jobs."""

from __future__ import annotations

from queue_server.errors import Conflict, Forbidden, NotFound


class NotADevice(Forbidden):
    """A staff token was used where only a device may call."""

    code = "not_a_device"


class NotAKiosk(Forbidden):
    """Only kiosks print tickets."""

    code = "not_a_kiosk"


class PrintJobNotFound(NotFound):
    """No such print job (or it belongs to another kiosk)."""

    code = "print_job_not_found"


class TicketNotActive(Conflict):
    """A finished, cancelled or no-show ticket is not printed again."""

    code = "ticket_not_active"


class NoKioskForTicket(Conflict):
    """The ticket was issued by staff, so no kiosk owes its paper copy."""

    code = "no_kiosk_for_ticket"


class NotABoard(Conflict):
    """Settings are kept for boards only."""

    code = "not_a_board"


class DeviceNotFound(NotFound):
    """No such device in the office (or it was revoked)."""

    code = "device_not_found"


class BoardOnly(Forbidden):
    """A device other than a board asked for a board's settings."""

    code = "not_a_board"
