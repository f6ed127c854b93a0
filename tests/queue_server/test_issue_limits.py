"""Item 8 of issue 13: kiosk issuing is rate-limited per device, and a refusal is cheap.

"Cheap" is shown by behaviour, not timing: while another transaction holds the office's
write lock (SQLite: the database write lock; PostgreSQL: the row lock of the day's number
counter), a refused request is still answered, so it never queued behind the clerks.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.offices.models import Office
from queue_server.tickets import issuing
from queue_server.tickets.models import Ticket, TicketCounter
from tests.queue_server.test_tickets_api import assert_error
from tests.support.app import make_client
from tests.support.world import World

TICKETS = "/api/v1/offices/central/tickets"


@pytest.fixture
def limited(world: World) -> Iterator[TestClient]:
    """The app with a kiosk limit of 3 tickets a minute."""
    with make_client(world, kiosk_tickets_per_minute=3) as client:
        yield client


def ask(api: TestClient, world: World, who: str = "kiosk", **body: Any) -> Any:
    return api.post(TICKETS, json={"service": "passport", **body}, headers=world.auth(who))


def test_a_kiosk_over_its_rate_gets_429_with_retry_after(limited: TestClient, world: World) -> None:
    assert [ask(limited, world).status_code for _ in range(3)] == [201] * 3
    world.clock.advance(seconds=20)
    refused = ask(limited, world)
    error = assert_error(refused, 429, "too_many_tickets")
    assert "терминала" in error["message"]
    assert refused.headers["Retry-After"] == "40"  # the first ticket leaves the minute then
    world.clock.advance(seconds=40)
    assert ask(limited, world).status_code == 201


def test_the_limit_is_per_device_and_staff_are_not_limited(
    limited: TestClient, world: World
) -> None:
    for _ in range(3):
        ask(limited, world)
    assert ask(limited, world).status_code == 429
    assert ask(limited, world, "manager").status_code == 201
    north = limited.post(
        "/api/v1/offices/north/tickets",
        json={"service": "passport"},
        headers=world.auth("north_kiosk"),
    )
    assert north.status_code == 201


def test_a_replayed_key_is_answered_even_over_the_rate(limited: TestClient, world: World) -> None:
    first = ask(limited, world, idempotency_key="tap-0000001")
    ask(limited, world), ask(limited, world)
    again = ask(limited, world, idempotency_key="tap-0000001")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]


def test_a_refused_ticket_writes_nothing(limited: TestClient, world: World) -> None:
    for _ in range(3):
        ask(limited, world)
    for _ in range(5):
        ask(limited, world)
    with world.db.transaction(read_only=True) as s:
        assert len(s.scalars(select(Ticket)).all()) == 3
        assert s.scalar(select(TicketCounter.last_seq)) == 3


def exhaust_passport_numbers(world: World) -> None:
    """All 999 numbers of prefix А held by waiting tickets (issued by staff)."""
    with world.db.transaction() as s:
        office = s.scalar(select(Office).where(Office.code == "central"))
        admin = s.scalar(select(User).where(User.username == "admin"))
        assert office is not None and admin is not None
        staff = Principal("user", admin.id, "admin", None, "admin")
        for _ in range(999):
            issuing.issue_ticket(
                session=s,
                clock=world.clock,
                office=office,
                principal=staff,
                service_code="passport",
            )


def answered_while_the_write_lock_is_held(api: TestClient, world: World) -> Any:
    """Ask for a passport ticket while another transaction holds the office's write lock."""
    answers: list[Any] = []
    with world.db.transaction() as holder:
        # SQLite: this transaction holds the write lock (BEGIN IMMEDIATE). PostgreSQL: it
        # holds the day's counter row, which every issue of prefix А must lock to number.
        holder.scalars(select(TicketCounter).with_for_update()).all()
        asking = threading.Thread(target=lambda: answers.append(ask(api, world)), daemon=True)
        asking.start()
        asking.join(timeout=20)
        assert answers, "the refusal waited for the write lock"
    return answers[0]


def test_numbers_used_up_is_refused_without_the_write_lock(api: TestClient, world: World) -> None:
    exhaust_passport_numbers(world)
    refused = answered_while_the_write_lock_is_held(api, world)
    error = assert_error(refused, 409, "numbers_exhausted")
    assert "заняты" in error["message"]


def test_over_the_rate_is_refused_without_the_write_lock(limited: TestClient, world: World) -> None:
    for _ in range(3):
        ask(limited, world)
    assert_error(answered_while_the_write_lock_is_held(limited, world), 429, "too_many_tickets")


def test_closed_is_refused_without_the_write_lock(api: TestClient, world: World) -> None:
    world.clock.advance(timedelta(hours=10))  # 20:00 Moscow: closed
    assert_error(answered_while_the_write_lock_is_held(api, world), 409, "office_closed")


def test_after_the_wrap_the_next_free_number_is_found_at_once(
    api: TestClient, world: World
) -> None:
    """With all but two numbers held, the next issues get exactly those two, then a refusal."""
    exhaust_passport_numbers(world)
    with world.db.transaction() as s:
        for number in ("А005", "А010"):
            ticket = s.scalar(select(Ticket).where(Ticket.number == number))
            assert ticket is not None
            ticket.status = "done"
    assert ask(api, world, "manager").json()["number"] == "А005"
    assert ask(api, world, "manager").json()["number"] == "А010"
    assert_error(ask(api, world, "manager"), 409, "numbers_exhausted")
    with world.db.transaction(read_only=True) as s:
        assert s.scalar(select(TicketCounter.last_seq)) == 999 + 10
