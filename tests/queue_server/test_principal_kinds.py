"""A device is never a person (issue 13, items 4 and 7).

Identity checks compare the principal's kind and id: a board whose device id equals a
clerk's user id gets nothing of that clerk's. Devices read only what they use; bookings of
an office are shown in full only to its own staff; another office's kiosk learns nothing
from a booking code. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_server.auth.models import Device, User
from queue_server.auth.service import Principal, create_token, token_digest
from queue_server.errors import Forbidden
from queue_server.offices.models import Office
from tests.support.app import make_client
from tests.support.world import PASSWORD_HASH, World

#: Far above what the world's rows use, on both databases.
TWIN_ID = 9001


def _twins(world: World) -> None:
    """A clerk and a board of the central office that share the id TWIN_ID."""
    board_token = "dev_" + secrets.token_urlsafe(32)
    with world.db.transaction() as session:
        central = session.scalar(select(Office).where(Office.code == "central"))
        assert central is not None
        clerk = User(
            id=TWIN_ID,
            username="twin",
            full_name="Twin",
            password_hash=PASSWORD_HASH,
            role="clerk",
            office_id=central.id,
        )
        session.add(clerk)
        session.add(
            Device(
                id=TWIN_ID,
                office_id=central.id,
                kind="board",
                name="twin-board",
                token_hash=token_digest(board_token),
                created_at=world.clock.now(),
            )
        )
        session.flush()
        world.tokens["twin"] = create_token(
            session=session, clock=world.clock, user=clerk, ttl=timedelta(days=1000)
        )
    world.tokens["twin-board"] = board_token


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    """The app on the world, with a clerk and a board sharing one id."""
    _twins(world)
    with make_client(world) as test_client:
        yield test_client


def test_board_with_the_clerks_id_cannot_pause_resume_or_release(
    client: TestClient, world: World
) -> None:
    """The clerk's window is his alone: the board twin is refused every window move."""
    window = "/api/v1/offices/central/windows/3"
    assert client.post(f"{window}/take", headers=world.auth("twin")).status_code == 200
    board = world.auth("twin-board")
    paused = client.post(f"{window}/pause", json={"reason": "x"}, headers=board)
    assert paused.status_code == 403, paused.text
    assert client.post(f"{window}/release", headers=board).status_code == 403
    assert client.post(f"{window}/call-next", headers=board).status_code == 403
    assert client.post(f"{window}/pause", json={"reason": "обед"}, headers=world.auth("twin"))
    assert client.post(f"{window}/resume", headers=board).status_code == 403
    state = client.get("/api/v1/offices/central/windows", headers=world.auth("manager")).json()
    mine = next(w for w in state if w["number"] == 3)
    assert mine["clerk"] == "Twin" and mine["paused"] is True


def test_board_with_the_clerks_id_cannot_move_his_ticket(client: TestClient, world: World) -> None:
    """Ticket moves of the clerk's current ticket are refused to the board twin."""
    window = "/api/v1/offices/central/windows/4"
    client.post(f"{window}/take", headers=world.auth("twin"))
    client.post(
        "/api/v1/offices/central/tickets", json={"service": "consult"}, headers=world.auth("kiosk")
    )
    called = client.post(f"{window}/call-next", headers=world.auth("twin"))
    assert called.status_code == 200, called.text
    ticket = called.json()["id"]
    for action in ("recall", "start", "no-show", "finish"):
        answer = client.post(f"/api/v1/tickets/{ticket}/{action}", headers=world.auth("twin-board"))
        assert answer.status_code == 403, (action, answer.text)


def test_identity_helpers_compare_kind_and_id() -> None:
    """`is_user`/`is_device` and `require_role` never mistake one kind for the other."""
    board = Principal("device", 7, "board", 1, "board")
    clerk = Principal("user", 7, "clerk", 1, "clerk")
    assert clerk.is_user(7) and not board.is_user(7)
    assert board.is_device(7) and not clerk.is_device(7)
    assert board.user_id is None and clerk.user_id == 7
    assert not clerk.is_user(None)
    with pytest.raises(Forbidden):
        Principal("device", 1, "admin", None, "forged").require_role("admin")


@pytest.mark.parametrize("device", ["kiosk", "board"])
def test_devices_do_not_read_printer_urls_or_office_settings(
    client: TestClient, world: World, device: str
) -> None:
    """Workplace printers, booking policy, staff and the device list are not for devices."""
    for path in (
        "/api/v1/offices/central/case-settings",
        "/api/v1/offices/central/booking-policy",
        "/api/v1/offices/central/devices",
        "/api/v1/users",
        "/api/v1/agencies",
        "/api/v1/offices",
    ):
        answer = client.get(path, headers=world.auth(device))
        assert answer.status_code == 403, (path, answer.text)
        assert answer.json()["error"]["code"]


def test_other_offices_kiosk_checking_in_a_code_learns_nothing(
    client: TestClient, world: World
) -> None:
    """A north kiosk posting a central booking's code gets the unknown code's very answer."""
    slot = client.get(
        "/api/v1/public/offices/central/slots",
        params={"service": "passport", "day": (world.clock.now() + timedelta(days=1)).date()},
    ).json()
    free = next(s for s in slot["slots"] if s["free"] > 0)
    booked = client.post(
        "/api/v1/public/offices/central/bookings",
        json={
            "service": "passport",
            "slot_start": free["start"],
            "applicant_name": "Иванов Иван",
            "phone": "+79001234567",
        },
    )
    assert booked.status_code == 201, booked.text
    code = booked.json()["code"]
    path = "/api/v1/offices/central/bookings/{}/check-in"
    theirs = client.post(path.format(code), headers=world.auth("north_kiosk"))
    unknown = client.post(path.format("ZZZZZZZZZZ"), headers=world.auth("north_kiosk"))
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()
    own = client.post(path.format(code), headers=world.auth("kiosk"))
    assert own.status_code != 404, own.text  # too early, with the times: for its own kiosk


def test_bookings_are_masked_outside_their_office(client: TestClient, world: World) -> None:
    """The office's staff see the applicant's contacts; an admin sees initials and masks."""
    day = (world.clock.now() + timedelta(days=1)).date()
    slots = client.get(
        "/api/v1/public/offices/central/slots", params={"service": "passport", "day": day}
    ).json()
    free = next(s for s in slots["slots"] if s["free"] > 0)
    client.post(
        "/api/v1/public/offices/central/bookings",
        json={
            "service": "passport",
            "slot_start": free["start"],
            "applicant_name": "Иванов Иван",
            "phone": "+79001234567",
            "email": "ivanov@example.ru",
        },
    )
    path = f"/api/v1/offices/central/bookings?day={day}"
    own = client.get(path, headers=world.auth("clerk1")).json()
    assert own[0]["applicant_name"] == "Иванов Иван"
    assert own[0]["phone"].endswith("1234567") and own[0]["email"] == "ivanov@example.ru"
    admin = client.get(path, headers=world.auth("admin")).json()
    assert admin[0]["applicant_name"] == "И. И."
    assert "1234567" not in admin[0]["phone"] and "ivanov" not in admin[0]["email"]
