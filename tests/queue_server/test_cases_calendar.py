"""Case deadlines on the production calendar: New Year holidays, transferred working days."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from queue_server.cases.deadlines import term_deadline, transfer_deadline
from queue_server.offices.models import Office, OfficeDay
from tests.support.world import World


def _office(world: World) -> Office:
    with world.db.transaction(read_only=True) as s:
        office = s.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        return office


@pytest.mark.parametrize(
    ("registered", "transfer"),
    [
        # 31.12.2026 (Thursday) is a day off transferred from 04.01.2026, then the New Year
        # holidays 1–8 January 2027 and a weekend: the next working day is 11.01.2027.
        (date(2026, 12, 29), date(2026, 12, 30)),
        (date(2026, 12, 30), date(2027, 1, 11)),
        (date(2026, 12, 31), date(2027, 1, 11)),
        (date(2027, 1, 4), date(2027, 1, 11)),
        # Friday → Monday; Saturday registration → Monday.
        (date(2026, 11, 27), date(2026, 11, 30)),
        (date(2026, 11, 28), date(2026, 11, 30)),
    ],
)
def test_transfer_is_due_the_next_working_day(
    world: World, registered: date, transfer: date
) -> None:
    """R11: the transfer deadline on the office calendar is the next working day."""
    office = _office(world)
    with world.db.transaction(read_only=True) as s:
        got = transfer_deadline(
            session=s, office=office, registered_on=registered, courier_weekdays=[]
        )
    assert got == transfer


def test_term_counts_working_days_across_the_new_year(world: World) -> None:
    """R11: the agency's term counts working days across the New Year holidays."""
    office = _office(world)
    with world.db.transaction(read_only=True) as s:
        # 25.12.2026 (Fri) + 10 working days: 28, 29, 30 Dec, then 11–15, 18, 19 Jan.
        assert term_deadline(
            session=s, office=office, registered_on=date(2026, 12, 25), working_days=10
        ) == date(2027, 1, 19)
        # 30 working days from 23.11.2026 (Mon).
        assert term_deadline(
            session=s, office=office, registered_on=date(2026, 11, 23), working_days=30
        ) == date(2027, 1, 13)


def test_a_transferred_working_saturday_counts(world: World) -> None:
    """R11: a transferred working Saturday counts, its transferred day off does not."""
    office = _office(world)
    with world.db.transaction(read_only=True) as s:
        # 1 November 2025 was a working Saturday (transferred from 3 November).
        assert transfer_deadline(
            session=s, office=office, registered_on=date(2025, 10, 31), courier_weekdays=[]
        ) == date(2025, 11, 1)
        # and 3 November 2025 (Monday) was the transferred day off.
        assert transfer_deadline(
            session=s, office=office, registered_on=date(2025, 11, 1), courier_weekdays=[]
        ) == date(2025, 11, 5)


def test_office_overrides_and_courier_days(world: World) -> None:
    """R11: the office's closed days and its courier weekdays move the transfer."""
    office = _office(world)
    with world.db.transaction() as s:
        s.add(
            OfficeDay(
                office_id=office.id, day=date(2026, 11, 24), is_open=False, note="санобработка"
            )
        )
    with world.db.transaction(read_only=True) as s:
        assert transfer_deadline(
            session=s, office=office, registered_on=date(2026, 11, 23), courier_weekdays=[]
        ) == date(2026, 11, 25)
        # Courier on Mondays and Fridays: the first courier working day from the next one.
        assert transfer_deadline(
            session=s,
            office=office,
            registered_on=date(2026, 11, 23),
            courier_weekdays=["mon", "fri"],
        ) == date(2026, 11, 27)
        # Across New Year: the first courier Monday after the holidays.
        assert transfer_deadline(
            session=s, office=office, registered_on=date(2026, 12, 31), courier_weekdays=["mon"]
        ) == date(2027, 1, 11)
