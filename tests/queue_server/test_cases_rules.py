"""The case rules of `queue_server.cases.rules` alone: dates and figures, no database."""

from __future__ import annotations

from datetime import date

import pytest

from queue_server.cases.rules import (
    DEFAULT_STORAGE_DAYS,
    agency_due,
    agency_term,
    is_overdue,
    storage_until,
    transfer_due,
)
from queue_server.catalogue.models import Service, ServiceVariant
from queue_server.offices.models import OfficeDay

RU = "RU"


def _closed(day: date) -> dict[date, OfficeDay]:
    return {day: OfficeDay(office_id=1, day=day, is_open=False, note="санобработка")}


@pytest.mark.parametrize(
    ("registered", "due"),
    [
        (date(2026, 11, 23), date(2026, 11, 24)),  # Monday → Tuesday
        (date(2026, 11, 27), date(2026, 11, 30)),  # Friday → Monday
        (date(2026, 11, 28), date(2026, 11, 30)),  # Saturday → Monday
        (date(2026, 12, 30), date(2027, 1, 11)),  # over the New Year holidays
    ],
)
def test_r11_transfer_is_due_the_next_working_day(registered: date, due: date) -> None:
    """R11: the case goes to the agency no later than the next working day."""
    assert (
        transfer_due(country=RU, registered_on=registered, courier_weekdays=[], overrides={}) == due
    )


def test_r11_transfer_skips_a_day_the_office_is_closed() -> None:
    """R11: an office's own closed day is not a working day for the transfer."""
    got = transfer_due(
        country=RU,
        registered_on=date(2026, 11, 23),
        courier_weekdays=[],
        overrides=_closed(date(2026, 11, 24)),
    )
    assert got == date(2026, 11, 25)


def test_r11_transfer_waits_for_the_first_courier_working_day() -> None:
    """R11: with a courier schedule the case leaves on the first courier day from the next one."""
    monday = date(2026, 11, 23)
    assert transfer_due(
        country=RU, registered_on=monday, courier_weekdays=["wed", "fri"], overrides={}
    ) == date(2026, 11, 25)
    assert transfer_due(
        country=RU, registered_on=monday, courier_weekdays=["mon"], overrides={}
    ) == date(2026, 11, 30)
    # A courier day that is a holiday does not count: the next courier Monday after them.
    assert transfer_due(
        country=RU, registered_on=date(2026, 12, 31), courier_weekdays=["mon"], overrides={}
    ) == date(2027, 1, 11)


def test_r11_agency_term_is_the_variants_else_the_services() -> None:
    """R11: the agency's term in working days comes from the variant when it has one."""
    service = Service(term_working_days=10)
    assert agency_term(service, None) == 10
    assert agency_term(service, ServiceVariant(term_working_days=30)) == 30
    assert agency_term(service, ServiceVariant(term_working_days=None)) == 10
    assert agency_term(Service(term_working_days=None), None) is None


def test_r11_agency_deadline_counts_working_days() -> None:
    """R11: the agency's deadline is counted in working days of the production calendar."""
    # 25.12.2026 (Fri) + 10 working days: 28, 29, 30 Dec, then 11–15, 18, 19 Jan.
    assert agency_due(
        country=RU, registered_on=date(2026, 12, 25), working_days=10, overrides={}
    ) == date(2027, 1, 19)
    assert agency_due(
        country=RU,
        registered_on=date(2026, 11, 23),
        working_days=2,
        overrides=_closed(date(2026, 11, 24)),
    ) == date(2026, 11, 26)


def test_r14_uncollected_result_is_kept_for_the_storage_period() -> None:
    """R14: the storage period counts calendar days from the day the result is ready."""
    assert DEFAULT_STORAGE_DAYS == 30
    assert storage_until(date(2026, 11, 23), DEFAULT_STORAGE_DAYS) == date(2026, 12, 23)
    assert storage_until(date(2026, 12, 31), 1) == date(2027, 1, 1)


def test_r11_r14_a_deadline_is_missed_only_after_its_day() -> None:
    """R11, R14: on the due date itself nothing is late yet; the next day it is."""
    due = date(2026, 11, 24)
    assert not is_overdue(due, date(2026, 11, 23))
    assert not is_overdue(due, due)
    assert is_overdue(due, date(2026, 11, 25))
