"""Bad input never gets a 500 and never writes anything (issue 13, item 6).

Each attack found against the running server is kept here, on SQLite and PostgreSQL: ids
beyond 64 bits, dates at the ends of the range, NUL characters, codes longer than their
column, negative window numbers, `Infinity` and megabytes in a device's state, numbers
passed as booleans, times without their offset. Every answer is a 4xx with the error shape
and the database is exactly as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select, text

import queue_server.metadata  # noqa: F401  (every table, for the snapshot)
from queue_server.auth.models import Device
from queue_server.db import Base
from queue_server.errors import install_error_handlers
from queue_server.limits import MAX_BODY_BYTES
from queue_server.types import DETAIL_MAX_BYTES
from tests.support.app import shared_app
from tests.support.world import World

HUGE = 10**23  # beyond 64 bits
API = "/api/v1"


def database_digest(world: World) -> str:
    """A fingerprint of every row of every table: equal digests, nothing written."""
    digest = hashlib.sha256()
    with world.db.transaction(read_only=True) as session:
        for table in Base.metadata.sorted_tables:
            rows = session.execute(select(table)).all()
            digest.update(table.name.encode())
            digest.update(repr(sorted(repr(tuple(row)) for row in rows)).encode())
    return digest.hexdigest()


@pytest.fixture
def untouched(world: World) -> Iterator[None]:
    """Fails the test if any table changed."""
    before = database_digest(world)
    yield
    assert database_digest(world) == before, "bad input wrote to the database"


def assert_refused(response: Response, *statuses: int) -> dict[str, Any]:
    """A 4xx (one of `statuses` when given) with the error shape."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    if statuses:
        assert response.status_code in statuses, (response.status_code, response.text[:500])
    error: dict[str, Any] = response.json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    if response.status_code in (413, 422):  # the refusals of this item speak Russian
        assert re.search("[а-яА-ЯёЁ]", error["message"]), error["message"]
    return error


def operations(param_type: str) -> list[tuple[str, str, str]]:
    """(method, path template, parameter) of every API operation with such a path param."""
    found = []
    for path, item in shared_app().openapi()["paths"].items():
        for method, operation in item.items():
            for param in operation.get("parameters", []):
                if param["in"] == "path" and param["schema"].get("type") == param_type:
                    found.append((method, path, param["name"]))
    return found


def fill(path: str, param: str, value: str) -> str:
    """The path with `param` set to `value` and every other parameter to a real one."""
    defaults = {"code": "central", "number": "1", "ticket_id": "1", "case_id": "1"}
    for name in re.findall(r"{(\w+)}", path):
        path = path.replace(f"{{{name}}}", value if name == param else defaults.get(name, "x"))
    return path


def send(api: TestClient, method: str, path: str, **kwargs: Any) -> Response:
    """One request; a body-taking method gets an empty JSON object unless given one."""
    if method in ("post", "put", "patch") and "json" not in kwargs and "content" not in kwargs:
        kwargs["json"] = {}
    return api.request(method.upper(), path, **kwargs)


# --- integers beyond 64 bits -------------------------------------------------------------


def test_ids_beyond_64_bits_in_every_path_are_refused(
    api: TestClient, world: World, untouched: None
) -> None:
    """Every operation with an integer in its path, as admin and anonymously."""
    ops = operations("integer")
    assert len(ops) >= 25  # tickets, cases, windows, devices, print jobs…
    for method, path, param in ops:
        url = fill(path, param, str(HUGE))
        for headers in (world.auth("admin"), {}):
            assert_refused(send(api, method, url, headers=headers))


def test_public_ticket_lookup_with_a_huge_id_is_refused(api: TestClient) -> None:
    """The reported case: GET /api/v1/tickets/99999999999999999999999, anonymously too."""
    r = api.get(f"{API}/tickets/99999999999999999999999")
    assert_refused(r, 401, 422)
    r = api.get(f"{API}/tickets/99999999999999999999999", headers={"Authorization": "Bearer x"})
    assert_refused(r, 401, 422)


