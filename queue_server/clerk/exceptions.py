"""Errors of the clerk's moves (stable codes; the texts are what the clerk reads)."""

from __future__ import annotations

from queue_server.errors import Conflict, InvalidInput


class UnknownCallReason(InvalidInput):
    """The reason of a chosen call is not in the list, or "other" without words."""

    code = "unknown_call_reason"


class NotInWindowQueue(Conflict):
    """The chosen ticket is not one the window serves."""

    code = "not_in_window_queue"


class TicketNotWaiting(Conflict):
    """Only a waiting ticket is called from the queue list."""

    code = "ticket_not_waiting"


class BadHold(InvalidInput):
    """A hold outside the allowed minutes."""

    code = "bad_hold"


class BadTransferTarget(InvalidInput):
    """A transfer names no target, two targets, or the window the ticket is at."""

    code = "bad_transfer_target"


class TransferTargetUnavailable(Conflict):
    """The window is switched off, or the clerk is not of this office."""

    code = "transfer_target_unavailable"
