"""The wait estimate comes from the office's live state (issue 14): open windows and their
primary/secondary services, clerks on pause, recent service times and the real call order.

Every figure below is worked by hand from the world's office (tests/support/world.py):
window 1 serves passports (primary) and consultations (secondary), window 2 passports and
results, window 4 consultations; norms (R1–R3) 30 min for passports, 10 for consultations.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_server.catalogue.models import Service
from queue_server.offices.models import Office
from queue_server.tickets import rules
from queue_server.tickets.estimates import LiveQueue, _office_now, load_live_queue
from queue_server.tickets.models import WAITING, Ticket
from queue_server.windows.models import Window, WindowService
from tests.queue_server.test_dispatcher import book, check_in
from tests.queue_server.test_tickets_api import call, issue, take
from tests.support.world import MONDAY_10, World


def status(api: TestClient, ticket: dict[str, Any]) -> dict[str, Any]:
    r = api.get(f"/api/v1/tickets/status/{ticket['status_code']}")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def wait_of(api: TestClient, ticket: dict[str, Any]) -> int | None:
    minutes: int | None = status(api, ticket)["estimated_wait_minutes"]
    return minutes


def pause(api: TestClient, world: World, window: int, clerk: str) -> None:
    r = api.post(
        f"/api/v1/offices/central/windows/{window}/pause",
        json={"reason": "перерыв"},
        headers=world.auth(clerk),
    )
    assert r.status_code == 200, r.text


def serve(api: TestClient, world: World, window: int, clerk: str, minutes: int) -> None:
    """Call the next ticket, start at once and finish `minutes` later."""
    ticket = call(api, world, window, clerk)
    assert api.post(f"/api/v1/tickets/{ticket['id']}/start", headers=world.auth(clerk)).is_success
    world.clock.advance(minutes=minutes)
    assert api.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=world.auth(clerk)).is_success


def test_with_no_open_window_the_ticket_says_so_instead_of_zero(
    api: TestClient, world: World
) -> None:
    """Nobody holds a window serving the service: no number is promised, anywhere."""
    ticket = issue(api, world, "passport")
    assert ticket["estimated_wait_minutes"] is None and ticket["no_open_window"] is True
    assert status(api, ticket)["no_open_window"] is True
    queue = api.get("/api/v1/offices/central/queue", headers=world.auth("kiosk")).json()
    passport = next(s for s in queue["services"] if s["service"] == "passport")
    assert passport["estimated_wait_minutes"] is None and passport["no_open_window"] is True
    take(api, world, 1, "clerk1")
    assert status(api, ticket)["estimated_wait_minutes"] == 0
    assert status(api, ticket)["no_open_window"] is False


def test_a_clerk_on_pause_does_not_count_and_all_paused_means_no_open_window(
    api: TestClient, world: World
) -> None:
    take(api, world, 1, "clerk1")
    take(api, world, 2, "clerk2")
    issue(api, world), issue(api, world)
    third = issue(api, world)
    assert third["estimated_wait_minutes"] == 30  # windows 1 and 2 call А001, А002 now
    pause(api, world, 2, "clerk2")
    assert wait_of(api, third) == 60  # window 1 alone: А001 now, А002 at 30, А003 at 60
    pause(api, world, 1, "clerk1")
    assert status(api, third)["no_open_window"] is True


def test_primary_services_are_called_before_a_secondary_one(api: TestClient, world: World) -> None:
    """Window 1 calls passports (primary) before consultations (secondary): a consultation
    has nobody of its own service ahead, yet waits for every passport at that window, and
    for the passports the last hour's rate says will still come."""
    take(api, world, 1, "clerk1")
    issue(api, world), issue(api, world)
    consult = issue(api, world, "consult")
    world.clock.advance(minutes=rules.ARRIVAL_RATE_MINUTES + 1)  # a quiet hour since
    assert status(api, consult)["people_ahead"] == 0
    assert wait_of(api, consult) == 60  # two passports × 30 min first
    issue(api, world)  # a later passport still goes first at window 1…
    # …and announces one passport an hour, expected at 30 and 90 min: window 1 calls the
    # three waiting passports at 0, 30 and 60, the expected ones at 90 and 120.
    assert wait_of(api, consult) == 150
    take(api, world, 4, "clerk2")  # a window whose primary service is consultations
    assert wait_of(api, consult) == 0