@pytest.mark.parametrize(
    ("path", "who", "body"),
    [
        ("/offices/central/windows/1", "admin", {"led_address": HUGE, "services": []}),
        (
            "/offices/central/windows/1",
            "admin",
            {"services": [{"service": "passport", "order": HUGE}]},
        ),
        ("/offices/central/booking-policy", "admin", {"slot_minutes": HUGE}),
        ("/offices/central/booking-services/passport", "admin", {"capacity_per_slot": HUGE}),
        ("/services/passport", "admin", {"name_ru": "x", "prefix": "А", "position": HUGE}),
        ("/priority-categories/x", "admin", {"name_ru": "x", "rank": HUGE}),
        ("/offices/central/case-settings", "admin", {"storage_days": HUGE}),
    ],
)
def test_huge_integers_in_bodies_are_refused(
    api: TestClient, world: World, untouched: None, path: str, who: str, body: dict[str, Any]
) -> None:
    """Integers in bodies are bounded by their schemas."""
    r = api.put(f"{API}{path}", json=body, headers=world.auth(who))
    assert_refused(r, 422)


def test_huge_ticket_ids_in_an_intake_are_refused(
    api: TestClient, world: World, untouched: None
) -> None:
    """Ids inside a body (ticket, checklist document) are bounded like those in paths."""
    intake = {
        "ticket_id": HUGE,
        "service": "passport",
        "applicant": {"name": "Иванов", "document_type": "паспорт", "document_number": "1"},
        "documents": [{"service_document_id": HUGE, "sheets": 1}],
        "consent_personal_data": True,
    }
    r = api.post(f"{API}/offices/central/cases", json=intake, headers=world.auth("clerk1"))
    error = assert_refused(r, 422)
    assert "талон" in error["message"] and "документ по перечню" in error["message"]


# --- dates at the ends of the range -------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_dates_at_the_ends_of_the_range_are_refused(
    api: TestClient, world: World, untouched: None, day: str
) -> None:
    """Year 1 and 9999 in every date a request carries: query, path and body."""
    staff = world.auth("admin")
    attempts = [
        api.get(f"{API}/public/offices/central/slots", params={"service": "passport", "day": day}),
        api.get(f"{API}/offices/central/calendar", params={"start": day}, headers=staff),
        api.get(f"{API}/offices/central/bookings", params={"day": day}, headers=staff),
        api.get(
            f"{API}/offices/central/bookings/report",
            params={"start": day, "end": day},
            headers=staff,
        ),
        api.get(f"{API}/reports", params={"from": day, "to": day}, headers=staff),
        api.put(f"{API}/offices/central/days/{day}", json={"is_open": False}, headers=staff),
        api.delete(f"{API}/offices/central/days/{day}", headers=staff),
    ]
    for instant in (f"{day}T10:00:00+03:00", f"{day}T23:59:59-12:00", f"{day}T00:00:00+14:00"):
        attempts.append(
            api.post(
                f"{API}/public/offices/central/bookings",
                json={
                    "service": "passport",
                    "slot_start": instant,
                    "applicant_name": "Иванов",
                    "phone": "+79990000000",
                },
            )
        )
        attempts.append(
            api.post(
                f"{API}/offices/central/bookings",
                json={"service": "passport", "slot_start": instant},
                headers=staff,
            )
        )
    for r in attempts:
        assert_refused(r, 422)


def test_a_time_without_its_offset_is_refused(
    api: TestClient, world: World, untouched: None
) -> None:
    """Times always carry their offset: 10:00 means a different instant in each zone."""
    r = api.post(
        f"{API}/offices/central/bookings",
        json={"service": "passport", "slot_start": "2026-11-24T10:00:00"},
        headers=world.auth("admin"),
    )
    error = assert_refused(r, 422)
    assert "смещ" in error["message"]


# --- NUL characters -----------------------------------------------------------------------


