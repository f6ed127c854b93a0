"""The ratings' refusals, each with a stable code and a Russian message."""

from __future__ import annotations

from queue_server.errors import Conflict, Forbidden, InvalidInput, NotFound


class AlreadyRated(Conflict):
    """The ticket has its rating; a second is refused."""

    code = "already_rated"


class NotRatable(Conflict):
    """The ticket is not finished, or the time to rate it has passed."""

    code = "not_ratable"


class NoTicketToRate(NotFound):
    """No ticket finished at this window lately awaits a rating."""

    code = "no_ticket_to_rate"


class NoMarks(InvalidInput):
    """The rating gives no mark at all."""

    code = "no_marks"


class NotARatingDevice(Forbidden):
    """Only staff, a rating screen or the LED driver (keypads) may rate at a window."""

    code = "not_a_rating_device"
