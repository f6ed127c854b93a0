"""The ticket life cycle of DOMAIN.md as data: which action leads from which states where."""

from __future__ import annotations

from queue_server.messages import Term
from queue_server.tickets.exceptions import IllegalTransition
from queue_server.tickets.models import (
    CALLED,
    CANCELLED,
    DONE,
    EXPECTED,
    NO_SHOW,
    POSTPONED,
    SERVING,
    WAITING,
)

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "call": (frozenset({WAITING}), CALLED),
    "recall": (frozenset({CALLED}), CALLED),
    "start": (frozenset({CALLED}), SERVING),
    "no_show": (frozenset({CALLED}), NO_SHOW),
    "finish": (frozenset({SERVING}), DONE),
    # A clerk may redirect as soon as the applicant is at the window (called) or later.
    "redirect": (frozenset({CALLED, SERVING}), WAITING),
    "cancel": (frozenset({WAITING, POSTPONED, EXPECTED}), CANCELLED),
    # A place taken from the phone joins the queue when the applicant arrives
    # (`tickets/remote.py`), or lapses when the check-in closes without them.
    "arrive": (frozenset({EXPECTED}), WAITING),
    "lapse": (frozenset({EXPECTED}), NO_SHOW),
    # The clerk sets the applicant aside for a few minutes (to make a copy): the ticket
    # goes to the office's hold list and returns to the queue when the hold is over.
    "postpone": (frozenset({CALLED, SERVING}), POSTPONED),
    "return": (frozenset({POSTPONED}), WAITING),
    # Like a redirect, but to a chosen window or clerk, keeping the service.
    "transfer": (frozenset({CALLED, SERVING}), WAITING),
}

_STATE_WORDS = {
    WAITING: "is waiting and has not been called",
    CALLED: "has been called but service has not started",
    SERVING: "is being served",
    DONE: "is already finished",
    NO_SHOW: "was marked a no-show",
    CANCELLED: "was cancelled",
    POSTPONED: "is postponed (on hold)",
    EXPECTED: "has not arrived yet (queued from the phone)",
}

_ACTION_WORDS = {
    "call": "call",
    "recall": "recall",
    "start": "start serving",
    "no_show": "mark as no-show",
    "finish": "finish",
    "redirect": "redirect",
    "cancel": "cancel",
    "postpone": "postpone",
    "return": "return to the queue",
    "transfer": "transfer",
    "arrive": "mark as arrived",
    "lapse": "give up the place of",
}


def target_state(action: str, current: str, number: str) -> str:
    """The state `action` leads to from `current`, or IllegalTransition with a clear message."""
    if action not in TRANSITIONS:
        raise ValueError(f"unknown action {action!r}")
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        raise IllegalTransition(
            number=number, action=Term("ticket_action", action), state=Term("ticket_state", current)
        )
    return target
