"""Disabling accounts, resetting passwords and revoking devices, with role and office checks."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.queue_server.test_auth import login
from tests.queue_server.test_tickets_api import assert_error
from tests.support.world import PASSWORD, World


def _me(api: TestClient, token: str) -> int:
    return api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_manager_disables_a_clerk_who_is_logged_out_and_cannot_log_in(
    api: TestClient, world: World
) -> None:
    token = login(api, "clerk1")
    r = api.patch("/api/v1/users/clerk1", json={"active": False}, headers=world.auth("manager"))
    assert r.status_code == 200, r.text
    assert r.json()["active"] is False
    assert _me(api, token) == 401
    assert api.get("/api/v1/auth/me", headers=world.auth("clerk1")).status_code == 401
    bad = api.post("/api/v1/auth/token", data={"username": "clerk1", "password": PASSWORD})
    assert bad.status_code == 401
    back = api.patch("/api/v1/users/clerk1", json={"active": True}, headers=world.auth("manager"))
    assert back.json()["active"] is True
    assert login(api, "clerk1")


def test_manager_may_not_touch_other_offices_or_other_roles(api: TestClient, world: World) -> None:
    assert_error(
        api.patch(
            "/api/v1/users/north_clerk", json={"active": False}, headers=world.auth("manager")
        ),
        403,
        "wrong_office",
    )
    assert_error(
        api.patch("/api/v1/users/admin", json={"active": False}, headers=world.auth("manager")),
        403,
        "wrong_role",
    )
    assert_error(
        api.patch("/api/v1/users/clerk2", json={"role": "manager"}, headers=world.auth("manager")),
        403,
        "wrong_role",
    )
    assert_error(
        api.patch("/api/v1/users/clerk2", json={"office": "north"}, headers=world.auth("manager")),
        403,
        "wrong_office",
    )
    assert_error(
        api.patch("/api/v1/users/clerk2", json={"active": False}, headers=world.auth("clerk1")),
        403,
        "wrong_role",
    )
    assert_error(
        api.patch("/api/v1/users/nobody", json={"active": False}, headers=world.auth("admin")),
        404,
        "user_not_found",
    )
    # Nothing of the refused requests was written.
    users = {u["username"]: u for u in api.get("/api/v1/users", headers=world.auth("admin")).json()}
    assert users["north_clerk"]["active"] and users["admin"]["active"]
    assert users["clerk2"]["role"] == "clerk" and users["clerk2"]["office"] == "central"


def test_admin_changes_role_and_office_but_not_their_own(api: TestClient, world: World) -> None:
    r = api.patch(
        "/api/v1/users/clerk3",
        json={"role": "manager", "office": "north", "full_name": "Иванова"},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200, r.text
    assert (r.json()["role"], r.json()["office"], r.json()["full_name"]) == (
        "manager",
        "north",
        "Иванова",
    )
    assert_error(
        api.patch("/api/v1/users/clerk2", json={"no_office": True}, headers=world.auth("admin")),
        422,
        "clerk_needs_office",
    )
    assert_error(
        api.patch("/api/v1/users/admin", json={"active": False}, headers=world.auth("admin")),
        409,
        "own_account",
    )
    assert_error(
        api.patch("/api/v1/users/admin", json={"role": "clerk"}, headers=world.auth("admin")),
        409,
        "own_account",
    )


def test_password_reset_by_manager_admin_or_self_revokes_tokens(
    api: TestClient, world: World
) -> None:
    old = login(api, "clerk2")
    url = "/api/v1/users/clerk2/password"
    r = api.post(url, json={"password": "new-secret-1"}, headers=world.auth("manager"))
    assert r.status_code == 204, r.text
    assert _me(api, old) == 401
    fresh = login(api, "clerk2", "new-secret-1")
    mine = api.post(
        url, json={"password": "new-secret-2"}, headers={"Authorization": f"Bearer {fresh}"}
    )
    assert mine.status_code == 204
    assert login(api, "clerk2", "new-secret-2")
    assert_error(
        api.post(url, json={"password": "x" * 9}, headers=world.auth("clerk1")), 403, "wrong_role"
    )
    assert_error(
        api.post(
            "/api/v1/users/north_clerk/password",
            json={"password": "x" * 9},
            headers=world.auth("manager"),
        ),
        403,
        "wrong_office",
    )
    assert_error(
        api.post(
            "/api/v1/users/manager/password",
            json={"password": "x" * 9},
            headers=world.auth("north_manager"),
        ),
        403,
        "wrong_role",
    )
    short = api.post(url, json={"password": "short"}, headers=world.auth("admin"))
    assert short.status_code == 422
    assert_error(
        api.post(url, json={"password": "x" * 9}, headers=world.auth("kiosk")), 403, "wrong_role"
    )
    assert login(api, "clerk2", "new-secret-2")


def test_revoked_device_is_refused_and_disappears_from_the_list(
    api: TestClient, world: World
) -> None:
    url = "/api/v1/offices/central/devices"
    listed = api.get(url, headers=world.auth("manager")).json()
    kiosk = next(d for d in listed if d["name"] == "kiosk")
    assert kiosk["created_at"] is not None and kiosk["token"] is None
    assert api.get("/api/v1/auth/me", headers=world.auth("kiosk")).status_code == 200
    assert_error(
        api.delete(f"/api/v1/offices/north/devices/{kiosk['id']}", headers=world.auth("admin")),
        404,
        "device_not_found",
    )
    assert_error(
        api.delete(f"{url}/{kiosk['id']}", headers=world.auth("north_manager")),
        403,
        "wrong_office",
    )
    assert_error(
        api.delete(f"{url}/{kiosk['id']}", headers=world.auth("clerk1")), 403, "wrong_role"
    )
    assert api.get("/api/v1/auth/me", headers=world.auth("kiosk")).status_code == 200
    r = api.delete(f"{url}/{kiosk['id']}", headers=world.auth("manager"))
    assert r.status_code == 204
    assert api.get("/api/v1/auth/me", headers=world.auth("kiosk")).status_code == 401
    names = {d["name"] for d in api.get(url, headers=world.auth("manager")).json()}
    assert "kiosk" not in names and "board" in names
    assert_error(
        api.delete(f"{url}/{kiosk['id']}", headers=world.auth("manager")), 409, "device_revoked"
    )
