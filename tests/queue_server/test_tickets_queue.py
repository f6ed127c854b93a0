"""The queue in call order: a ticket's place (people ahead) follows the dispatcher (R4)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import and_, func, or_, select

from queue_server.tickets.models import WAITING, Ticket
from tests.queue_server.test_dispatcher import book, call_order, check_in
from tests.queue_server.test_tickets_api import issue, take
from tests.support.world import World


def simple_order_ahead(world: World, ticket_id: int) -> int:
    """The position the old code printed: priorities first, then the earliest deadline.

    Kept here only to show where it disagreed with the calls; the server no longer has it.
    """
    with world.db.transaction(read_only=True) as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        earlier = or_(
            Ticket.deadline < ticket.deadline,
            and_(Ticket.deadline == ticket.deadline, Ticket.id < ticket.id),
        )
        if ticket.priority_rank is None:
            before = or_(Ticket.priority_rank.is_not(None), earlier)
        else:
            before = and_(Ticket.priority_rank.is_not(None), earlier)
        return int(
            s.scalar(
                select(func.count())
                .select_from(Ticket)
                .where(
                    Ticket.service_id == ticket.service_id,
                    Ticket.status == WAITING,
                    Ticket.id != ticket.id,
                    before,
                )
            )
            or 0
        )


def status(api: TestClient, ticket: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = api.get(f"/api/v1/tickets/status/{ticket['status_code']}").json()
    return body


def test_r4_an_early_booking_is_behind_the_live_ticket_on_paper_as_in_the_calls(
    api: TestClient, world: World
) -> None:
    """R4: a booking checked in before its slot waits behind the live queue until the slot.

    Its deadline (slot + 5 min) is earlier than the live ticket's, so the old order printed
    the live applicant a person ahead who was in fact called after them.
    """
    code = book(api, world, "passport", slot_in_minutes=5)
    booked = check_in(api, world, code)  # 10:00, slot 10:05: deadline 10:10
    live = issue(api, world, "passport")  # 10:00: deadline 10:15
    assert simple_order_ahead(world, live["id"]) == 1  # what the old code would have printed
    assert live["people_ahead"] == 0 and live["position"] == 1
    assert status(api, booked)["people_ahead"] == 1
    take(api, world, 1, "clerk1")
    assert call_order(api, world, 1, "clerk1", 2) == [live["number"], booked["number"]]


def test_r4_a_due_booking_is_ahead_of_a_priority_ticket_on_paper_as_in_the_calls(
    api: TestClient, world: World
) -> None:
    """R4: once its slot has come, a booking goes before priority categories too."""
    code = book(api, world, "passport", slot_in_minutes=0)
    world.clock.advance(minutes=2)
    priority = issue(api, world, "passport", priority_category="disabled")  # deadline 10:17
    world.clock.advance(minutes=3)
    booked = check_in(api, world, code)  # 10:05, slot 10:00: due now, deadline 10:10
    assert simple_order_ahead(world, booked["id"]) == 1
    assert booked["people_ahead"] == 0
    assert status(api, priority)["people_ahead"] == 1
    take(api, world, 1, "clerk1")
    assert call_order(api, world, 1, "clerk1", 2) == [booked["number"], priority["number"]]


def test_priority_tickets_are_counted_by_rank_as_in_the_calls(
    api: TestClient, world: World
) -> None:
    """Among priority categories the lower rank is called first, whatever the deadlines."""
    family = issue(api, world, "passport", priority_category="large_family")  # rank 2
    world.clock.advance(minutes=1)
    disabled = issue(api, world, "passport", priority_category="disabled")  # rank 1
    assert simple_order_ahead(world, disabled["id"]) == 1
    assert disabled["people_ahead"] == 0
    assert status(api, family)["people_ahead"] == 1
    take(api, world, 1, "clerk1")
    assert call_order(api, world, 1, "clerk1", 2) == [disabled["number"], family["number"]]


def test_the_queue_gives_the_estimate_for_a_ticket_taken_now(api: TestClient, world: World) -> None:
    """The kiosk's "served before closing?" warning uses this figure, not its own formula."""
    take(api, world, 1, "clerk1")
    issue(api, world), issue(api, world)
    queue = api.get("/api/v1/offices/central/queue", headers=world.auth("kiosk")).json()
    passport = next(s for s in queue["services"] if s["service"] == "passport")
    assert passport["estimated_wait_minutes"] == 60  # 2 waiting × 30 min ÷ 1 staffed window
    third = issue(api, world)
    assert third["estimated_wait_minutes"] == passport["estimated_wait_minutes"]
