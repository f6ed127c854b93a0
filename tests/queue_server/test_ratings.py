"""Quality ratings of a finished visit (R8): the ticket's page, the window's screen, reports."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from queue_server.auth.service import add_device
from queue_server.offices.models import Office
from queue_server.ratings import rules
from queue_server.ratings.models import Rating
from queue_server.tickets.models import Ticket
from tests.support.world import World

C = "/api/v1/offices/central"
ALL_FIVE = {"waiting": 5, "courtesy": 4, "comfort": 5, "information": 3, "service_time": 4}


def serve(api: TestClient, world: World, clerk: str = "clerk1", window: int = 1) -> dict[str, Any]:
    """Issue a passport ticket and serve it to the end at the window; its issued body."""
    issued = api.post(f"{C}/tickets", json={"service": "passport"}, headers=world.auth("kiosk"))
    assert issued.status_code == 201, issued.text
    api.post(f"{C}/windows/{window}/take", headers=world.auth(clerk))
    called = api.post(f"{C}/windows/{window}/call-next", headers=world.auth(clerk))
    assert called.status_code == 200, called.text
    ticket_id = called.json()["id"]
    assert api.post(f"/api/v1/tickets/{ticket_id}/start", headers=world.auth(clerk)).is_success
    world.clock.advance(minutes=7)
    assert api.post(f"/api/v1/tickets/{ticket_id}/finish", headers=world.auth(clerk)).is_success
    with world.db.transaction(read_only=True) as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        return {"id": ticket.id, "number": ticket.number, "status_code": ticket.status_code}


def status_code_of(ticket: dict[str, Any]) -> str:
    if "status_code" in ticket:
        return str(ticket["status_code"])
    return str(ticket["status_url"]).rsplit("/", 1)[1]


def rating_device(world: World, office: str = "central", name: str = "rate-1") -> str:
    with world.db.transaction() as session:
        found = session.scalar(select(Office).where(Office.code == office))
        assert found is not None
        _device, token = add_device(
            session=session, clock=world.clock, office=found, kind="rating", name=name
        )
    world.tokens[name] = token
    return token


def count_ratings(world: World) -> int:
    with world.db.transaction(read_only=True) as session:
        return int(session.scalar(select(func.count()).select_from(Rating)) or 0)


def test_r8_the_holder_rates_a_finished_ticket_once_from_its_page(
    api: TestClient, world: World
) -> None:
    """R8: after service the ticket's page offers the form; a second rating is refused."""
    issued = api.post(f"{C}/tickets", json={"service": "passport"}, headers=world.auth("kiosk"))
    waiting_code = status_code_of(issued.json())
    url = f"/api/v1/tickets/status/{waiting_code}/rating"
    state = api.get(url).json()
    assert state["can_rate"] is False and "после того" in state["message"]
    refused = api.post(url, json={"courtesy": 5})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_ratable"

    ticket = serve(api, world)
    assert ticket["status_code"] == waiting_code
    state = api.get(url).json()
    assert state["can_rate"] is True
    assert [c["key"] for c in state["criteria"]] == list(rules.CRITERIA)
    r = api.post(url, json=ALL_FIVE)
    assert r.status_code == 201, r.text
    assert r.json()["message"] == "Спасибо! Ваша оценка принята."
    again = api.post(url, json={"courtesy": 1})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_rated"
    assert again.json()["error"]["message"] == "Этот визит уже оценён. Спасибо за вашу оценку!"
    assert api.get(url).json() | {"criteria": []} == {
        "ticket_id": ticket["id"],
        "number": ticket["number"],
        "can_rate": False,
        "rated": True,
        "message": "Этот визит уже оценён. Спасибо за вашу оценку!",
        "criteria": [],
    }
    with world.db.transaction(read_only=True) as session:
        (rating,) = session.scalars(select(Rating))
        assert rating.source == "page" and rating.low is False
        assert (rating.courtesy, rating.information) == (4, 3)
        assert rating.window_id is not None and rating.clerk_id is not None