def test_recent_service_times_replace_the_norm(api: TestClient, world: World) -> None:
    """R1's 30-min norm is a ceiling, not a forecast: once tickets are finished, their
    times (call to end) weigh in; hours later only the norm is left."""
    take(api, world, 1, "clerk1")
    for _ in range(5):
        issue(api, world)
        serve(api, world, 1, "clerk1", minutes=6)
    # 5 tickets of 6 min in the last hour and in the last hours; the norm weighs as one.
    times = rules.ServiceTimes(5, 5 * 360.0, 5, 5 * 360.0)
    expected = rules.service_seconds(norm_minutes=30, times=times)
    assert round(expected / 60) == 8  # (3 × 10 + 5 × 6) ÷ 8, the longer mean (30 + 30) ÷ 6
    issue(api, world)
    second = issue(api, world)
    assert second["estimated_wait_minutes"] == round(expected / 60)
    world.clock.advance(minutes=rules.RECENT_SERVICE_MINUTES + 1)  # only the longer mean
    assert wait_of(api, second) == 10
    world.clock.advance(minutes=rules.LONGER_SERVICE_MINUTES)  # only the norm
    assert wait_of(api, second) == 30


def test_a_busy_window_is_free_after_the_rest_of_its_service(api: TestClient, world: World) -> None:
    take(api, world, 1, "clerk1")
    issue(api, world)
    call(api, world, 1, "clerk1")  # busy from now, for about the 30-min norm
    mine = issue(api, world)
    assert mine["estimated_wait_minutes"] == 30
    world.clock.advance(minutes=10)
    assert wait_of(api, mine) == 20
    world.clock.advance(minutes=40)  # past the mean: a quarter of it again, at least
    assert wait_of(api, mine) == round(rules.LEAST_REMAINING_SHARE * 30)


def test_r4_the_estimate_follows_the_real_call_order_priorities_and_bookings(
    api: TestClient, world: World
) -> None:
    """R4: a priority ticket and a due booking go first; a booking checked in early goes
    first once its slot comes — the estimate replays that, as the calls then show."""
    take(api, world, 1, "clerk1")
    live = issue(api, world)
    assert live["estimated_wait_minutes"] == 0
    priority = issue(api, world, priority_category="disabled")
    assert priority["estimated_wait_minutes"] == 0
    # One priority applicant in the last hour: the next is expected in 30 min, and goes
    # before the live ticket then.
    assert wait_of(api, live) == 60
    world.clock.advance(minutes=rules.ARRIVAL_RATE_MINUTES + 1)  # a quiet hour since
    assert wait_of(api, live) == 30
    early = check_in(api, world, book(api, world, "passport", slot_in_minutes=20))
    later = issue(api, world)
    # At 0 window 1 calls the priority ticket; at 30 the booking's slot (20) has come, so
    # the booking goes before both live tickets, called at 60 and 90 (the live ticket
    # expected at 30 has a later deadline).
    assert later["estimated_wait_minutes"] == 90 and later["people_ahead"] == 2
    assert wait_of(api, early) == 30 and wait_of(api, live) == 60
    order = []
    for _ in range(4):
        ticket = call(api, world, 1, "clerk1")
        order.append(ticket["number"])
        for step in ("start", "finish"):
            api.post(f"/api/v1/tickets/{ticket['id']}/{step}", headers=world.auth("clerk1"))
            world.clock.advance(minutes=15)
    assert order == [priority["number"], early["number"], live["number"], later["number"]]


def test_expected_arrivals_keep_the_last_hours_rate_for_two_hours() -> None:
    """Two live and one priority ticket of a service in the last hour: live ones expected
    every 30 min, priority ones every hour, each with its R1 limit; none for a service no
    open window serves."""
    now = MONDAY_10
    arrivals = rules.expected_arrivals(
        now=now, issued={1: (2, 1), 2: (5, 0)}, limit_minutes={1: 15}, first_id=100
    )
    minutes = [((a.waiting_since - now).total_seconds() / 60, a.priority_rank) for a in arrivals]
    assert minutes == [(15, None), (45, None), (75, None), (105, None), (30, 1), (90, 1)]
    assert all(a.deadline - a.waiting_since == timedelta(minutes=15) for a in arrivals)
    assert all(a.arrives_at == a.waiting_since and a.service_id == 1 for a in arrivals)
    assert [a.id for a in arrivals] == list(range(100, 106))