def test_nul_in_the_login_form_is_refused(api: TestClient, untouched: None) -> None:
    """PostgreSQL cannot store or compare NUL: the login form refuses it first."""
    for form in (
        {"username": "admin\x00", "password": "password123"},
        {"username": "admin", "password": "pass\x00word123"},
    ):
        assert_refused(api.post(f"{API}/auth/token", data=form), 422)


def test_nul_in_public_paths_is_refused(api: TestClient, untouched: None) -> None:
    """The public pages' lookups by code: ticket, case, booking, office."""
    for path in (
        "/tickets/status/ab%00cd",
        "/cases/status/ab%00cd",
        "/public/bookings/ab%00cd",
        "/public/bookings/ab%00cd/qr.png",
        "/public/offices/cen%00tral/booking",
    ):
        assert_refused(api.get(f"{API}{path}"))
    assert_refused(api.post(f"{API}/public/bookings/ab%00cd/cancel"))


def test_nul_in_every_string_path_parameter_is_refused(
    api: TestClient, world: World, untouched: None
) -> None:
    """Every operation with a text in its path, as admin."""
    for method, path, param in operations("string"):
        url = fill(path, param, "ab%00cd")
        assert_refused(send(api, method, url, headers=world.auth("admin")))


def test_nul_in_bodies_and_queries_is_refused(
    api: TestClient, world: World, untouched: None
) -> None:
    """Any text of a body (nested too, keys too) and the search boxes."""
    admin = world.auth("admin")
    office = {"name": "МФЦ\x00", "opening_hours": {}}
    assert_refused(api.put(f"{API}/offices/central", json=office, headers=admin), 422)
    state = {"state": "ok", "detail": {"printer\x00": "ok"}}
    assert_refused(api.put(f"{API}/devices/me/state", json=state, headers=world.auth("kiosk")))
    lookup = api.get(
        f"{API}/offices/central/cases/lookup", params={"name": "Ив\x00"}, headers=admin
    )
    assert_refused(lookup, 422)


# --- codes longer than the column, negative window numbers -------------------------------


def test_codes_longer_than_their_column_are_refused(
    api: TestClient, world: World, untouched: None
) -> None:
    """SQLite would store a 10,000-character code; PostgreSQL would fail: both refuse."""
    admin = world.auth("admin")
    long = "x" * 10_000
    service = {"name_ru": "Услуга", "prefix": "Б", "kind": "consultation"}
    assert_refused(api.put(f"{API}/services/{long}", json=service, headers=admin), 422)
    assert_refused(api.put(f"{API}/agencies/{long}", json={"name": "x"}, headers=admin), 422)
    office = {"name": "МФЦ"}
    assert_refused(api.put(f"{API}/offices/{'x' * 33}", json=office, headers=admin), 422)
    ticket = {"service": "x" * 33}
    kiosk = world.auth("kiosk")
    assert_refused(api.post(f"{API}/offices/central/tickets", json=ticket, headers=kiosk), 422)
    user = {"username": "new_clerk", "password": "password123", "role": "clerk"}
    user["full_name"] = "И" * 201
    assert_refused(api.post(f"{API}/users", json=user, headers=admin), 422)


@pytest.mark.parametrize("number", ["-5", "0", "1000"])
def test_window_numbers_out_of_range_are_refused(
    api: TestClient, world: World, untouched: None, number: str
) -> None:
    """A window is numbered 1–999; -5 used to be stored on SQLite."""
    window = {"services": [{"service": "passport"}]}
    r = api.put(f"{API}/offices/central/windows/{number}", json=window, headers=world.auth("admin"))
    assert_refused(r, 422)


# --- a device's state ---------------------------------------------------------------------


def device_detail(world: World) -> Any:
    """The kiosk's stored state detail."""
    with world.db.transaction(read_only=True) as session:
        device = session.scalar(select(Device).where(Device.name == "kiosk"))
        assert device is not None
        return device.state_detail


