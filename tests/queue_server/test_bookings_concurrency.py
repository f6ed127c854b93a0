"""No double booking past capacity under real concurrency, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from queue_server.bookings import service as bookings
from queue_server.bookings.models import Booking, BookingServiceRule
from queue_server.catalogue.models import Service
from queue_server.errors import DomainError
from queue_server.offices.models import Office
from tests.queue_server.bookings_helpers import at
from tests.queue_server.test_concurrency import run_at_once
from tests.support.world import World

TUESDAY = "2026-11-24"


def _office_id(world: World) -> int:
    with world.db.transaction(read_only=True) as s:
        office_id = s.scalar(select(Office.id).where(Office.code == "central"))
        assert office_id is not None
        return office_id


def _book(world: World, office_id: int, hhmm: str, phone: str, service: str = "passport") -> str:
    """Book in a transaction of its own; the error code when refused."""
    try:
        with world.db.transaction() as s:
            office = s.get(Office, office_id)
            assert office is not None
            bookings.create_booking(
                session=s,
                clock=world.clock,
                office=office,
                service_code=service,
                slot_start=at(TUESDAY, hhmm),
                applicant_name="Гонка",
                phone=phone,
            )
        return "ok"
    except DomainError as exc:
        return exc.code


def _holding(world: World) -> int:
    with world.db.transaction(read_only=True) as s:
        return (
            s.scalar(select(func.count()).select_from(Booking).where(Booking.status == "booked"))
            or 0
        )


def test_thirty_applicants_racing_for_a_slot_of_three(any_world: World) -> None:
    world = any_world
    office_id = _office_id(world)
    with world.db.transaction() as s:
        passport = s.scalar(select(Service.id).where(Service.code == "passport"))
        s.add(BookingServiceRule(office_id=office_id, service_id=passport, capacity_per_slot=3))
    results = run_at_once(30, lambda i: _book(world, office_id, "10:15", f"+7 900 000-00-{i:02d}"))
    assert sorted(results).count("ok") == 3
    assert set(results) == {"ok", "slot_full"}
    assert _holding(world) == 3


def test_one_person_booking_many_slots_at_once_gets_the_daily_limit(any_world: World) -> None:
    world = any_world
    office_id = _office_id(world)
    times = [f"{h:02d}:{m:02d}" for h in range(10, 13) for m in (0, 15, 30, 45)][:12]
    results = run_at_once(12, lambda i: _book(world, office_id, times[i], "+7 916 123-45-67"))
    assert results.count("ok") == 2  # max_per_person_per_day
    assert set(results) == {"ok", "person_limit"}
    assert _holding(world) == 2


def test_reschedules_and_new_bookings_racing_for_the_last_place(any_world: World) -> None:
    world = any_world
    office_id = _office_id(world)
    codes = []
    for i in range(6):
        with world.db.transaction() as s:
            office = s.get(Office, office_id)
            assert office is not None
            codes.append(
                bookings.create_booking(
                    session=s,
                    clock=world.clock,
                    office=office,
                    service_code="passport",
                    slot_start=at(TUESDAY, f"1{i}:00"),
                    applicant_name="Перенос",
                    phone=f"+7 901 000-00-{i:02d}",
                ).code
            )

    def move_or_book(i: int) -> str:
        if i < 6:
            try:
                with world.db.transaction() as s:
                    bookings.reschedule_booking(
                        session=s, clock=world.clock, code=codes[i], slot_start=at(TUESDAY, "17:30")
                    )
                return "ok"
            except DomainError as exc:
                return exc.code
        return _book(world, office_id, "17:30", f"+7 902 000-00-{i:02d}")

    results = run_at_once(12, move_or_book)
    assert results.count("ok") == 1  # passport: one place per slot
    with world.db.transaction(read_only=True) as s:
        at_1730 = s.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.slot_start == at(TUESDAY, "17:30"), Booking.status == "booked")
        )
    assert at_1730 == 1
