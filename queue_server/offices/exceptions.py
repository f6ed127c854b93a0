"""Errors of the offices domain."""

from __future__ import annotations

from queue_server.errors import InvalidInput


class ScheduleBelowMinimum(InvalidInput):
    """R6: the weekly schedule is under 5 days × 7 hours and no admin let it stand."""

    code = "schedule_below_minimum"
