"""Ticket numbers: per office, prefix and day; wrap after 999 without reusing a live number."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_server.tickets.models import TicketCounter
from queue_server.tickets.numbering import format_number
from tests.queue_server.test_tickets_api import issue
from tests.support.world import World


def test_format_wraps_after_999() -> None:
    assert format_number("А", 1) == "А001"
    assert format_number("А", 999) == "А999"
    assert format_number("А", 1000) == "А001"
    assert format_number("Б", 1998) == "Б999"


def set_counter(world: World, prefix: str, value: int) -> None:
    with world.db.transaction() as s:
        counter = s.scalar(select(TicketCounter).where(TicketCounter.prefix == prefix))
        assert counter is not None
        counter.last_seq = value


def test_after_999_numbering_wraps_to_001(api: TestClient, world: World) -> None:
    first = issue(api, world)
    api.post(f"/api/v1/tickets/{first['id']}/cancel", headers=world.auth("manager"))
    set_counter(world, "А", 998)
    assert issue(api, world)["number"] == "А999"
    assert issue(api, world)["number"] == "А001"  # the old А001 left the queue


def test_wrap_skips_numbers_still_in_the_queue(api: TestClient, world: World) -> None:
    issue(api, world)  # А001 keeps waiting
    set_counter(world, "А", 999)
    assert issue(api, world)["number"] == "А002"


def test_numbers_restart_each_local_day_and_are_per_office(api: TestClient, world: World) -> None:
    issue(api, world), issue(api, world)
    r = api.post(
        "/api/v1/offices/north/tickets",
        json={"service": "passport"},
        headers=world.auth("north_kiosk"),
    )
    assert r.json()["number"] == "А001"
    world.clock.advance(timedelta(days=1))
    assert issue(api, world)["number"] == "А001"
    with world.db.transaction(read_only=True) as s:
        days = sorted({c.day for c in s.scalars(select(TicketCounter))})
    assert days == [date(2026, 11, 23), date(2026, 11, 24)]


def test_when_every_number_is_in_the_queue_the_refusal_is_clear(
    api: TestClient, world: World
) -> None:
    from queue_server.tickets.models import Ticket

    issue(api, world)
    with world.db.transaction() as s:
        template = s.scalar(select(Ticket))
        assert template is not None
        for seq in range(2, 1000):  # А002 … А999 all waiting
            s.add(
                Ticket(
                    **{
                        c: getattr(template, c)
                        for c in (
                            "office_id",
                            "service_id",
                            "day",
                            "prefix",
                            "status",
                            "issued_at",
                            "waiting_since",
                            "warn_at",
                            "deadline",
                        )
                    },
                    seq=seq,
                    number=format_number("А", seq),
                    status_code=f"code{seq}",
                )
            )
    set_counter(world, "А", 999)
    r = api.post(
        "/api/v1/offices/central/tickets", json={"service": "passport"}, headers=world.auth("kiosk")
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "numbers_exhausted"
    with world.db.transaction(read_only=True) as s:
        counter = s.scalar(select(TicketCounter))
        assert counter is not None and counter.last_seq == 999  # the refused attempt left no trace
