"""A place in the live queue taken from the phone (issue 17): the office's switch and the
services it opens, the limits and refusals, the wait for the arrival, check-in at the kiosk
or by a clerk, the lapse of a place not taken up, the phones forgotten after the day. Every
test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from queue_server.events.models import Event
from queue_server.offices.models import Office
from queue_server.scheduler import Scheduler
from queue_server.tickets.estimates import load_live_queue
from queue_server.tickets.models import RemoteTicket, Ticket
from tests.queue_server.bookings_helpers import assert_error, at
from tests.support.world import World

MONDAY = "2026-11-23"
PHONE = "+7 916 123-45-67"
POLICY = "/api/v1/offices/central/remote-policy"
TAKE = "/api/v1/public/offices/central/remote-tickets"


def open_remote(api: TestClient, world: World, **changes: Any) -> None:
    """The manager turns remote queueing on for passport and consultation."""
    body = {"enabled": True, "services": ["passport", "consult"], **changes}
    r = api.put(POLICY, json=body, headers=world.auth("manager"))
    assert r.status_code == 200, r.text


def take_window(api: TestClient, world: World, window: int = 1, clerk: str = "clerk1") -> None:
    r = api.post(f"/api/v1/offices/central/windows/{window}/take", headers=world.auth(clerk))
    assert r.status_code == 200, r.text


def take(api: TestClient, service: str = "passport", phone: str = PHONE, **extra: Any) -> Any:
    return api.post(TAKE, json={"service": service, "phone": phone, "consent": True, **extra})


def taken(api: TestClient, service: str = "passport", phone: str = PHONE) -> dict[str, Any]:
    r = take(api, service, phone)
    assert r.status_code == 201, r.text
    return dict(r.json())


def issue(api: TestClient, world: World, service: str = "passport") -> dict[str, Any]:
    r = api.post(
        "/api/v1/offices/central/tickets", json={"service": service}, headers=world.auth("kiosk")
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def call_next(api: TestClient, world: World, window: int = 1, clerk: str = "clerk1") -> Any:
    return api.post(
        f"/api/v1/offices/central/windows/{window}/call-next", headers=world.auth(clerk)
    )


def check_in(api: TestClient, world: World, code: str, device: str = "kiosk") -> Any:
    return api.post(
        f"/api/v1/offices/central/remote-tickets/{code}/check-in", headers=world.auth(device)
    )


def count(world: World, table: Any) -> int:
    with world.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def status(api: TestClient, place: dict[str, Any]) -> dict[str, Any]:
    r = api.get(f"/api/v1/tickets/status/{place['status_code']}")
    assert r.status_code == 200, r.text
    return dict(r.json())


# --- the office's switch, the services, the refusals ------------------------------------


def test_remote_queueing_is_off_until_the_manager_turns_it_on(
    api: TestClient, world: World
) -> None:
    take_window(api, world)
    info = api.get("/api/v1/public/offices/central/remote-queue").json()
    assert info["enabled"] is False and info["services"] == []
    message = assert_error(take(api), 409, "remote_queue_off")
    assert "нельзя встать в очередь с телефона" in message
    assert count(world, Ticket) == 0 and count(world, RemoteTicket) == 0
    clerk = api.put(POLICY, json={"enabled": True}, headers=world.auth("clerk1"))
    assert clerk.status_code == 403
    open_remote(api, world)
    policy = api.get(POLICY, headers=world.auth("clerk1")).json()
    assert policy["enabled"] is True and policy["services"] == ["consult", "passport"]
    info = api.get("/api/v1/public/offices/central/remote-queue").json()
    assert [s["service"] for s in info["services"]] == ["consult", "passport"]
    assert info["open_now"] is True


def test_only_services_the_office_opens_to_it(api: TestClient, world: World) -> None:
    take_window(api, world, 3)  # window 3 serves results: it is served, but not opened
    open_remote(api, world)
    message = assert_error(take(api, "results"), 422, "remote_service_closed")
    assert "«Выдача результатов»" in message
    assert count(world, Ticket) == 0


def test_consent_and_a_real_phone_are_required(api: TestClient, world: World) -> None:
    take_window(api, world)
    open_remote(api, world)
    assert_error(take(api, consent=False), 422, "consent_required")
    assert_error(take(api, phone="12-34"), 422, "invalid_phone")
    assert count(world, Ticket) == 0 and count(world, RemoteTicket) == 0


def test_r6_not_outside_opening_hours(api: TestClient, world: World) -> None:
    open_remote(api, world)
    world.clock.set(at("2026-11-29", "11:00"))  # Sunday: closed
    message = assert_error(take(api), 409, "office_closed")
    assert "08:00" in message
    world.clock.set(at(MONDAY, "07:30"))
    assert_error(take(api), 409, "office_closed")
    assert count(world, Ticket) == 0


def test_no_place_while_no_window_serves_the_service(api: TestClient, world: World) -> None:
    open_remote(api, world)
    message = assert_error(take(api), 409, "remote_no_open_window")
    assert "«Паспорт»" in message
    assert count(world, Ticket) == 0


def test_no_place_the_queue_would_not_reach_before_closing(api: TestClient, world: World) -> None:
    open_remote(api, world)
    world.clock.set(at(MONDAY, "18:40"))
    take_window(api, world)
    issue(api, world)  # called now, then the window is taken for the 30-minute norm
    message = assert_error(take(api), 409, "remote_after_closing")
    assert "19:00" in message
    assert count(world, RemoteTicket) == 0


def test_per_phone_per_day_limit_counts_one_person_however_the_number_is_typed(
    api: TestClient, world: World
) -> None:
    take_window(api, world)
    open_remote(api, world)
    taken(api, "passport", "+7 916 123-45-67")
    taken(api, "consult", "8 (916) 123-45-67")
    message = assert_error(take(api, "passport", "916 123 45 67"), 409, "remote_phone_limit")
    assert "не больше 2" in message
    taken(api, "passport", "+7 903 000-00-01")  # another person
    world.clock.set(at("2026-11-24", "10:00"))  # the next day
    taken(api, "passport", "+7 916 123-45-67")
    assert count(world, RemoteTicket) == 4


def test_per_network_rate_refuses_with_retry_after(api: TestClient, world: World) -> None:
    take_window(api, world)
    open_remote(api, world, per_client_per_hour=3, per_phone_per_day=10)
    for i in range(3):
        taken(api, "consult", f"+7 903 000-00-0{i}")
        world.clock.advance(minutes=10)
    r = take(api, "consult", "+7 903 000-00-09")
    assert_error(r, 429, "remote_too_many")
    assert r.headers["Retry-After"] == str(30 * 60)  # the first place leaves the hour at 11:00
    world.clock.advance(minutes=30)
    taken(api, "consult", "+7 903 000-00-09")


def test_policy_bounds_are_checked(api: TestClient, world: World) -> None:
    r = api.put(POLICY, json={"enabled": True, "late_minutes": -1}, headers=world.auth("manager"))
    assert r.status_code == 422
    r = api.put(POLICY, json={"services": ["nope"]}, headers=world.auth("manager"))
    assert_error(r, 404, "service_not_found")
    assert api.get(POLICY, headers=world.auth("manager")).json()["enabled"] is False


# --- waiting for the arrival ------------------------------------------------------------


def test_a_remote_place_is_not_called_before_check_in_and_is_called_after(
    api: TestClient, world: World
) -> None:
    take_window(api, world)
    open_remote(api, world)
    place = taken(api)
    assert place["status"] == "expected" and len(place["checkin_code"]) == 11
    shown = status(api, place)
    assert shown["status"] == "expected" and shown["remote"] is True
    assert shown["checkin_code"] == place["checkin_code"]
    assert shown["estimated_wait_minutes"] == 0  # nobody ahead: come now
    # Not arrived: call-next skips it; the staff list shows it with the phone masked.
    assert call_next(api, world).status_code == 204
    expected = api.get("/api/v1/offices/central/remote-tickets", headers=world.auth("clerk2"))
    [row] = expected.json()
    assert row["number"] == place["number"] and row["phone_masked"] == "+7 *** ***-45-67"
    queue = api.get("/api/v1/offices/central/queue", headers=world.auth("clerk1")).json()
    assert all(not s["tickets"] for s in queue["services"])
    # Checked in at the kiosk with the code as typed (dash, lower case): in the queue.
    r = check_in(api, world, place["checkin_code"].lower())
    assert r.status_code == 200, r.text
    assert r.json()["number"] == place["number"] and r.json()["position"] == 1
    again = check_in(api, world, place["checkin_code"].replace("-", ""))
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]
    called = call_next(api, world)
    assert called.status_code == 200 and called.json()["number"] == place["number"]
    assert (
        api.get("/api/v1/offices/central/remote-tickets", headers=world.auth("clerk2")).json() == []
    )
    with world.db.transaction() as session:
        types = [
            e.type
            for e in session.scalars(select(Event).order_by(Event.id))
            if e.type.startswith("ticket.")
        ]
        payloads = [e.payload for e in session.scalars(select(Event))]
    assert types == ["ticket.remote_taken", "ticket.arrived", "ticket.called"]
    assert not any("phone" in p or "916" in str(p) for p in payloads)


def test_places_from_the_phone_are_expected_once_not_also_in_the_walk_in_rate(
    api: TestClient, world: World
) -> None:
    """The estimate sees a place taken from the phone once, as the arrival it is, not a
    second time in the last hour's rate of tickets taken in the hall."""
    take_window(api, world)
    open_remote(api, world)
    for i in range(4):
        taken(api, phone=f"+7 916 123-45-6{i}")
    with world.db.transaction() as session:
        places = set(session.scalars(select(RemoteTicket.ticket_id)))
        office = session.scalars(select(Office).where(Office.code == "central")).one()
        live = load_live_queue(session=session, office=office, now=world.clock.now())
    assert len(places) == 4
    assert {a.id for a in live.remote} == places
    assert [a for a in live.arrivals if a.id not in places] == []


