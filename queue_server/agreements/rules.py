"""The regulation's figures for agency agreements, one place each (DOMAIN.md R18; 000 §5.2, §9–10).

Which services R18 binds: every service whose case goes to an agency. "Each agency
serves through the MFC under an agreement listing its services": an agency with no
agreement on record (a fresh install before its agreements are entered) has none of its
services taken, exactly as one whose agreements all ended; the agreements page and the
refusal say so. A service with no agency (a consultation, the MFC's own) is not bound.
"""

from __future__ import annotations

from datetime import date, timedelta

# R18: an agreement is valid for at most one year.
MAX_VALIDITY_YEARS = 1
# The dashboard and an event warn this many days before an agreement ends.
EXPIRY_WARNING_DAYS = 30


def last_allowed_day(valid_from: date) -> date:
    """R18: the latest `valid_to` an agreement starting on `valid_from` may have (one year)."""
    try:
        anniversary = valid_from.replace(year=valid_from.year + MAX_VALIDITY_YEARS)
    except ValueError:  # 29 February: the anniversary is 1 March
        anniversary = date(valid_from.year + MAX_VALIDITY_YEARS, 3, 1)
    return anniversary - timedelta(days=1)


def term_problem(valid_from: date, valid_to: date) -> str | None:
    """R18: what is wrong with the dates, in words for people; None when they are right."""
    if valid_to < valid_from:
        return "Дата окончания соглашения раньше даты начала."
    if valid_to > last_allowed_day(valid_from):
        limit = last_allowed_day(valid_from).strftime("%d.%m.%Y")
        return (
            "Соглашение заключается не более чем на один год: при начале "
            f"{valid_from.strftime('%d.%m.%Y')} оно должно закончиться не позднее {limit}."
        )
    return None


def is_valid_on(valid_from: date, valid_to: date, day: date) -> bool:
    """R18: whether the agreement is in force on the local date `day` (both ends included)."""
    return valid_from <= day <= valid_to


def days_left(valid_to: date, today: date) -> int:
    """Days from today to the agreement's last day (0 on the last day, negative after)."""
    return (valid_to - today).days


def expires_soon(valid_from: date, valid_to: date, today: date) -> bool:
    """R18: in force today and ending within EXPIRY_WARNING_DAYS."""
    return (
        is_valid_on(valid_from, valid_to, today)
        and days_left(valid_to, today) <= EXPIRY_WARNING_DAYS
    )
