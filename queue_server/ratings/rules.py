"""R8: how applicants rate a finished visit, as МФЦ are assessed ("Ваш контроль" style).

Every figure of the rating lives here; the service and the reports read it from here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

#: The five criteria and their Russian names (as the federal assessment asks them).
CRITERIA: dict[str, str] = {
    "waiting": "Время ожидания в очереди",
    "courtesy": "Вежливость и компетентность сотрудника",
    "comfort": "Комфортность условий в помещении",
    "information": "Доступность информации о порядке получения услуги",
    "service_time": "Время предоставления услуги",
}
MARK_MIN = 1
MARK_MAX = 5
#: A mark at or under this is a low mark (1–2): the report lists the tickets it came from.
LOW_MARK_MAX = 2
#: How long after the end of service the applicant may rate it from the ticket's page.
RATING_OPEN_HOURS = 72
#: How long after the end of service the window's rating screen or keypad offers the ticket.
WINDOW_RATING_MINUTES = 5


def is_low(marks: dict[str, int | None]) -> bool:
    """Whether any mark given is low (1–2)."""
    return any(m is not None and m <= LOW_MARK_MAX for m in marks.values())


def may_still_rate(*, finished_at: datetime, now: datetime) -> bool:
    """Whether a ticket finished at `finished_at` may still be rated on its page."""
    return now - finished_at <= timedelta(hours=RATING_OPEN_HOURS)


def offered_at_window(*, finished_at: datetime, now: datetime) -> bool:
    """Whether the window's screen or keypad still offers the ticket finished then."""
    return now - finished_at <= timedelta(minutes=WINDOW_RATING_MINUTES)
