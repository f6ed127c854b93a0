"""Errors of the booking domain."""

from __future__ import annotations

from queue_server.errors import Conflict


class CheckInRefused(Conflict):
    """A booking presented outside its check-in window, or no longer active."""

    code = "checkin_refused"
