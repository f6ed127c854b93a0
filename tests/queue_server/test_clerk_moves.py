"""The clerk's moves beyond "call next" on SQLite and PostgreSQL: a chosen call with its
reason, postpone into the hold list and the scheduler's return (R1, R5), transfers to a
window or a clerk, and the ticket's card."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from admin.reports.scope import Scope
from admin.reports.segments import segments_select
from queue_server.catalogue.models import PriorityCategory
from queue_server.events.models import Event
from queue_server.offices.models import Office
from queue_server.scheduler import Scheduler
from queue_server.tickets.models import ChosenCall, TicketTransition, WaitBreach
from tests.queue_server.bookings_helpers import booked
from tests.queue_server.test_tickets_api import assert_error, call, issue, take
from tests.support.world import World


def events(world: World, ticket_id: int) -> list[tuple[str, dict[str, Any]]]:
    with world.db.transaction(read_only=True) as s:
        rows = s.scalars(select(Event).order_by(Event.id)).all()
        return [(e.type, e.payload) for e in rows if e.payload.get("ticket_id") == ticket_id]


def steps(world: World, ticket_id: int) -> list[tuple[str, str | None, str, bool]]:
    with world.db.transaction(read_only=True) as s:
        rows = s.scalars(
            select(TicketTransition)
            .where(TicketTransition.ticket_id == ticket_id)
            .order_by(TicketTransition.id)
        ).all()
        return [(t.action, t.from_status, t.to_status, t.automatic) for t in rows]


def card(api: TestClient, world: World, ticket_id: int, who: str = "clerk1") -> dict[str, Any]:
    r = api.get(f"/api/v1/tickets/{ticket_id}/card", headers=world.auth(who))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def chosen(
    api: TestClient, world: World, window: int, who: str, ticket_id: int, **body: Any
) -> Any:
    return api.post(
        f"/api/v1/offices/central/windows/{window}/call-chosen",
        json={"ticket_id": ticket_id, **body},
        headers=world.auth(who),
    )


def postpone(api: TestClient, world: World, ticket_id: int, minutes: int, who: str) -> Any:
    return api.post(
        f"/api/v1/tickets/{ticket_id}/postpone", json={"minutes": minutes}, headers=world.auth(who)
    )


def holds(api: TestClient, world: World) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = api.get(
        "/api/v1/offices/central/holds", headers=world.auth("clerk1")
    ).json()
    return body


# --- call a chosen ticket --------------------------------------------------------------


def test_a_chosen_call_records_its_reason_and_the_report_counts_it_per_clerk(
    api: TestClient, world: World
) -> None:
    first = issue(api, world)
    second = issue(api, world)
    take(api, world, 1, "clerk1")
    r = chosen(api, world, 1, "clerk1", second["id"], reason="needs_help")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "called" and r.json()["window"] == 1
    # The first ticket still waits: the chosen one jumped it, on record.
    assert card(api, world, first["id"])["status"] == "waiting"
    (called,) = [p for t, p in events(world, second["id"]) if t == "ticket.called"]
    assert called["chosen"] is True and called["reason"] == "needs_help"
    assert called["window"] == 1
    assert steps(world, second["id"])[-1] == ("call", "waiting", "called", False)
    api.post(f"/api/v1/tickets/{second['id']}/start", headers=world.auth("clerk1"))
    api.post(f"/api/v1/tickets/{second['id']}/finish", headers=world.auth("clerk1"))
    r = chosen(api, world, 1, "clerk1", first["id"], reason="other", note="Просьба охраны")
    assert r.status_code == 200, r.text
    with world.db.transaction(read_only=True) as s:
        notes = [c.note for c in s.scalars(select(ChosenCall).order_by(ChosenCall.id))]
    assert notes == ["", "Просьба охраны"]
    report = api.get(
        "/api/v1/offices/central/reports/chosen-calls",
        params={"start": "2026-11-23", "end": "2026-11-23"},
        headers=world.auth("manager"),
    )
    assert report.status_code == 200, report.text
    assert [(c["clerk"], c["reason"], c["count"]) for c in report.json()] == [
        ("Clerk1", "needs_help", 1),
        ("Clerk1", "other", 1),
    ]
    assert report.json()[0]["reason_ru"].startswith("Заявителю нужна помощь")
    assert_error(
        api.get(
            "/api/v1/offices/central/reports/chosen-calls",
            params={"start": "2026-11-23", "end": "2026-11-23"},
            headers=world.auth("clerk1"),
        ),
        403,
        "wrong_role",
    )


def test_a_chosen_call_is_refused_without_a_listed_reason_and_writes_nothing(
    api: TestClient, world: World
) -> None:
    ticket = issue(api, world)
    results = issue(api, world, "results")
    take(api, world, 1, "clerk1")
    error = assert_error(
        chosen(api, world, 1, "clerk1", ticket["id"], reason="because"), 422, "unknown_call_reason"
    )
    assert "Выберите причину" in error["message"]
    error = assert_error(
        chosen(api, world, 1, "clerk1", ticket["id"], reason="other", note="  "),
        422,
        "unknown_call_reason",
    )
    assert "Другое" in error["message"]
    # Window 1 serves passports and consultations, not results.
    error = assert_error(
        chosen(api, world, 1, "clerk1", results["id"], reason="manager"),
        409,
        "not_in_window_queue",
    )
    assert "Выдача результатов" in error["message"]
    assert card(api, world, ticket["id"])["status"] == "waiting"
    with world.db.transaction(read_only=True) as s:
        assert s.scalars(select(ChosenCall)).all() == []
    # Busy window: the current ticket first.
    call(api, world, 1, "clerk1")
    other = issue(api, world)
    assert_error(chosen(api, world, 1, "clerk1", other["id"], reason="manager"), 409, "window_busy")
    # Only the clerk holding the window calls to it.
    assert_error(
        chosen(api, world, 1, "clerk2", other["id"], reason="manager"), 403, "not_your_window"
    )


# --- postpone, the hold list and the return (R1, R5) ----------------------------------


def test_r5_a_postponed_ticket_is_not_recalled_and_returns_when_its_hold_is_over(
    api: TestClient, world: World, scheduler: Scheduler
) -> None:
    """R5: no recall or no-show while on hold; the scheduler returns it when the hold ends,
    in its original place (its wait start is kept), ahead of those who came after it."""
    ticket = issue(api, world)
    take(api, world, 1, "clerk1")
    call(api, world, 1, "clerk1")
    api.post(f"/api/v1/tickets/{ticket['id']}/start", headers=world.auth("clerk1"))
    world.clock.advance(minutes=2)
    r = postpone(api, world, ticket["id"], 5, "clerk1")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "postponed"
    (held,) = holds(api, world)
    assert held["number"] == ticket["number"] and held["seconds_left"] == 300
    assert held["window"] == 1 and held["clerk"] == "Clerk1"
    later = issue(api, world)  # comes while the first applicant makes a copy
    # The window is free for the next one meanwhile.
    assert call(api, world, 1, "clerk1")["number"] == later["number"]
    api.post(f"/api/v1/tickets/{later['id']}/no-show", headers=world.auth("clerk1"))
    world.clock.advance(minutes=3)  # R5's minutes pass: nothing happens to a held ticket
    scheduler.run_pending()
    assert card(api, world, ticket["id"])["status"] == "postponed"
    assert card(api, world, ticket["id"])["recall_count"] == 0
    world.clock.advance(minutes=2)
    scheduler.run_pending()
    back = card(api, world, ticket["id"])
    assert back["status"] == "waiting" and back["window"] is None
    assert holds(api, world) == []
    queue = api.get("/api/v1/offices/central/queue", headers=world.auth("clerk1")).json()
    (passport,) = [s for s in queue["services"] if s["service"] == "passport"]
    assert passport["tickets"][0]["waiting_since"] == ticket["issued_at"].replace("+00:00", "Z")
    types = [t for t, _ in events(world, ticket["id"])]
    assert types[-2:] == ["ticket.postponed", "ticket.returned"]
    assert next(p for t, p in events(world, ticket["id"]) if t == "ticket.returned")["automatic"]
    assert steps(world, ticket["id"])[-2:] == [
        ("postpone", "serving", "postponed", False),
        ("return", "postponed", "waiting", True),
    ]
    # Called again: R5 starts afresh from this call.
    again = issue(api, world)
    assert call(api, world, 1, "clerk1")["number"] == ticket["number"]
    world.clock.advance(minutes=1)
    scheduler.run_pending()
    assert card(api, world, ticket["id"])["recall_count"] == 1
    assert card(api, world, again["id"])["status"] == "waiting"


def test_r1_the_hold_does_not_count_against_the_wait_limit(
    api: TestClient, world: World, scheduler: Scheduler
) -> None:
    """R1: the wait ends at the first call; a postponed ticket back in the queue, past its
    original deadline, gets no warning or breach, and its next call keeps the first call."""
    ticket = issue(api, world)
    world.clock.advance(minutes=3)
    take(api, world, 1, "clerk1")
    first_call = call(api, world, 1, "clerk1")["called_at"]
    postpone(api, world, ticket["id"], 30, "clerk1").raise_for_status()
    world.clock.advance(minutes=30)
    scheduler.run_pending()  # returns it, 33 minutes after issue (limit 15)
    assert card(api, world, ticket["id"])["status"] == "waiting"
    world.clock.advance(minutes=5)
    scheduler.run_pending()
    types = [t for t, _ in events(world, ticket["id"])]
    assert "ticket.wait_warning" not in types and "ticket.wait_breach" not in types
    queue = api.get("/api/v1/offices/central/queue", headers=world.auth("clerk1")).json()
    (passport,) = [s for s in queue["services"] if s["service"] == "passport"]
    assert passport["tickets"][0]["state"] == "ok"
    again = call(api, world, 1, "clerk1")
    assert again["called_at"] == first_call
    shown = card(api, world, ticket["id"])["wait"]
    assert shown == {"waited_seconds": 180, "limit_minutes": 15, "over": False, "judged": True}
    with world.db.transaction(read_only=True) as s:
        assert s.scalars(select(WaitBreach)).all() == []


def test_r1_a_late_first_call_keeps_its_one_breach_through_a_hold(
    api: TestClient, world: World, scheduler: Scheduler
) -> None:
    """R1: a wait that breached before its first call keeps exactly that breach."""
    ticket = issue(api, world)
    world.clock.advance(minutes=16)
    scheduler.run_pending()
    take(api, world, 1, "clerk1")
    call(api, world, 1, "clerk1")
    postpone(api, world, ticket["id"], 1, "clerk1").raise_for_status()
    world.clock.advance(minutes=1)
    scheduler.run_pending()
    call(api, world, 1, "clerk1")
    assert card(api, world, ticket["id"])["wait"]["over"] is True
    with world.db.transaction(read_only=True) as s:
        assert len(s.scalars(select(WaitBreach)).all()) == 1


def test_a_clerk_returns_or_calls_a_held_ticket_before_its_hold_is_over(
    api: TestClient, world: World
) -> None:
    ticket = issue(api, world)
    take(api, world, 1, "clerk1")
    call(api, world, 1, "clerk1")
    postpone(api, world, ticket["id"], 10, "clerk1").raise_for_status()
    r = api.post(f"/api/v1/tickets/{ticket['id']}/return", headers=world.auth("clerk1"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "waiting"
    assert steps(world, ticket["id"])[-1] == ("return", "postponed", "waiting", False)
    call(api, world, 1, "clerk1")
    postpone(api, world, ticket["id"], 10, "clerk1").raise_for_status()
    # The applicant is back early: called straight from the hold list.
    r = chosen(api, world, 1, "clerk1", ticket["id"], reason="returned")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "called" and r.json()["postponed_times"] == 2
    assert [a for a, *_ in steps(world, ticket["id"])][-3:] == ["postpone", "return", "call"]
    assert_error(
        api.post(f"/api/v1/tickets/{ticket['id']}/return", headers=world.auth("clerk1")),
        409,
        "illegal_transition",
    )


def test_postpone_is_refused_outside_its_bounds_and_for_a_waiting_ticket(
    api: TestClient, world: World
) -> None:
    ticket = issue(api, world)
    assert_error(postpone(api, world, ticket["id"], 5, "clerk1"), 409, "illegal_transition")
    take(api, world, 1, "clerk1")
    call(api, world, 1, "clerk1")
    for minutes in (0, 61):
        assert postpone(api, world, ticket["id"], minutes, "clerk1").status_code == 422
    assert card(api, world, ticket["id"])["status"] == "called"


# --- transfer to a window or a clerk ---------------------------------------------------


def test_transfer_to_a_window_is_called_there_first_and_nowhere_else(
    api: TestClient, world: World
) -> None:
    waiting_result = issue(api, world, "results")
    ticket = issue(api, world)
    other = issue(api, world)
    take(api, world, 1, "clerk1")
    take(api, world, 3, "clerk2")
    assert call(api, world, 1, "clerk1")["number"] == ticket["number"]
    r = api.post(
        f"/api/v1/tickets/{ticket['id']}/transfer", json={"window": 3}, headers=world.auth("clerk1")
    )
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["status"] == "waiting"
    assert moved["came_from"]["action"] == "transfer" and moved["came_from"]["window"] == 1
    assert moved["came_from"]["clerk"] == "Clerk1"
    assert moved["wait"] == {
        "waited_seconds": 0,
        "limit_minutes": 15,
        "over": False,
        "judged": False,
    }
    # Window 1 serves passports, but the transferred ticket is window 3's now.
    assert call(api, world, 1, "clerk1")["number"] == other["number"]
    # Window 3 serves results only, yet calls the transferred passport ticket first.
    assert call(api, world, 3, "clerk2")["number"] == ticket["number"]
    assert card(api, world, waiting_result["id"])["status"] == "waiting"
    (transferred,) = [p for t, p in events(world, ticket["id"]) if t == "ticket.transferred"]
    assert transferred["to_window"] == 3 and transferred["from_window"] == 1
    assert transferred["window"] is None and transferred["status"] == "waiting"
    assert ("transfer", "called", "waiting", False) in steps(world, ticket["id"])


def test_transfer_to_a_clerk_follows_the_window_the_clerk_holds(
    api: TestClient, world: World
) -> None:
    ticket = issue(api, world)
    take(api, world, 1, "clerk1")
    take(api, world, 2, "clerk2")
    call(api, world, 1, "clerk1")
    r = api.post(
        f"/api/v1/tickets/{ticket['id']}/transfer",
        json={"clerk": "clerk3"},
        headers=world.auth("clerk1"),
    )
    assert r.status_code == 200, r.text
    # Window 2 serves passports but is not clerk3's: nobody for it.
    r = api.post("/api/v1/offices/central/windows/2/call-next", headers=world.auth("clerk2"))
    assert r.status_code == 204
    clerks = api.get("/api/v1/offices/central/clerks", headers=world.auth("clerk1")).json()
    assert [(c["username"], c["window"]) for c in clerks] == [
        ("clerk1", 1),
        ("clerk2", 2),
        ("clerk3", None),
    ]
    take(api, world, 4, "clerk3")  # window 4 serves consultations only
    assert call(api, world, 4, "clerk3")["number"] == ticket["number"]
    (transferred,) = [p for t, p in events(world, ticket["id"]) if t == "ticket.transferred"]
    assert transferred["to_clerk"] == "Clerk3"


def test_a_transfer_without_one_clear_target_is_refused_and_changes_nothing(
    api: TestClient, world: World
) -> None:
    ticket = issue(api, world)
    take(api, world, 1, "clerk1")
    call(api, world, 1, "clerk1")
    url = f"/api/v1/tickets/{ticket['id']}/transfer"
    for body, status, code in (
        ({}, 422, "bad_transfer_target"),
        ({"window": 3, "clerk": "clerk2"}, 422, "bad_transfer_target"),
        ({"window": 1}, 422, "bad_transfer_target"),
        ({"window": 99}, 404, "window_not_found"),
        ({"clerk": "clerk1"}, 422, "bad_transfer_target"),
        ({"clerk": "north_clerk"}, 409, "transfer_target_unavailable"),
        ({"clerk": "manager"}, 409, "transfer_target_unavailable"),
    ):
        assert_error(api.post(url, json=body, headers=world.auth("clerk1")), status, code)
    assert card(api, world, ticket["id"])["status"] == "called"
    assert [a for a, *_ in steps(world, ticket["id"])] == ["issue", "call"]


# --- the card ---------------------------------------------------------------------------


def test_the_card_shows_the_category_and_the_document_to_check(
    api: TestClient, world: World
) -> None:
    with world.db.transaction() as s:
        category = s.scalar(select(PriorityCategory).where(PriorityCategory.code == "disabled"))
        assert category is not None
        category.proof_ru = "Справка МСЭ об инвалидности"
    ticket = issue(api, world, priority_category="disabled")
    assert ticket["priority_category_name_ru"] == "Инвалиды"  # printed on the ticket
    assert issue(api, world)["priority_category_name_ru"] is None
    take(api, world, 1, "clerk1")
    call(api, world, 1, "clerk1")
    shown = card(api, world, ticket["id"])
    assert shown["priority"] == {
        "code": "disabled",
        "name_ru": "Инвалиды",
        "proof_ru": "Справка МСЭ об инвалидности",
    }
    assert shown["booking"] is None and shown["came_from"] is None


def test_the_card_shows_a_booking_slot_and_where_a_redirect_came_from(
    api: TestClient, world: World
) -> None:
    """R4: a booked ticket shows its slot."""
    body = booked(api, "passport", "2026-11-23", "10:15")
    r = api.post(
        f"/api/v1/offices/central/bookings/{body['code']}/check-in", headers=world.auth("kiosk")
    )
    assert r.status_code == 200, r.text
    ticket_id = r.json()["id"]
    shown = card(api, world, ticket_id)
    assert shown["booking"]["slot_start"].startswith("2026-11-23T07:15")
    take(api, world, 1, "clerk1")
    call(api, world, 1, "clerk1")
    api.post(
        f"/api/v1/tickets/{ticket_id}/redirect",
        json={"service": "consult"},
        headers=world.auth("clerk1"),
    ).raise_for_status()
    came = card(api, world, ticket_id)["came_from"]
    assert came["action"] == "redirect" and came["service_name_ru"] == "Паспорт"
    assert came["window"] == 1 and came["clerk"] == "Clerk1"


# --- the reports see the new moves -------------------------------------------------------


def test_r1_the_reports_count_a_transfer_as_a_new_wait_and_a_hold_not_at_all(
    api: TestClient, world: World, scheduler: Scheduler
) -> None:
    """R1: the waits the reports measure are to the first call of each wait: a transfer
    starts a new one; a hold and the call after it add none."""
    moved = issue(api, world)
    held = issue(api, world)
    take(api, world, 1, "clerk1")
    take(api, world, 3, "clerk2")
    world.clock.advance(minutes=2)
    call(api, world, 1, "clerk1")  # moved: waited 2 min
    api.post(
        f"/api/v1/tickets/{moved['id']}/transfer", json={"window": 3}, headers=world.auth("clerk1")
    ).raise_for_status()
    world.clock.advance(minutes=4)
    call(api, world, 3, "clerk2")  # moved: waited 4 min at window 3
    call(api, world, 1, "clerk1")  # held: waited 6 min
    postpone(api, world, held["id"], 20, "clerk1").raise_for_status()
    world.clock.advance(minutes=20)
    scheduler.run_pending()
    call(api, world, 1, "clerk1")  # held again: no new wait
    with world.db.transaction(read_only=True) as s:
        office = s.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        day = date(2026, 11, 23)
        rows = s.execute(segments_select(Scope(offices=(office,), start=day, end=day))).all()
        waits = sorted((r.number, r.wait_s) for r in rows)
    assert waits == [(moved["number"], 120), (moved["number"], 240), (held["number"], 360)]
