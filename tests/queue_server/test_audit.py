"""The audit trail (R16): who did what and when, append-only, with no secret in it."""

from __future__ import annotations

import csv
import io
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from queue_server.audit.exceptions import AuditIsAppendOnly
from queue_server.audit.models import AuditEntry
from tests.queue_server.case_world import install_passport, intake_body, serve
from tests.support.world import PASSWORD, World

C = "/api/v1/offices/central"
WRONG_PASSWORD = "Неверный-пароль-42"


def trail(world: World) -> list[AuditEntry]:
    with world.db.transaction(read_only=True) as session:
        found = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        session.expunge_all()
        return found


def dump(entries: list[AuditEntry]) -> str:
    """Every column of every entry as one text, to search for secrets."""
    return "\n".join(repr((e.actor_name, e.action, e.target, e.address, e.detail)) for e in entries)


def login(api: TestClient, username: str, password: str) -> Any:
    return api.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_r16_logins_are_recorded_with_the_address_and_no_password_or_token_anywhere(
    api: TestClient,
    world: World,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """R16: a login and a failed one name the account and the address; neither the password
    nor any token reaches the trail or the logs."""
    caplog.set_level(logging.DEBUG)
    ok = login(api, "manager", PASSWORD)
    assert ok.status_code == 200, ok.text
    token = ok.json()["access_token"]
    assert login(api, "manager", WRONG_PASSWORD).status_code == 401
    # A password typed into the name field is no account's name: it is not kept.
    assert login(api, PASSWORD + "x", PASSWORD).status_code == 401
    # The token and a device token at work, a new device's token shown once.
    assert api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).is_success
    assert api.get(f"{C}/queue", headers=world.auth("kiosk")).is_success
    made = api.post(
        f"{C}/devices",
        json={"kind": "rating", "name": "tablet-9"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert made.status_code == 201
    new_device_token = made.json()["token"]
    reset = api.post(
        "/api/v1/users/clerk2/password",
        json={"password": "Новый-пароль-2026"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert reset.status_code == 204, reset.text

    entries = trail(world)
    assert [(e.action, e.actor_name, e.target) for e in entries] == [
        ("login", "Manager", "manager"),
        ("login_failed", "Manager", "manager"),
        ("login_failed", "неизвестный", "неизвестное имя"),
        ("device_added", "Manager", "tablet-9"),
        ("password_reset", "Manager", "clerk2"),
    ]
    assert entries[0].address == "testclient" and entries[1].address == "testclient"
    assert entries[0].office_id is not None and entries[2].office_id is None
    secrets = [
        PASSWORD,
        WRONG_PASSWORD,
        "Новый-пароль-2026",
        token,
        world.tokens["kiosk"],
        new_device_token,
    ]
    logged = caplog.text + "\n".join(capsys.readouterr())
    stored = dump(entries)
    for secret in secrets:
        assert secret not in stored
        assert secret not in logged


def test_r16_changes_to_offices_windows_accounts_and_devices_name_who_made_them(
    api: TestClient, world: World
) -> None:
    """R16: every change of configuration is an entry naming the account."""
    admin, manager = world.auth("admin"), world.auth("manager")
    window = {"services": [{"service": "consult"}], "led_address": 15}
    assert api.put(f"{C}/windows/5", json=window, headers=manager).is_success
    assert api.put(f"{C}/days/2026-12-31", json={"is_open": False}, headers=manager).is_success
    assert api.delete(f"{C}/days/2026-12-31", headers=manager).status_code == 204
    created = api.post(
        "/api/v1/users",
        json={
            "username": "clerk9",
            "password": "Пароль-клерка-9",
            "role": "clerk",
            "office": "central",
        },
        headers=manager,
    )
    assert created.status_code == 201, created.text
    assert api.patch("/api/v1/users/clerk9", json={"active": False}, headers=admin).is_success
    device = api.post(f"{C}/devices", json={"kind": "board", "name": "hall-2"}, headers=admin)
    assert api.delete(f"{C}/devices/{device.json()['id']}", headers=admin).status_code == 204
    group = {"name_ru": "Прочее", "position": 9}
    assert api.put("/api/v1/service-groups/other", json=group, headers=admin).is_success

    got = [(e.action, e.actor_name, e.target) for e in trail(world)]
    assert got == [
        ("window_changed", "Manager", "окно 5"),
        ("office_day_changed", "Manager", "2026-12-31"),
        ("office_day_removed", "Manager", "2026-12-31"),
        ("account_created", "Manager", "clerk9"),
        ("account_changed", "Admin", "clerk9"),
        ("device_added", "Admin", "hall-2"),
        ("device_revoked", "Admin", "hall-2"),
        ("catalogue_changed", "Admin", "other"),
    ]
    assert "Пароль-клерка-9" not in dump(trail(world))
    assert trail(world)[4].detail == {"active": False}


def test_r16_a_case_search_by_name_a_reprint_and_exports_are_recorded(
    api: TestClient, world: World
) -> None:
    """R16: a view of personal data (search by name or document), a reprint, an export."""
    clerk, manager = world.auth("clerk1"), world.auth("manager")
    found = api.get(
        f"{C}/cases/lookup",
        params={"name": "Иванов", "document_number": "4510 123456"},
        headers=clerk,
    )
    assert found.status_code == 200, found.text
    by_number = api.get(f"{C}/cases/lookup", params={"number": "1"}, headers=clerk)
    assert by_number.status_code == 200  # a receipt number is no personal data: not recorded
    ticket = api.post(f"{C}/tickets", json={"service": "passport"}, headers=world.auth("kiosk"))
    reprint = api.post(f"/api/v1/tickets/{ticket.json()['id']}/reprint", headers=clerk)
    assert reprint.status_code == 200, reprint.text
    period = {"from": "2026-11-01", "to": "2026-11-30"}
    assert api.get("/api/v1/ratings/export.csv", params=period, headers=manager).is_success
    assert api.get("/api/v1/audit/export.csv", headers=manager).is_success

    entries = trail(world)
    assert [(e.action, e.actor_name) for e in entries] == [
        ("personal_data_viewed", "Clerk1"),
        ("reprint", "Clerk1"),
        ("export", "Manager"),
        ("export", "Manager"),
    ]
    assert entries[0].detail == {"by": ["name", "document"], "cases": []}
    assert "Иванов" not in dump(entries) and "123456" not in dump(
        entries
    )  # the searched name is personal data itself
    assert entries[1].target == f"талон {ticket.json()['number']}"


def test_r16_the_trail_is_append_only_in_the_orm_and_in_the_database(
    api: TestClient, world: World
) -> None:
    """R16: no update or delete path: the ORM refuses, and so do the database's triggers."""
    assert login(api, "manager", PASSWORD).status_code == 200
    with pytest.raises(AuditIsAppendOnly), world.db.transaction() as session:
        entry = session.scalars(select(AuditEntry)).one()
        entry.target = "подмена"
        session.flush()
    with pytest.raises(AuditIsAppendOnly), world.db.transaction() as session:
        session.delete(session.scalars(select(AuditEntry)).one())
        session.flush()
    with pytest.raises((DBAPIError, IntegrityError)), world.db.transaction() as session:
        session.execute(update(AuditEntry).values(actor_name="кто-то другой"))
    assert login(api, "clerk1", PASSWORD).status_code == 200
    with pytest.raises((DBAPIError, IntegrityError)), world.db.transaction() as session:
        session.execute(text("DELETE FROM audit_entries WHERE action = 'login' AND id = 1"))
    assert [e.actor_name for e in trail(world)] == ["Manager", "Clerk1"]


def test_r16_the_whole_trail_cannot_be_emptied_either(api: TestClient, world: World) -> None:
    """R16: a DELETE of every entry and (PostgreSQL) a TRUNCATE are refused, as is picking
    entries out."""
    for who in ("manager", "clerk1"):
        assert login(api, who, PASSWORD).status_code == 200
    refusals = ["DELETE FROM audit_entries", "DELETE FROM audit_entries WHERE id > 1"]
    if world.db.engine.dialect.name == "postgresql":
        refusals.append("TRUNCATE audit_entries")
    for statement in refusals:
        with pytest.raises(DBAPIError) as refused, world.db.transaction() as session:
            session.execute(text(statement))
        assert "нельзя изменять или удалять" in str(refused.value)
    assert [e.actor_name for e in trail(world)] == ["Manager", "Clerk1"]


def test_r16_managers_see_their_office_and_filter_by_who_what_office_and_period(
    api: TestClient, world: World
) -> None:
    """R16: the trail for managers (their office) and admins (all), filtered, exported."""
    for who in ("manager", "clerk1", "north_clerk"):
        assert login(api, who, PASSWORD).status_code == 200
    world.clock.advance(days=2)
    assert login(api, "clerk2", PASSWORD).status_code == 200
    manager, admin = world.auth("manager"), world.auth("admin")

    names = [e["actor_name"] for e in api.get("/api/v1/audit", headers=manager).json()]
    assert names == ["Clerk2", "Clerk1", "Manager"]  # newest first, no north entry
    north = api.get("/api/v1/audit", params={"office": "north"}, headers=manager)
    assert north.status_code == 403
    assert api.get("/api/v1/audit", headers=world.auth("clerk1")).status_code == 403
    everyone = api.get("/api/v1/audit", headers=admin).json()
    assert len(everyone) == 4 and everyone[0]["action_ru"] == "Вход в систему"
    only_north = api.get("/api/v1/audit", params={"office": "north"}, headers=admin).json()
    assert [e["actor_name"] for e in only_north] == ["North_Clerk"]
    by_name = api.get("/api/v1/audit", params={"actor": "CLERK1"}, headers=admin).json()
    assert [e["actor_name"] for e in by_name] == ["Clerk1"]
    today = world.clock.now().date().isoformat()
    recent = api.get("/api/v1/audit", params={"from": today, "to": today}, headers=admin).json()
    assert [e["actor_name"] for e in recent] == ["Clerk2"]
    failed = api.get("/api/v1/audit", params={"action": "login_failed"}, headers=admin).json()
    assert failed == []
    unknown = api.get("/api/v1/audit", params={"action": "взлом"}, headers=admin)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["message"] == "Такого действия в журнале нет."

    exported = api.get("/api/v1/audit/export.csv", params={"office": "central"}, headers=admin)
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Время (UTC)", "Кто", "Учётная запись или устройство", "Действие"]
    assert [r[2] for r in rows[1:]] == ["Clerk2", "Clerk1", "Manager"]
    assert rows[1][3] == "Вход в систему"


def test_r16_a_clerks_moves_of_tickets_are_recorded_and_the_timers_own_are_not(
    api: TestClient, world: World, scheduler: Any
) -> None:
    """R16: a chosen call (with its reason), a recall, a no-show, a hold and its return, a
    transfer and a redirect name the clerk and the ticket; the R5 timers' own recall is not
    a person's action and stays in the ticket's history only."""
    clerk = world.auth("clerk1")
    issued = [
        api.post(f"{C}/tickets", json={"service": "passport"}, headers=world.auth("kiosk")).json()
        for _ in range(4)
    ]
    assert api.post(f"{C}/windows/1/take", headers=clerk).status_code == 200

    def call_next() -> dict[str, Any]:
        called = api.post(f"{C}/windows/1/call-next", headers=clerk)
        assert called.status_code == 200, called.text
        return called.json()

    def move(ticket: dict[str, Any], what: str, body: Any = None) -> None:
        done = api.post(f"/api/v1/tickets/{ticket['id']}/{what}", json=body, headers=clerk)
        assert done.status_code == 200, done.text

    first = call_next()
    world.clock.advance(seconds=61)
    scheduler.run_pending()  # the automatic recall (R5): not in the trail
    move(first, "recall")
    move(first, "no-show")
    second = call_next()
    move(second, "postpone", {"minutes": 5})
    move(second, "return")
    chosen = api.post(
        f"{C}/windows/1/call-chosen",
        json={"ticket_id": issued[3]["id"], "reason": "needs_help"},
        headers=clerk,
    )
    assert chosen.status_code == 200, chosen.text
    move(issued[3], "transfer", {"window": 2})
    third = call_next()
    move(third, "redirect", {"service": "consult"})

    got = [(e.action, e.actor_name, e.target) for e in trail(world)]
    number = {t["id"]: t["number"] for t in issued}
    assert got == [
        ("ticket_recalled", "Clerk1", f"талон {number[first['id']]}"),
        ("ticket_no_show", "Clerk1", f"талон {number[first['id']]}"),
        ("ticket_postponed", "Clerk1", f"талон {number[second['id']]}"),
        ("ticket_returned", "Clerk1", f"талон {number[second['id']]}"),
        ("ticket_called_chosen", "Clerk1", f"талон {issued[3]['number']}"),
        ("ticket_transferred", "Clerk1", f"талон {issued[3]['number']}"),
        ("ticket_redirected", "Clerk1", f"талон {number[third['id']]}"),
    ]
    entries = trail(world)
    assert entries[2].detail == {"minutes": 5}
    assert entries[4].detail == {
        "window": 1,
        "reason": "Заявителю нужна помощь (маломобильный, с ребёнком)",
        "note": "",
    }
    assert entries[5].detail == {"to_window": 2, "to_clerk": None}
    assert entries[6].detail == {"to_service": "consult"}
    assert {e.office_id for e in entries} == {entries[0].office_id} and entries[0].office_id
    steps = api.get(f"/api/v1/tickets/{first['id']}/history", headers=clerk).json()
    assert [(s["action"], s["automatic"]) for s in steps if s["action"] == "recall"] == [
        ("recall", True),
        ("recall", False),
    ]
    # The manager's audit page shows them in Russian.
    shown = api.get(
        "/api/v1/audit", params={"action": "ticket_called_chosen"}, headers=world.auth("manager")
    )
    assert [e["action_ru"] for e in shown.json()] == ["Вызов выбранного талона"]
    # A refused move writes nothing.
    again = api.post(f"/api/v1/tickets/{first['id']}/recall", headers=clerk)
    assert again.status_code == 409
    assert len(trail(world)) == 7


def test_r16_r13_the_issuance_of_a_result_is_recorded(api: TestClient, world: World) -> None:
    """R16, R13: handing a result over names the clerk and the case's register number; the
    recipient's name (personal data) is not in the trail."""
    agreement = {
        "number": "С-1",
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
        "services": ["passport"],
    }
    made = api.post("/api/v1/agencies/mvd/agreements", json=agreement, headers=world.auth("admin"))
    assert made.status_code in (200, 201), made.text
    install_passport(world)
    clerk = world.auth("clerk1")
    ticket = serve(api, world, "clerk1", 1, "passport")
    body = intake_body(api, world, ticket["id"], name="Петрова Анна Сергеевна")
    case = api.post(f"{C}/cases", json=body, headers=clerk).json()
    for step, data in (
        ("send", {"agency_incoming_number": "1"}),
        ("result", {"outcome": "granted"}),
    ):
        assert api.post(f"/api/v1/cases/{case['id']}/{step}", json=data, headers=clerk).is_success
    assert api.post(f"/api/v1/cases/{case['id']}/ready", headers=clerk).is_success
    before = len(trail(world))
    issued = api.post(
        f"/api/v1/cases/{case['id']}/issue",
        json={"identity_checked": True, "representative": None},
        headers=world.auth("clerk2"),
    )
    assert issued.status_code == 200, issued.text
    twice = api.post(
        f"/api/v1/cases/{case['id']}/issue", json={"identity_checked": True}, headers=clerk
    )
    assert twice.status_code == 409
    entries = trail(world)[before:]
    assert [(e.action, e.actor_name, e.target) for e in entries] == [
        ("result_issued", "Clerk2", case["registration_number"])
    ]
    assert entries[0].detail == {"by_representative": False, "ticket_id": None}
    assert "Петрова" not in dump(trail(world))