def test_r4_the_place_is_kept_like_a_booking_checked_in_early(
    api: TestClient, world: World
) -> None:
    """Taken behind one applicant, the place's time is after that one's service; arrived
    early, it waits behind the live queue; once its time has come it goes first."""
    take_window(api, world)
    open_remote(api, world)
    first = issue(api, world)
    place = taken(api)
    assert place["due_at"].startswith("2026-11-23T07:30")  # 10:30: after first's 30 min
    world.clock.advance(minutes=5)
    later = issue(api, world)  # came in person after the place was taken
    world.clock.advance(minutes=5)
    assert check_in(api, world, place["checkin_code"]).status_code == 200
    assert call_next(api, world).json()["number"] == first["number"]
    world.clock.set(at(MONDAY, "10:31"))
    api.post(f"/api/v1/tickets/{first['id']}/start", headers=world.auth("clerk1"))
    api.post(f"/api/v1/tickets/{first['id']}/finish", headers=world.auth("clerk1"))
    assert call_next(api, world).json()["number"] == place["number"]
    assert later["number"] != place["number"]


def test_a_clerk_confirms_the_arrival(api: TestClient, world: World) -> None:
    take_window(api, world)
    open_remote(api, world)
    place = taken(api)
    [row] = api.get("/api/v1/offices/central/remote-tickets", headers=world.auth("clerk2")).json()
    north = api.post(f"/api/v1/tickets/{row['id']}/arrived", headers=world.auth("north_clerk"))
    assert north.status_code == 403
    r = api.post(f"/api/v1/tickets/{row['id']}/arrived", headers=world.auth("clerk2"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "waiting"
    assert call_next(api, world).json()["number"] == place["number"]
    live = issue(api, world)
    message = assert_error(
        api.post(f"/api/v1/tickets/{live['id']}/arrived", headers=world.auth("clerk2")),
        409,
        "not_a_remote_ticket",
    )
    assert live["number"] in message


def test_another_offices_kiosk_gets_the_answer_of_an_unknown_code(
    api: TestClient, world: World
) -> None:
    take_window(api, world)
    open_remote(api, world)
    place = taken(api)
    r = api.post(
        f"/api/v1/offices/central/remote-tickets/{place['checkin_code']}/check-in",
        headers=world.auth("north_kiosk"),
    )
    assert_error(r, 404, "remote_place_not_found")
    assert_error(check_in(api, world, "ABCDE-FGHJK"), 404, "remote_place_not_found")


def test_a_place_not_taken_up_lapses_and_cannot_be_checked_in(
    api: TestClient, world: World, scheduler: Scheduler
) -> None:
    take_window(api, world)
    open_remote(api, world, late_minutes=20)
    place = taken(api)
    assert place["checkin_until"].startswith("2026-11-23T07:20")  # 10:00 + 20 min
    world.clock.set(at(MONDAY, "10:20"))
    message = assert_error(
        check_in(api, world, place["checkin_code"]), 409, "remote_checkin_too_late"
    )
    assert "10:20" in message
    scheduler.run_pending()
    assert status(api, place)["status"] == "no_show"
    message = assert_error(
        check_in(api, world, place["checkin_code"]), 409, "remote_place_given_up"
    )
    assert "неявка" in message
    with world.db.transaction() as session:
        types = [e.type for e in session.scalars(select(Event).order_by(Event.id))]
    assert "ticket.remote_lapsed" in types


def test_phones_are_forgotten_when_the_office_day_is_over(
    api: TestClient, world: World, scheduler: Scheduler
) -> None:
    take_window(api, world)
    open_remote(api, world)
    taken(api)
    scheduler.run_pending()
    with world.db.transaction() as session:
        [row] = session.scalars(select(RemoteTicket)).all()
        assert row.phone == "79161234567" and row.client_key
    world.clock.set(at("2026-11-24", "00:01"))
    scheduler.run_pending()
    with world.db.transaction() as session:
        [row] = session.scalars(select(RemoteTicket)).all()
        assert row.phone is None and row.client_key is None
    world.clock.advance(timedelta(hours=9))
    # The same number may take a place again the next day; the old row tells nothing.
    taken(api)


def test_the_applicant_gives_the_place_up_from_the_page(api: TestClient, world: World) -> None:
    take_window(api, world)
    open_remote(api, world)
    place = taken(api)
    r = api.post(f"/api/v1/tickets/status/{place['status_code']}/give-up")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    again = api.post(f"/api/v1/tickets/status/{place['status_code']}/give-up")
    assert again.status_code == 200 and again.json()["status"] == "cancelled"
    assert (
        api.get("/api/v1/offices/central/remote-tickets", headers=world.auth("clerk1")).json() == []
    )
    assert_error(check_in(api, world, place["checkin_code"]), 409, "remote_place_given_up")
    live = issue(api, world)
    with world.db.transaction() as session:
        code = session.get_one(Ticket, live["id"]).status_code
    assert_error(api.post(f"/api/v1/tickets/status/{code}/give-up"), 409, "not_a_remote_ticket")
    with world.db.transaction() as session:
        kinds = [(e.type, e.payload.get("by")) for e in session.scalars(select(Event))]
    assert ("ticket.cancelled", "applicant") in kinds
