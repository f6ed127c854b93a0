"""The regulation's figures for complaints, one place each (DOMAIN.md R17; 003 §110, §116).

Pure functions of dates: the callers load the office's calendar overrides, so each rule
can be tested alone. Terms are counted in working days of the production calendar
(holidays and transferred days included), as for cases.
"""

from __future__ import annotations

from datetime import date, timedelta

from queue_server.offices.calendar import add_working_days, is_working_day
from queue_server.offices.models import OfficeDay

# What a complaint is about. The two "short" ones are answered in 5 working days.
WAITING = "waiting"
REFUSED_INTAKE = "refused_intake"
DOCUMENT_ERROR = "document_error"
CONDUCT = "conduct"
OTHER = "other"
CATEGORIES = (WAITING, REFUSED_INTAKE, DOCUMENT_ERROR, CONDUCT, OTHER)
CATEGORY_RU = {
    WAITING: "время ожидания",
    REFUSED_INTAKE: "отказ в приёме документов",
    DOCUMENT_ERROR: "ошибка в выданных документах (не исправлена)",
    CONDUCT: "поведение сотрудника",
    OTHER: "другое",
}

# R17: registered no later than the working day after it was received (003 §110).
# The public form's per-address count runs over fixed windows of this length (the
# limit itself is the operator's, MFCQ_PUBLIC_COMPLAINTS_PER_HOUR).
PUBLIC_FORM_WINDOW = timedelta(hours=1)
REGISTRATION_WORKING_DAYS = 1
# R17: answered within 15 working days of registration…
ANSWER_WORKING_DAYS = 15
# …or 5 when it is about a refused intake or an error left uncorrected (003 §110).
SHORT_ANSWER_WORKING_DAYS = 5
SHORT_TERM_CATEGORIES = (REFUSED_INTAKE, DOCUMENT_ERROR)
# The dashboard and the events warn this many working days before the answer is due.
NEAR_DUE_WORKING_DAYS = 2

# A term is at most 15 working days: no stretch of the calendar is this long without one.
_SEARCH_DAYS = 120


def answer_term(category: str) -> int:
    """R17: the answer's term in working days for a complaint of this category."""
    return SHORT_ANSWER_WORKING_DAYS if category in SHORT_TERM_CATEGORIES else ANSWER_WORKING_DAYS


def registration_due(
    *, country: str, received_on: date, overrides: dict[date, OfficeDay] | None = None
) -> date:
    """R17: the last day the complaint may be registered: the working day after receipt."""
    return add_working_days(country, received_on, REGISTRATION_WORKING_DAYS, overrides)


def answer_due(
    *,
    country: str,
    registered_on: date,
    category: str,
    overrides: dict[date, OfficeDay] | None = None,
) -> date:
    """R17: the last day of the answer: 15 (or 5) working days after registration."""
    return add_working_days(country, registered_on, answer_term(category), overrides)


def warn_from(*, country: str, due: date, overrides: dict[date, OfficeDay] | None = None) -> date:
    """The first day a complaint is near its term: NEAR_DUE_WORKING_DAYS working days before."""
    day = due
    remaining = NEAR_DUE_WORKING_DAYS
    for _ in range(_SEARCH_DAYS):
        if remaining == 0:
            break
        day -= timedelta(days=1)
        if is_working_day(country, day, overrides):
            remaining -= 1
    return day


def is_late(due: date, on: date) -> bool:
    """A term is missed only once its whole last day has passed."""
    return on > due


def deadline_state(*, today: date, warn_on: date, due: date) -> str:
    """'ok', 'near' (within the warning days) or 'overdue' for an open complaint."""
    if is_late(due, today):
        return "overdue"
    if today >= warn_on:
        return "near"
    return "ok"
