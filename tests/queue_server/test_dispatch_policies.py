"""The dispatch policies (issue 14): the regulation's order, FIFO and the guarded order, in
the real calls, in the estimate's replay (the same order in Python) and in simulated days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_server.offices.models import Office
from queue_server.simulation.config import SimConfig
from queue_server.simulation.policies import PolicyResult, run_policy
from queue_server.tickets.dispatcher import call_key, key_changes
from queue_server.tickets.estimates import load_live_queue
from queue_server.tickets.models import Ticket
from queue_server.tickets.rules import OpenWindow, QueuedTicket, replay_calls
from tests.queue_server.test_dispatcher import book, check_in
from tests.queue_server.test_tickets_api import call, issue, take
from tests.support.world import World


def set_policy(world: World, policy: str, guard_minutes: int = 3) -> None:
    with world.db.transaction() as session:
        office = session.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        office.dispatch_policy, office.dispatch_guard_minutes = policy, guard_minutes


def serve_next(api: TestClient, world: World, window: int, clerk: str) -> str:
    """Call, start and finish at once; the number called."""
    ticket = call(api, world, window, clerk)
    for step in ("start", "finish"):
        api.post(f"/api/v1/tickets/{ticket['id']}/{step}", headers=world.auth(clerk))
    number: str = ticket["number"]
    return number


@pytest.mark.parametrize(
    ("policy", "minutes", "first"),
    [
        ("deadline", 12, "priority"),  # R4's order: the priority category always first
        ("guarded", 11, "priority"),  # 4 min from the limit: not yet guarded
        ("guarded", 12, "live"),  # 3 min from the limit: the live applicant goes first
        ("fifo", 0, "live"),
    ],
)
def test_r1_the_guarded_policy_keeps_a_live_ticket_within_its_limit(
    api: TestClient, world: World, policy: str, minutes: int, first: str
) -> None:
    """R1 (15 min) against R4's priority order: under the guarded policy a live ticket
    within 3 minutes of its limit is called before a priority ticket; otherwise not."""
    set_policy(world, policy)
    live = issue(api, world)  # deadline in 15 min
    world.clock.advance(minutes=minutes)
    priority = issue(api, world, priority_category="disabled")
    take(api, world, 1, "clerk1")
    numbers = {"live": live["number"], "priority": priority["number"]}
    assert serve_next(api, world, 1, "clerk1") == numbers[first]


def test_r4_the_guarded_policy_does_not_hold_priority_behind_a_wait_already_lost(
    api: TestClient, world: World
) -> None:
    """R1 against R4 under overload: the guard protects only a wait that can still be kept.
    A live ticket past its limit goes back to the live queue (behind the priority
    category); a live ticket 2 minutes from its limit still goes first; and the estimate's
    replay gives the same order as the real calls."""
    set_policy(world, "guarded")
    lost = issue(api, world)  # its limit passes at 15 min
    world.clock.advance(minutes=4)
    keepable = issue(api, world)  # 2 min from its limit at 17 min
    world.clock.advance(minutes=10)
    priority = issue(api, world, priority_category="disabled")
    world.clock.advance(minutes=3)  # now 17 min: `lost` is 2 min past its limit
    take(api, world, 1, "clerk1")
    with world.db.transaction(read_only=True) as session:
        office = session.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        live = load_live_queue(session=session, office=office, now=world.clock.now())
        key, now = call_key(office), world.clock.now()
        replayed = [t.id for t in sorted(live.waiting, key=lambda t: key(t, 1, now))]
    called = [serve_next(api, world, 1, "clerk1") for _ in range(3)]
    assert called == [keepable["number"], priority["number"], lost["number"]]
    assert replayed == [keepable["id"], priority["id"], lost["id"]]


def test_r4_the_replay_sees_a_guarded_wait_pass_its_limit() -> None:
    """The estimate's replay re-orders a ticket when its limit passes (guarded): ahead of
    a priority ticket while its wait can be kept, behind it once it is lost."""
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    minute = timedelta(minutes=1)
    live = QueuedTicket(id=1, service_id=1, waiting_since=start, deadline=start + 15 * minute)
    priority = QueuedTicket(
        id=2, service_id=1, waiting_since=start, deadline=start + 30 * minute, priority_rank=1
    )
    office = Office(code="x", name="x", dispatch_policy="guarded", dispatch_guard_minutes=3)

    def first_called(free_in_minutes: int) -> int:
        called = replay_calls(
            now=start,
            tickets=[live, priority],
            windows=[OpenWindow(number=1, tiers={1: 1}, free_at=start + free_in_minutes * minute)],
            seconds_of={1: 60.0},
            key=call_key(office),
            changes=key_changes(office),
            targets={1, 2},
        )
        return min(called, key=lambda tid: called[tid])

    assert first_called(5) == 2  # 10 min from the limit: the priority category first
    assert first_called(13) == 1  # 2 min from it: guarded
    assert first_called(16) == 2  # past it: lost, the priority category first again


@pytest.mark.parametrize("policy", ["deadline", "guarded", "fifo"])
def test_r4_the_estimates_order_is_the_order_of_the_real_calls(
    api: TestClient, world: World, policy: str
) -> None:
    """R4: the Python twin of the dispatcher's ORDER BY (which the estimate replays) calls
    a mixed queue — tiers, categories, a due and an early booking, a wait near its limit —
    exactly as `call_next` does, under every policy."""
    set_policy(world, policy)
    issue(api, world)  # will be near its limit
    world.clock.advance(minutes=2)
    issue(api, world, "consult")  # window 1's secondary service
    due = book(api, world, "passport", slot_in_minutes=0)
    early = book(api, world, "passport", slot_in_minutes=30)
    world.clock.advance(minutes=8)
    check_in(api, world, due), check_in(api, world, early)
    issue(api, world, priority_category="large_family")
    issue(api, world, "consult", priority_category="disabled")
    issue(api, world, priority_category="disabled")
    issue(api, world)
    world.clock.advance(minutes=3)
    take(api, world, 1, "clerk1")
    with world.db.transaction(read_only=True) as session:
        office = session.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        live = load_live_queue(session=session, office=office, now=world.clock.now())
        tiers = {w.number: w.tiers for w in live.windows}
        key = call_key(office)
        now = world.clock.now()
        expected = sorted(live.waiting, key=lambda t: key(t, tiers[1][t.service_id], now))
        numbers = {t.id: t.number for t in session.scalars(select(Ticket))}
    called = [serve_next(api, world, 1, "clerk1") for _ in expected]
    assert called == [numbers[t.id] for t in expected]


# --- simulated days ---------------------------------------------------------------------


def _busy_window(**changes: Any) -> SimConfig:
    """One window, one service at the edge of its capacity, many priority applicants."""
    return SimConfig.model_validate(
        {
            "office_code": "policies",
            "catalogue": {
                "services": {"a": {"name_ru": "Услуга", "prefix": "А", "kind": "intake"}},
                "priority_categories": {"disabled": {"name_ru": "Инвалиды", "rank": 1}},
            },
            "office": {"name": "policies", "windows": {1: {"services": [{"service": "a"}]}}},
            "clerks": [{"window": 1, "shifts": [["09:00", "13:00"]]}],
            "arrivals": {"rates": {"mon": {9: 7, 10: 7, 11: 5}}},
            "mix": {"a": 1},
            "service_times": {"a": {"mean_minutes": 7.5, "sigma": 0.4}},
            "no_show": 0,
            "priority_share": 0.3,
            "bookings": {"share": 0},
            "redirect": 0,
            "redirect_to": {},
            "returns": {},
            **changes,
        }
    )


def _run(policy: str) -> PolicyResult:
    return run_policy(
        config=_busy_window(), policy=policy, guard_minutes=3, seed=3, start=MONDAY, days=1
    )


MONDAY = date(2026, 11, 23)


def test_r1_a_policy_change_changes_the_simulated_day_and_not_its_applicants() -> None:
    """R1, R4: the same applicants (same seed) under three policies: the same arrivals, other
    calls; the guarded order keeps more live waits within the limit than the regulation's
    order, at the priority applicants' expense."""
    results = {p: _run(p) for p in ("deadline", "guarded", "fifo")}
    arrivals = {p: sorted(w.waiting_since for w in r.waits) for p, r in results.items()}
    assert arrivals["deadline"] == arrivals["guarded"] == arrivals["fifo"]
    waits = {p: [w.wait_s for w in r.waits] for p, r in results.items()}
    assert waits["deadline"] != waits["guarded"] != waits["fifo"]
    deadline, guarded = results["deadline"], results["guarded"]
    assert guarded.within("live") > deadline.within("live")
    mean = {
        p: sum(w.wait_s for w in r.of_kind("priority")) / len(r.of_kind("priority"))
        for p, r in results.items()
    }
    assert mean["guarded"] > mean["deadline"]
