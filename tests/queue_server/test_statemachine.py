"""The ticket life cycle as data."""

from __future__ import annotations

import pytest

from queue_server.tickets.exceptions import IllegalTransition
from queue_server.tickets.models import STATUSES
from queue_server.tickets.statemachine import TRANSITIONS, target_state

ALLOWED = {
    ("call", "waiting"): "called",
    ("recall", "called"): "called",
    ("start", "called"): "serving",
    ("no_show", "called"): "no_show",
    ("finish", "serving"): "done",
    ("redirect", "called"): "waiting",
    ("redirect", "serving"): "waiting",
    ("cancel", "waiting"): "cancelled",
    ("cancel", "postponed"): "cancelled",
    ("postpone", "called"): "postponed",
    ("postpone", "serving"): "postponed",
    ("return", "postponed"): "waiting",
    ("transfer", "called"): "waiting",
    ("transfer", "serving"): "waiting",
    # A place taken from the phone (issue 17): it joins the queue on arrival, lapses
    # without it, or is cancelled.
    ("arrive", "expected"): "waiting",
    ("lapse", "expected"): "no_show",
    ("cancel", "expected"): "cancelled",
}


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
@pytest.mark.parametrize("state", STATUSES)
def test_every_pair_is_allowed_or_refused_as_documented(action: str, state: str) -> None:
    if (action, state) in ALLOWED:
        assert target_state(action, state, "А001") == ALLOWED[(action, state)]
    else:
        with pytest.raises(IllegalTransition) as err:
            target_state(action, state, "А001")
        assert "А001" in err.value.message
        assert err.value.status_code == 409


def test_finishing_a_ticket_never_called_says_so() -> None:
    with pytest.raises(IllegalTransition, match="Нельзя завершить талон А007: он ожидает"):
        target_state("finish", "waiting", "А007")


def test_calling_a_cancelled_ticket_says_so() -> None:
    with pytest.raises(IllegalTransition, match="отменён"):
        target_state("call", "cancelled", "Б010")


def test_terminal_states_allow_nothing() -> None:
    for terminal in ("done", "no_show", "cancelled"):
        assert not any(terminal in allowed for allowed, _ in TRANSITIONS.values())
