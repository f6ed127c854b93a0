"""Errors of the ticket domain."""

from __future__ import annotations

from queue_server.errors import Conflict, DomainError


class IllegalTransition(Conflict):
    """The ticket's state does not allow this action; nothing was changed."""

    code = "illegal_transition"


class OfficeClosed(Conflict):
    """Tickets are not issued outside opening hours."""

    code = "office_closed"


class WindowBusy(Conflict):
    """The window still has a called or served ticket."""

    code = "window_busy"


class TooManyTickets(DomainError):
    """A kiosk asked for more tickets per minute than the office allows: wait, then retry."""

    status_code = 429
    code = "too_many_tickets"

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(seconds=retry_after)
        self.retry_after = retry_after

    def response_headers(self) -> dict[str, str]:
        """Retry-After: seconds until the oldest ticket of the last minute leaves it."""
        return {"Retry-After": str(self.retry_after)}


class TooManyRemotePlaces(DomainError):
    """One client address took too many queue places from the phone within the hour."""

    status_code = 429
    code = "remote_too_many"

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(minutes=max(1, -(-retry_after // 60)))
        self.retry_after = retry_after

    def response_headers(self) -> dict[str, str]:
        """Retry-After: seconds until the oldest place of the last hour leaves it."""
        return {"Retry-After": str(self.retry_after)}