@pytest.mark.parametrize("number", ["Infinity", "-Infinity", "NaN", "1e400"])
def test_non_finite_numbers_in_a_device_state_are_refused(
    api: TestClient, world: World, untouched: None, number: str
) -> None:
    """JSON has no Infinity; stored, it broke PostgreSQL and every page's JSON.parse."""
    body = '{"state": "warning", "detail": {"paper_left": ' + number + "}}"
    r = api.put(
        f"{API}/devices/me/state",
        content=body,
        headers={**world.auth("kiosk"), "Content-Type": "application/json"},
    )
    assert_refused(r, 422)


def test_a_large_or_deep_device_state_is_refused(
    api: TestClient, world: World, untouched: None
) -> None:
    """The detail goes to every subscribed page: at most 4 KB of JSON, a few levels deep."""
    kiosk = world.auth("kiosk")
    large = {"state": "ok", "detail": {"message": "x" * DETAIL_MAX_BYTES}}
    assert_refused(api.put(f"{API}/devices/me/state", json=large, headers=kiosk), 422)
    deep: dict[str, Any] = {"x": 1}
    for _ in range(10):
        deep = {"x": deep}
    nested = {"state": "ok", "detail": deep}
    assert_refused(api.put(f"{API}/devices/me/state", json=nested, headers=kiosk), 422)


def test_a_small_device_state_is_still_stored(api: TestClient, world: World) -> None:
    """The limits leave real reports alone."""
    detail = {"printer": "paper_near_end", "paper_left": 0.15, "codes": [1, 2], "ok": False}
    r = api.put(
        f"{API}/devices/me/state",
        json={"state": "warning", "detail": detail},
        headers=world.auth("kiosk"),
    )
    assert r.status_code == 200, r.text
    assert device_detail(world) == detail


def test_a_ten_megabyte_body_is_refused_before_it_is_read(
    api: TestClient, world: World, untouched: None
) -> None:
    """A 10 MB device state: 413 with the error shape, nothing stored or pushed."""
    body = json.dumps({"state": "ok", "detail": {"message": "x" * 10_000_000}})
    r = api.put(
        f"{API}/devices/me/state",
        content=body,
        headers={**world.auth("kiosk"), "Content-Type": "application/json"},
    )
    error = assert_refused(r, 413)
    assert error["code"] == "body_too_large"


def test_a_chunked_body_over_the_limit_is_refused(
    api: TestClient, world: World, untouched: None
) -> None:
    """Without a Content-Length the body is counted as it arrives."""

    def chunks() -> Iterator[bytes]:
        yield b'{"state": "ok", "detail": {"message": "'
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"x" * 65536
        yield b'"}}'

    r = api.put(
        f"{API}/devices/me/state",
        content=chunks(),
        headers={**world.auth("kiosk"), "Content-Type": "application/json"},
    )
    assert_refused(r, 413)


# --- strict types ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 1, "true", "yes", None])
def test_a_boolean_must_be_true_or_false(
    api: TestClient, world: World, untouched: None, value: Any
) -> None:
    """No 0, 1 or "yes" for a boolean: a client sending them has a bug worth seeing."""
    window = {"active": value, "services": [{"service": "passport"}]}
    r = api.put(f"{API}/offices/central/windows/1", json=window, headers=world.auth("admin"))
    error = assert_refused(r, 422)
    assert "true или false" in error["message"]


# --- the last line of defence -------------------------------------------------------------


def test_a_value_the_database_refuses_is_a_422_and_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Should a schema miss a limit, the database's refusal is a logged 422, not a 500."""
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/echo/{value}")
    def echo(value: int) -> dict[str, int]:
        with world.db.transaction() as session:  # the real database and its driver
            stored = session.execute(text("SELECT CAST(:v AS INTEGER)"), {"v": value})
            return {"value": int(stored.scalar_one())}

    with TestClient(app) as client, caplog.at_level(logging.WARNING, "queue_server.errors"):
        assert client.get("/echo/5").json() == {"value": 5}
        r = client.get(f"/echo/{HUGE}")  # SQLite: OverflowError; PostgreSQL: out of range
        error = assert_refused(r, 422)
        assert error["code"] == "invalid_value"
    assert any("misses a limit" in record.getMessage() for record in caplog.records)
