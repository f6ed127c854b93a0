"""The regulation's figures and calculations for cases, one place each (DOMAIN.md R9–R14).

Pure functions of dates and figures: the callers load the office's calendar
overrides (`cases.deadlines`) and its settings, so each rule can be tested alone.
Registration itself (R9) is immediate: a case is registered, with date and time,
at the moment the clerk saves the intake, so no "first working day" is computed.
"""

from __future__ import annotations

from datetime import date, timedelta

from queue_server.catalogue.models import Service, ServiceVariant
from queue_server.offices.calendar import WEEKDAYS, add_working_days, is_working_day
from queue_server.offices.models import OfficeDay

# R14: how many calendar days an uncollected result is kept before it goes to storage
# (001 §5.4); the office may set its own period in the case settings.
DEFAULT_STORAGE_DAYS = 30
# R11: the case goes to the agency no later than this many working days after registration.
TRANSFER_WORKING_DAYS = 1
# R12: the agency hands the result over within this many working days of preparing it.
HANDOVER_WORKING_DAYS = 1
# A courier schedule names weekdays; a year of days always contains one of them.
_COURIER_SEARCH_DAYS = 366


def transfer_due(
    *,
    country: str,
    registered_on: date,
    courier_weekdays: list[str],
    overrides: dict[date, OfficeDay],
) -> date:
    """R11: the next working day; with a courier schedule, the first courier day from then."""
    day = add_working_days(country, registered_on, TRANSFER_WORKING_DAYS, overrides)
    if not courier_weekdays:
        return day
    for _ in range(_COURIER_SEARCH_DAYS):
        if WEEKDAYS[day.weekday()] in courier_weekdays and is_working_day(country, day, overrides):
            return day
        day += timedelta(days=1)
    return day


def agency_term(service: Service, variant: ServiceVariant | None) -> int | None:
    """R11: the agency's term in working days: the variant's own term, else the service's."""
    if variant is not None and variant.term_working_days is not None:
        return variant.term_working_days
    return service.term_working_days


def agency_due(
    *, country: str, registered_on: date, working_days: int, overrides: dict[date, OfficeDay]
) -> date:
    """R11: the agency's deadline, `working_days` working days after registration."""
    return add_working_days(country, registered_on, working_days, overrides)


def storage_until(ready_on: date, storage_days: int) -> date:
    """R14: the last day an uncollected result waits at the window (calendar days)."""
    return ready_on + timedelta(days=storage_days)


def is_overdue(due: date, today: date) -> bool:
    """R11/R14: a deadline is missed only once its whole day has passed."""
    return today > due


def handover_due(
    *, country: str, prepared_on: date, overrides: dict[date, OfficeDay] | None = None
) -> date:
    """R12: the last day the result may reach the MFC: the working day after it was prepared."""
    return add_working_days(country, prepared_on, HANDOVER_WORKING_DAYS, overrides)


def may_ask_why(status: str, due: date | None, today: date) -> bool:
    """R11: an explanation is asked of an agency still holding the case past its term."""
    return status in ("registered", "sent_to_agency") and due is not None and is_overdue(due, today)
