"""The clerk's moves beyond "call next": the reasons for a chosen call, the hold's length.

Not figures of the regulation, but the office's working rules for them; the regulation's
side (R1–R5 for a postponed ticket) is explained in `holds.py`. Imports nothing of ours.
"""

from __future__ import annotations

from datetime import datetime, timedelta

#: Why a clerk calls a ticket out of the queue's order (code -> what the clerk reads).
CHOSEN_CALL_REASONS: dict[str, str] = {
    "returned": "Заявитель вернулся (был отложен)",
    "continuation": "Продолжение обслуживания того же заявителя",
    "needs_help": "Заявителю нужна помощь (маломобильный, с ребёнком)",
    "manager": "По указанию руководителя",
    "booking": "Записан на это время, талон не в очереди",
    "other": "Другое (укажите)",
}
#: The reason that needs the clerk's own words.
FREE_TEXT_REASON = "other"

#: A postponed ticket's hold: the default and the bounds, in minutes.
HOLD_DEFAULT_MINUTES = 5
HOLD_MIN_MINUTES = 1
HOLD_MAX_MINUTES = 60


def hold_until(now: datetime, *, minutes: int) -> datetime:
    """When a ticket postponed now for `minutes` returns to the queue."""
    return now + timedelta(minutes=minutes)
