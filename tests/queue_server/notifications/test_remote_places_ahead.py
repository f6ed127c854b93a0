"""Places taken from the phone count in the others' estimates and "people ahead" (and so in
"your turn is near") where the dispatcher will call them: from the place's time on, ahead
of the live queue (R4); under the fifo policy, in the order of arrival."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_server.offices.models import Office
from tests.queue_server.bookings_helpers import at
from tests.queue_server.test_remote_queue import (
    MONDAY,
    call_next,
    check_in,
    issue,
    open_remote,
    status,
    take_window,
    taken,
)
from tests.support.world import World


def _finish(api: TestClient, world: World, ticket: dict[str, Any]) -> None:
    for step in ("start", "finish"):
        r = api.post(f"/api/v1/tickets/{ticket['id']}/{step}", headers=world.auth("clerk1"))
        assert r.status_code == 200, r.text


def _policy(world: World, policy: str) -> None:
    with world.db.transaction() as session:
        office = session.scalars(select(Office).where(Office.code == "central")).one()
        office.dispatch_policy = policy


def test_a_place_not_arrived_counts_where_the_dispatcher_will_call_it(
    api: TestClient, world: World
) -> None:
    """Passport takes 30 min at the one open window. Taken at 10:00 behind one applicant,
    the place's time is 10:30; a live ticket of 10:01 waits for the first one and then for
    the place, whose applicant goes first from 10:30 when they come."""
    take_window(api, world)
    open_remote(api, world)
    first = issue(api, world)
    place = taken(api)
    assert place["due_at"].startswith("2026-11-23T07:30")  # 10:30 Moscow
    world.clock.advance(minutes=1)
    second = issue(api, world)
    assert second["people_ahead"] == 1  # the place's time has not come: not ahead yet
    # …but its call is: the first at once, the place at 10:31, this one after the place.
    assert 58 <= second["estimated_wait_minutes"] <= 61
    assert call_next(api, world).json()["number"] == first["number"]

    world.clock.set(at(MONDAY, "10:31"))
    shown = status(api, second)
    assert shown["people_ahead"] == 1 and shown["position"] == 2  # the place, due now
    third = issue(api, world)
    assert third["people_ahead"] == 2  # the place and the second
    _finish(api, world, first)
    assert check_in(api, world, place["checkin_code"]).status_code == 200
    assert call_next(api, world).json()["number"] == place["number"]  # as counted
    assert status(api, second)["people_ahead"] == 0


def test_under_fifo_a_place_joins_in_the_order_of_arrival(api: TestClient, world: World) -> None:
    """The fifo policy calls in the order of arrival: a place whose applicant has not come
    is behind everyone already waiting, and so counts in nobody's "ahead"."""
    _policy(world, "fifo")
    take_window(api, world)
    open_remote(api, world)
    first = issue(api, world)
    place = taken(api)
    world.clock.advance(minutes=1)
    second = issue(api, world)
    assert call_next(api, world).json()["number"] == first["number"]
    world.clock.set(at(MONDAY, "10:31"))
    assert status(api, second)["people_ahead"] == 0
    _finish(api, world, first)
    assert check_in(api, world, place["checkin_code"]).status_code == 200
    # Arrived after the second: called after it. The place is not kept under fifo.
    assert call_next(api, world).json()["number"] == second["number"]