def test_r8_marks_out_of_range_or_none_at_all_are_refused_in_russian(
    api: TestClient, world: World
) -> None:
    """R8: marks are 1–5; an empty rating or a mark of 0 or 6 writes nothing."""
    url = f"/api/v1/tickets/status/{status_code_of(serve(api, world))}/rating"
    for body in ({"waiting": 0}, {"courtesy": 6}, {"waiting": "пять"}, {"stars": 5}):
        r = api.post(url, json=body)
        assert r.status_code == 422, (body, r.text)
    empty = api.post(url, json={})
    assert empty.status_code == 422
    assert empty.json()["error"] == {
        "code": "no_marks",
        "message": "Поставьте хотя бы одну оценку от 1 до 5.",
    }
    assert count_ratings(world) == 0


def test_r8_the_page_rating_closes_after_the_rating_period(api: TestClient, world: World) -> None:
    """R8: the holder may rate within RATING_OPEN_HOURS of the end of service."""
    url = f"/api/v1/tickets/status/{status_code_of(serve(api, world))}/rating"
    world.clock.advance(hours=rules.RATING_OPEN_HOURS, minutes=1)
    r = api.post(url, json={"courtesy": 5})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_ratable"
    assert str(rules.RATING_OPEN_HOURS) in r.json()["error"]["message"]


def test_r8_the_rating_screen_at_the_window_offers_the_ticket_just_served(
    api: TestClient, world: World
) -> None:
    """R8: a rating device at window 1 gets the ticket finished there, rates it once."""
    rating_device(world)
    path = f"{C}/windows/1/rating"
    idle = api.get(path, headers=world.auth("rate-1")).json()
    assert idle["can_rate"] is False and idle["ticket_id"] is None
    ticket = serve(api, world)
    offered = api.get(path, headers=world.auth("rate-1")).json()
    assert offered["can_rate"] is True and offered["number"] == ticket["number"]
    r = api.post(
        path, json={"ticket_id": ticket["id"], "courtesy": 2}, headers=world.auth("rate-1")
    )
    assert r.status_code == 201, r.text
    assert api.get(path, headers=world.auth("rate-1")).json()["can_rate"] is False
    twice = api.post(
        path, json={"ticket_id": ticket["id"], "courtesy": 5}, headers=world.auth("rate-1")
    )
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_rated"
    # Another ticket, not rated within the window's minutes, is no longer offered.
    serve(api, world)
    world.clock.advance(minutes=rules.WINDOW_RATING_MINUTES, seconds=1)
    assert api.get(path, headers=world.auth("rate-1")).json()["can_rate"] is False
    late = api.post(path, json={"courtesy": 5}, headers=world.auth("rate-1"))
    assert late.status_code == 404 and late.json()["error"]["code"] == "no_ticket_to_rate"
    with world.db.transaction(read_only=True) as session:
        (rating,) = session.scalars(select(Rating))
        assert rating.source == "screen" and rating.low is True and rating.device_id is not None


def test_r8_only_a_rating_device_of_the_office_rates_at_a_window(
    api: TestClient, world: World
) -> None:
    """R8: a kiosk or a rating screen of another office may not rate at window 1."""
    rating_device(world, office="north", name="north-rate")
    serve(api, world)
    path = f"{C}/windows/1/rating"
    kiosk = api.post(path, json={"courtesy": 5}, headers=world.auth("kiosk"))
    assert kiosk.status_code == 403 and kiosk.json()["error"]["code"] == "not_a_rating_device"
    other = api.post(path, json={"courtesy": 5}, headers=world.auth("north-rate"))
    assert other.status_code == 403
    assert api.post(path, json={"courtesy": 5}).status_code == 401
    assert count_ratings(world) == 0


