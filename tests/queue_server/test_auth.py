"""Logging in, tokens, roles and device tokens."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from tests.queue_server.test_tickets_api import assert_error
from tests.support.world import PASSWORD, World


def login(api: TestClient, username: str, password: str = PASSWORD) -> str:
    r = api.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "bearer"
    token: str = r.json()["access_token"]
    return token


def test_login_gives_a_working_bearer_token(api: TestClient, world: World) -> None:
    token = login(api, "clerk1")
    me = api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {
        "kind": "user",
        "id": me["id"],
        "role": "clerk",
        "office": "central",
        "name": "Clerk1",
    }


def test_wrong_password_and_unknown_user_look_the_same(api: TestClient, world: World) -> None:
    wrong = api.post("/api/v1/auth/token", data={"username": "clerk1", "password": "nope-nope"})
    unknown = api.post("/api/v1/auth/token", data={"username": "ghost", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert api.post("/api/v1/auth/token", data={"username": "clerk1"}).status_code == 422


def test_tokens_expire(api: TestClient, world: World) -> None:
    token = login(api, "clerk1")
    world.clock.advance(timedelta(hours=12, seconds=1))
    r = api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert_error(r, 401, "token_expired")


def test_device_token_identifies_a_device_of_its_office(api: TestClient, world: World) -> None:
    me = api.get("/api/v1/auth/me", headers=world.auth("kiosk")).json()
    assert (me["kind"], me["role"], me["office"]) == ("device", "kiosk", "central")


def test_devices_are_registered_by_managers_and_their_token_shown_once(
    api: TestClient, world: World
) -> None:
    r = api.post(
        "/api/v1/offices/central/devices",
        json={"kind": "board", "name": "hall-2"},
        headers=world.auth("manager"),
    )
    assert r.status_code == 201 and r.json()["token"].startswith("dev_")
    listed = api.get("/api/v1/offices/central/devices", headers=world.auth("manager")).json()
    assert all(d["token"] is None for d in listed) and "hall-2" in {d["name"] for d in listed}
    assert_error(
        api.post(
            "/api/v1/offices/central/devices",
            json={"kind": "board", "name": "x"},
            headers=world.auth("clerk1"),
        ),
        403,
        "wrong_role",
    )
    assert_error(
        api.post(
            "/api/v1/offices/north/devices",
            json={"kind": "board", "name": "x"},
            headers=world.auth("manager"),
        ),
        403,
        "wrong_office",
    )


def test_accounts_admins_create_any_managers_only_clerks_of_their_office(
    api: TestClient, world: World
) -> None:
    body = {"username": "newclerk", "password": "long-enough", "role": "clerk", "office": "central"}
    assert api.post("/api/v1/users", json=body, headers=world.auth("manager")).status_code == 201
    assert login(api, "newclerk", "long-enough")
    assert_error(
        api.post(
            "/api/v1/users",
            json={**body, "username": "boss", "role": "admin", "office": None},
            headers=world.auth("manager"),
        ),
        403,
        "wrong_role",
    )
    assert_error(
        api.post(
            "/api/v1/users",
            json={**body, "username": "xx1", "office": "north"},
            headers=world.auth("manager"),
        ),
        403,
        "wrong_office",
    )
    assert_error(
        api.post("/api/v1/users", json={**body}, headers=world.auth("admin")), 409, "username_taken"
    )
    assert_error(
        api.post(
            "/api/v1/users",
            json={**body, "username": "xx2", "office": None},
            headers=world.auth("admin"),
        ),
        422,
        "clerk_needs_office",
    )
    assert (
        api.post(
            "/api/v1/users",
            json={**body, "username": "xx3", "password": "short"},
            headers=world.auth("admin"),
        ).status_code
        == 422
    )
    assert_error(
        api.post("/api/v1/users", json={**body, "username": "xx4"}, headers=world.auth("clerk1")),
        403,
        "wrong_role",
    )
