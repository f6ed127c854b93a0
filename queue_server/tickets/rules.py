"""The regulation's figures for the queue and the calculations made from them.

One place per rule (DOMAIN.md R1–R3, R5; R4's figures are in `bookings/rules.py`). The
figures are defaults: each office and service may change them, so the calculations take
the configured values as arguments. This module imports nothing of ours, so the tables
that store the figures (offices, services) can take their defaults from here.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

# R1–R3 (004 §2.10.1–2.10.3): the longest wait in the queue, by the service's kind.
WAIT_LIMIT_MINUTES_BY_KIND: dict[str, int] = {
    "intake": 15,  # R1: hand in documents
    "issuance": 10,  # R2: collect a ready result
    "consultation": 15,  # R3: information in person
}
# R1–R3: how long the interaction itself may take (the service-time norm), by kind.
SERVICE_NORM_MINUTES_BY_KIND: dict[str, int] = {
    "intake": 30,
    "issuance": 5,
    "consultation": 10,
}
# Share of the limit after which a wait is shown as nearing it (the amber light).
WARNING_SHARE = 0.8

# R5 (004 §3.4.19–20): a called applicant who does not come within a minute is called
# again; one minute after the second call the ticket is a no-show.
RECALL_AFTER_SECONDS = 60
NO_SHOW_AFTER_SECONDS = 60

# The promise printed on every ticket: the R1 limit, in the applicant's words.
DEFAULT_TICKET_FOOTER = (
    f"Ожидание в очереди — не более {WAIT_LIMIT_MINUTES_BY_KIND['intake']} минут"
)

OK, WARNING, BREACH = "ok", "warning", "breach"


def wait_due_times(
    since: datetime, *, limit_minutes: int, warning_share: float
) -> tuple[datetime, datetime]:
    """(warn_at, deadline) of a wait that starts at `since` (R1–R4)."""
    limit = timedelta(minutes=limit_minutes)
    return since + limit * warning_share, since + limit


def wait_state(*, now: datetime, warn_at: datetime, deadline: datetime) -> str:
    """ok, warning (past the warning share of the limit) or breach (the limit is reached).

    "At most 15 minutes" is used up the instant 15 minutes have passed: the scheduler
    records the breach then, and a call at that instant finds the same state.
    """
    if now >= deadline:
        return BREACH
    return WARNING if now >= warn_at else OK


def recall_due(last_called_at: datetime, *, recall_after_seconds: int) -> datetime:
    """When an unanswered first call is repeated (R5)."""
    return last_called_at + timedelta(seconds=recall_after_seconds)


def no_show_due(last_called_at: datetime, *, no_show_after_seconds: int) -> datetime:
    """When a recalled applicant who still has not come becomes a no-show (R5)."""
    return last_called_at + timedelta(seconds=no_show_after_seconds)


def estimated_wait_minutes(*, ahead: int, norm_minutes: int, serving_windows: int) -> int:
    """A simple estimate: the people ahead times the norm, shared by the serving windows."""
    return math.ceil(ahead * norm_minutes / max(serving_windows, 1))
