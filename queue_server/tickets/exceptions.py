"""Errors of the ticket domain."""

from __future__ import annotations

from queue_server.errors import Conflict


class IllegalTransition(Conflict):
    """The ticket's state does not allow this action; nothing was changed."""

    code = "illegal_transition"


class OfficeClosed(Conflict):
    """Tickets are not issued outside opening hours."""

    code = "office_closed"


class WindowBusy(Conflict):
    """The window still has a called or served ticket."""

    code = "window_busy"