def test_a_deep_queue_is_read_only_as_far_as_the_windows_reach(
    api: TestClient, world: World
) -> None:
    """The estimate's cost does not grow with the queue: of 40 passports waiting at two
    windows (30 min each) only the ten the windows can call in the next two hours are
    read. Their estimates and places are those of the replay of the whole queue; the
    tickets further back get the pace the replay saw, within one service time of the
    whole replay, and their place in the queue is still counted exactly."""
    take(api, world, 1, "clerk1")
    take(api, world, 2, "clerk2")
    tickets = []
    for _ in range(40):
        tickets.append(issue(api, world))
        world.clock.advance(seconds=5)  # within the kiosk's 30 a minute
    with world.db.transaction(read_only=True) as session:
        office = session.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        now = world.clock.now()
        everyone = [
            rules.QueuedTicket(
                id=t.id,
                service_id=t.service_id,
                waiting_since=t.waiting_since,
                deadline=t.deadline,
                due_at=t.due_at,
                priority_rank=t.priority_rank,
            )
            for t in session.scalars(select(Ticket).where(Ticket.status == WAITING))
        ]
        for n, issued in enumerate(tickets):
            row = session.get(Ticket, issued["id"])
            live = load_live_queue(session=session, office=office, now=now, also=row)
            assert len(live.waiting) <= 11  # 2 windows × (1 + 120 min ÷ 30 min), and this one
            whole = LiveQueue(
                office=office,
                now=now,
                waiting=everyone,
                windows=live.windows,
                seconds_of=live.seconds_of,
                arrivals=live.arrivals,
            )
            assert live.people_ahead(row.id) == whole.people_ahead(row.id) == n
            got, full = live.estimate(row.id).minutes, whole.estimate(row.id).minutes
            assert got is not None and full is not None
            assert full == n // 2 * 30
            if n < 10:
                assert got == full
            else:
                assert abs(got - full) <= 30


def test_expected_arrivals_cut_to_what_the_windows_can_call_are_the_first_ones() -> None:
    """At most `most` of each kind of a service: the earliest, with the ids they have in
    the whole list (the dispatcher breaks its last ties by id)."""
    now = MONDAY_10
    kwargs: dict[str, Any] = {
        "now": now,
        "issued": {1: (7, 3), 2: (5, 0)},
        "limit_minutes": {1: 15, 2: 10},
        "first_id": 100,
    }
    whole = rules.expected_arrivals(**kwargs)
    cut = rules.expected_arrivals(**kwargs, most={1: 4, 2: 100})
    by_id = {a.id: a for a in whole}
    assert all(by_id[a.id] == a for a in cut)
    kinds = Counter((a.service_id, a.priority_rank) for a in cut)
    assert kinds == {(1, None): 4, (1, 1): 4, (2, None): 10}  # of 14, 6 and 10
    assert all(
        a.waiting_since <= b.waiting_since
        for a in cut
        for b in whole
        if (b.service_id, b.priority_rank) == (a.service_id, a.priority_rank) and b not in cut
    )


def test_the_office_read_counts_what_a_plain_count_of_the_tickets_does(
    api: TestClient, world: World
) -> None:
    """The estimate reads the windows that call row by row, the norm of every service of
    the active windows once, and each service's walk-ins of the last hour on an index
    alone (`estimates._office_now`): the same figures as counting the tickets themselves,
    staffed windows or not, a booking or a priority ticket among them."""
    for service in ("passport", "passport", "results", "consult"):
        issue(api, world, service)
    issue(api, world, priority_category="disabled")
    check_in(api, world, book(api, world, "passport", slot_in_minutes=20))
    world.clock.advance(minutes=rules.ARRIVAL_RATE_MINUTES - 5)
    issue(api, world, "results")  # the others are now 55 minutes old: all in the hour
    with world.db.transaction(read_only=True) as session:
        office = session.scalars(select(Office).where(Office.code == "central")).one()
        now = world.clock.now()
        tickets = list(session.scalars(select(Ticket).where(Ticket.office_id == office.id)))
        by_id = {s.id: s for s in session.scalars(select(Service))}
        offered = set(
            session.scalars(
                select(WindowService.service_id)
                .join(Window, Window.id == WindowService.window_id)
                .where(Window.office_id == office.id, Window.active.is_(True))
            )
        )
        norms = {
            sid: rules.service_seconds(
                norm_minutes=by_id[sid].service_norm_minutes, times=rules.ServiceTimes()
            )
            for sid in offered
        }
        since = now - timedelta(minutes=rules.ARRIVAL_RATE_MINUTES)
        walk_ins = [
            t
            for t in tickets
            if since < t.issued_at <= now and t.booking_id is None and t.due_at is None
        ]
        counted: Counter[tuple[int, bool]] = Counter(
            (t.service_id, t.priority_rank is not None) for t in walk_ins
        )
        issued = {
            sid: (counted[sid, False], counted[sid, True])
            for sid in {t.service_id for t in walk_ins}
        }
        # Nobody at a window: no window row, every service's norm all the same.
        read = _office_now(session, office, now)
        assert read.windows == [] and set(read.norms) == offered
        assert read.recently.issued == issued and sum(map(sum, issued.values())) == 6
        assert load_live_queue(session=session, office=office, now=now).seconds_of == norms
    take(api, world, 1, "clerk1")
    take(api, world, 2, "clerk2")
    pause(api, world, 2, "clerk2")
    with world.db.transaction(read_only=True) as session:
        read = _office_now(session, office, world.clock.now())
        assert {w.number for w in read.windows} == {1}  # window 2 is paused
        assert set(read.norms) == offered
        live = load_live_queue(session=session, office=office, now=world.clock.now())
        assert live.seconds_of == norms and [w.number for w in live.windows] == [1]