def test_r8_report_by_service_window_and_clerk_with_low_marks_and_exports(
    api: TestClient, world: World
) -> None:
    """R8: averages per group, the share of low marks (1–2) with their tickets, CSV/XLSX."""
    good = serve(api, world, clerk="clerk1", window=1)
    bad = serve(api, world, clerk="clerk2", window=2)
    for ticket, marks in ((good, ALL_FIVE), (bad, {"waiting": 1, "courtesy": 3})):
        r = api.post(f"/api/v1/tickets/status/{status_code_of(ticket)}/rating", json=marks)
        assert r.status_code == 201, r.text
    day = date.fromisoformat(str(world.clock.now().date()))
    period = {"from": (day.replace(day=1)).isoformat(), "to": day.isoformat()}

    by_clerk = api.get(
        "/api/v1/ratings/report", params={**period, "by": "clerk"}, headers=world.auth("manager")
    )
    assert by_clerk.status_code == 200, by_clerk.text
    report = by_clerk.json()
    assert report["offices"] == ["central"]
    groups = {g["key"]: g for g in report["groups"]}
    assert set(groups) == {"Clerk1", "Clerk2"}
    assert groups["Clerk1"]["courtesy"] == 4.0 and groups["Clerk1"]["low"] == 0
    assert groups["Clerk2"]["low"] == 1 and groups["Clerk2"]["low_share"] == 1.0
    assert groups["Clerk2"]["overall"] == 2.0
    assert [row["number"] for row in report["low"]] == [bad["number"]]
    assert report["low"][0]["window"] == 2 and report["low"][0]["clerk"] == "Clerk2"

    by_service = api.get(
        "/api/v1/ratings/report", params=period, headers=world.auth("manager")
    ).json()
    (passport,) = by_service["groups"]
    assert passport["key"] == "Паспорт" and passport["ratings"] == 2
    assert passport["low_share"] == 0.5 and passport["waiting"] == 3.0
    by_window = api.get(
        "/api/v1/ratings/report", params={**period, "by": "window"}, headers=world.auth("admin")
    ).json()
    assert [g["key"] for g in by_window["groups"]] == [
        "МФЦ Центральный, окно 1",
        "МФЦ Центральный, окно 2",
    ]
    assert by_window["offices"] == ["central", "north"]

    exported = api.get("/api/v1/ratings/export.csv", params=period, headers=world.auth("manager"))
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Талон", "Офис", "Услуга", "Окно", "Сотрудник"]
    assert [r[0] for r in rows[1:]] == [good["number"], bad["number"]]
    assert rows[2][-5:] == ["1", "3", "", "", ""]
    xlsx = api.get("/api/v1/ratings/export.xlsx", params=period, headers=world.auth("manager"))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][0] == good["number"] and values[1][4] == "Clerk1"
    assert values[2][-5:] == (1, 3, None, None, None)


def test_r8_reports_keep_to_the_callers_offices_and_refuse_bad_periods(
    api: TestClient, world: World
) -> None:
    """R8 reports: a manager of another office and a clerk are refused; periods are checked."""
    period = {"from": "2026-11-01", "to": "2026-11-30"}
    other = api.get(
        "/api/v1/ratings/report",
        params={**period, "office": "central"},
        headers=world.auth("north_manager"),
    )
    assert other.status_code == 403
    assert other.json()["error"]["message"] == (
        "Отчёты офиса «МФЦ Центральный» доступны только его руководителю и администраторам."
    )
    clerk = api.get("/api/v1/ratings/report", params=period, headers=world.auth("clerk1"))
    assert clerk.status_code == 403
    backwards = api.get(
        "/api/v1/ratings/report",
        params={"from": "2026-11-30", "to": "2026-11-01"},
        headers=world.auth("manager"),
    )
    assert backwards.status_code == 422
    assert backwards.json()["error"]["message"] == "Конец периода раньше его начала."
    too_long = api.get(
        "/api/v1/ratings/export.csv",
        params={"from": "2025-01-01", "to": "2026-11-30"},
        headers=world.auth("manager"),
    )
    assert too_long.status_code == 422
