"""The ticket life cycle of DOMAIN.md as data: which action leads from which states where."""

from __future__ import annotations

from queue_server.tickets.exceptions import IllegalTransition
from queue_server.tickets.models import CALLED, CANCELLED, DONE, NO_SHOW, SERVING, WAITING

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "call": (frozenset({WAITING}), CALLED),
    "recall": (frozenset({CALLED}), CALLED),
    "start": (frozenset({CALLED}), SERVING),
    "no_show": (frozenset({CALLED}), NO_SHOW),
    "finish": (frozenset({SERVING}), DONE),
    # A clerk may redirect as soon as the applicant is at the window (called) or later.
    "redirect": (frozenset({CALLED, SERVING}), WAITING),
    "cancel": (frozenset({WAITING}), CANCELLED),
}

_STATE_WORDS = {
    WAITING: "is waiting and has not been called",
    CALLED: "has been called but service has not started",
    SERVING: "is being served",
    DONE: "is already finished",
    NO_SHOW: "was marked a no-show",
    CANCELLED: "was cancelled",
}

_ACTION_WORDS = {
    "call": "call",
    "recall": "recall",
    "start": "start serving",
    "no_show": "mark as no-show",
    "finish": "finish",
    "redirect": "redirect",
    "cancel": "cancel",
}


def target_state(action: str, current: str, number: str) -> str:
    """The state `action` leads to from `current`, or IllegalTransition with a clear message."""
    if action not in TRANSITIONS:
        raise ValueError(f"unknown action {action!r}")
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        raise IllegalTransition(
            f"Cannot {_ACTION_WORDS[action]} ticket {number}: it {_STATE_WORDS[current]}."
        )
    return target
