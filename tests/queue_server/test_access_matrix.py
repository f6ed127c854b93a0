"""Access as a tested matrix (issue 13, item 7): every operation × every principal.

The operations come from the served OpenAPI; `RULES` mirrors docs/access.md. An allowed
call must not be refused (not 401/403, whatever else the state makes of it); a forbidden
one gets 401 or 403, or 404 where the rule says existence must not leak. An operation not
in `RULES` fails the test: a new endpoint must be classified before it ships.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_server.auth.models import Device
from queue_server.devices.models import TicketPrintJob
from queue_server.tickets.models import Ticket
from tests.queue_server.case_world import install_passport, intake_body, serve
from tests.support.app import make_client
from tests.support.world import PASSWORD, World

PRINCIPALS = (
    "anonymous",
    "kiosk",
    "board",
    "other_clerk",
    "other_manager",
    "clerk",
    "manager",
    "admin",
)
#: The world's account or device behind each principal of the matrix.
TOKEN_OF = {
    "kiosk": "kiosk",
    "board": "board",
    "other_clerk": "north_clerk",
    "other_manager": "north_manager",
    "clerk": "clerk1",
    "manager": "manager",
    "admin": "admin",
}

EVERYONE = frozenset(PRINCIPALS)
ANY_TOKEN = EVERYONE - {"anonymous"}
ALL_STAFF = frozenset({"admin", "manager", "clerk", "other_manager", "other_clerk"})
STAFF_HERE = frozenset({"admin", "manager", "clerk"})
MANAGERS_HERE = frozenset({"admin", "manager"})
# Cases hold applicants' personal data: the office's own staff only, not admins (R16).
OFFICE_STAFF = frozenset({"manager", "clerk"})
ADMIN = frozenset({"admin"})
CLERK = frozenset({"clerk"})
KIOSK = frozenset({"kiosk"})
DEVICES = frozenset({"kiosk", "board"})


@dataclass(frozen=True)
class Rule:
    """Who may call an operation, the body it is called with, and whether a refusal hides."""

    allowed: frozenset[str]
    body: dict[str, Any] | None = None
    # A refusal answers 404 like an unknown id: the thing's existence must not leak.
    hidden: bool = False
    form: dict[str, str] = field(default_factory=dict)


WINDOW = {"services": [{"service": "consult"}]}
CATALOGUE_SERVICE = {"name_ru": "Справка", "prefix": "С", "kind": "consultation"}
COMPLAINT = {
    "category": "waiting",
    "applicant_name": "Иванов Иван",
    "applicant_contact": "+79001234567",
    "text": "Долго ждал",
    "consent_personal_data": True,
}
AGREEMENT = {
    "number": "1/2026",
    "valid_from": "2026-01-01",
    "valid_to": "2026-12-31",
    "services": ["passport"],
}

RULES: dict[str, Rule] = {
    # --- accounts and tokens
    "POST /api/v1/auth/token": Rule(EVERYONE, form={"username": "manager", "password": PASSWORD}),
    "GET /api/v1/auth/me": Rule(ANY_TOKEN),
    "GET /api/v1/users": Rule(MANAGERS_HERE | {"other_manager"}),
    "POST /api/v1/users": Rule(
        MANAGERS_HERE,
        {"username": "new_clerk", "password": "password123", "role": "clerk", "office": "central"},
    ),
    "PATCH /api/v1/users/{username}": Rule(MANAGERS_HERE, {"full_name": "Клерк Два"}),
    "POST /api/v1/users/{username}/password": Rule(MANAGERS_HERE, {"password": "password456"}),
    # --- the shared catalogue: read by staff (kiosks: groups, categories), edited by admins
    "GET /api/v1/services": Rule(ALL_STAFF),
    "GET /api/v1/services/{service_code}": Rule(ALL_STAFF),
    "PUT /api/v1/services/{service_code}": Rule(ADMIN, CATALOGUE_SERVICE),
    "GET /api/v1/services/{service_code}/intake-form": Rule(ALL_STAFF),
    "GET /api/v1/service-groups": Rule(ALL_STAFF | KIOSK),
    "PUT /api/v1/service-groups/{group_code}": Rule(ADMIN, {"name_ru": "Документы"}),
    "GET /api/v1/agencies": Rule(ALL_STAFF),
    "PUT /api/v1/agencies/{agency_code}": Rule(ADMIN, {"name": "МВД"}),
    "GET /api/v1/priority-categories": Rule(ALL_STAFF | KIOSK),
    "PUT /api/v1/priority-categories/{category_code}": Rule(ADMIN, {"name_ru": "Инвалиды"}),
    # --- offices: configured by their managers, created by admins
    "GET /api/v1/offices": Rule(ALL_STAFF),
    "GET /api/v1/offices/{code}": Rule(STAFF_HERE | KIOSK),
    "PUT /api/v1/offices/{code}": Rule(MANAGERS_HERE, {"name": "МФЦ Центральный"}),
    "GET /api/v1/offices/{code}/calendar": Rule(STAFF_HERE | KIOSK),
    "PUT /api/v1/offices/{code}/days/{day}": Rule(MANAGERS_HERE, {"is_open": False}),
    "DELETE /api/v1/offices/{code}/days/{day}": Rule(MANAGERS_HERE),
    "GET /api/v1/offices/{code}/services": Rule(STAFF_HERE | KIOSK),
    "GET /api/v1/offices/{code}/devices": Rule(MANAGERS_HERE),
    "POST /api/v1/offices/{code}/devices": Rule(MANAGERS_HERE, {"kind": "board", "name": "b2"}),
    "DELETE /api/v1/offices/{code}/devices/{device_id}": Rule(MANAGERS_HERE),
    "GET /api/v1/offices/{code}/device-states": Rule(STAFF_HERE),
    "GET /api/v1/offices/{code}/devices/{device_id}/settings": Rule(MANAGERS_HERE),
    "PUT /api/v1/offices/{code}/devices/{device_id}/settings": Rule(
        MANAGERS_HERE, {"running_text": "Добро пожаловать"}
    ),
    "GET /api/v1/offices/{code}/dashboard": Rule(MANAGERS_HERE),
    "GET /api/v1/offices/{code}/case-settings": Rule(MANAGERS_HERE),
    "PUT /api/v1/offices/{code}/case-settings": Rule(MANAGERS_HERE, {"storage_days": 30}),
    # --- windows and the live queue
    "GET /api/v1/offices/{code}/windows": Rule(STAFF_HERE | {"board"}),
    "PUT /api/v1/offices/{code}/windows/{number}": Rule(MANAGERS_HERE, WINDOW),
    "POST /api/v1/offices/{code}/windows/{number}/take": Rule(CLERK),
    "POST /api/v1/offices/{code}/windows/{number}/call-next": Rule(CLERK),
    "POST /api/v1/offices/{code}/windows/{number}/pause": Rule(STAFF_HERE, {"reason": "обед"}),
    "POST /api/v1/offices/{code}/windows/{number}/resume": Rule(STAFF_HERE),
    "POST /api/v1/offices/{code}/windows/{number}/release": Rule(STAFF_HERE),
    "POST /api/v1/offices/{code}/windows/{number}/scans": Rule(OFFICE_STAFF, {"payload": "X"}),
    "GET /api/v1/offices/{code}/board": Rule(STAFF_HERE | {"board"}),
    "GET /api/v1/offices/{code}/events": Rule(STAFF_HERE | {"board"}),
    "GET /api/v1/offices/{code}/queue": Rule(STAFF_HERE | DEVICES),
    "POST /api/v1/offices/{code}/tickets": Rule(STAFF_HERE | KIOSK, {"service": "consult"}),
    "GET /api/v1/offices/{code}/print-jobs": Rule(STAFF_HERE),
    # --- one ticket
    "GET /api/v1/tickets/{ticket_id}": Rule(STAFF_HERE),
    "GET /api/v1/tickets/{ticket_id}/history": Rule(STAFF_HERE),
    "GET /api/v1/tickets/{ticket_id}/cases": Rule(OFFICE_STAFF),
    "POST /api/v1/tickets/{ticket_id}/recall": Rule(STAFF_HERE),
    "POST /api/v1/tickets/{ticket_id}/start": Rule(STAFF_HERE),
    "POST /api/v1/tickets/{ticket_id}/finish": Rule(STAFF_HERE),
    "POST /api/v1/tickets/{ticket_id}/no-show": Rule(STAFF_HERE),
    "POST /api/v1/tickets/{ticket_id}/redirect": Rule(STAFF_HERE, {"service": "results"}),
    "POST /api/v1/tickets/{ticket_id}/cancel": Rule(STAFF_HERE),
    # --- the clerk's moves beyond "call next" (queue_server/clerk)
    "GET /api/v1/tickets/{ticket_id}/card": Rule(STAFF_HERE),
    "GET /api/v1/clerk/call-reasons": Rule(ALL_STAFF),
    "GET /api/v1/offices/{code}/clerks": Rule(STAFF_HERE),
    "GET /api/v1/offices/{code}/holds": Rule(STAFF_HERE),
    "GET /api/v1/offices/{code}/reports/chosen-calls": Rule(MANAGERS_HERE),
    "POST /api/v1/offices/{code}/windows/{number}/call-chosen": Rule(
        CLERK, {"ticket_id": 1, "reason": "manager"}
    ),
    "POST /api/v1/tickets/{ticket_id}/postpone": Rule(STAFF_HERE, {"minutes": 5}),
    "POST /api/v1/tickets/{ticket_id}/return": Rule(STAFF_HERE),
    "POST /api/v1/tickets/{ticket_id}/transfer": Rule(STAFF_HERE, {"window": 3}),
    "POST /api/v1/offices/{code}/services/{service_code}/cancel-waiting": Rule(
        MANAGERS_HERE, {"reason": "Отключили электричество"}
    ),
    "POST /api/v1/tickets/{ticket_id}/print-failed": Rule(KIOSK, {"reason": "нет бумаги"}),
    "POST /api/v1/tickets/{ticket_id}/reprint": Rule(STAFF_HERE),
    # --- devices' own calls
    "PUT /api/v1/devices/me/state": Rule(DEVICES, {"state": "ok"}),
    "GET /api/v1/devices/me/print-jobs": Rule(KIOSK),
    "GET /api/v1/devices/me/settings": Rule(frozenset({"board"})),
    "POST /api/v1/print-jobs/{job_id}/printed": Rule(KIOSK, hidden=True),
    # --- bookings
    "GET /api/v1/offices/{code}/bookings": Rule(STAFF_HERE),
    "POST /api/v1/offices/{code}/bookings": Rule(STAFF_HERE, None),  # body: the fixture's slot
    "GET /api/v1/offices/{code}/bookings/report": Rule(MANAGERS_HERE),
    "POST /api/v1/offices/{code}/bookings/{booking_code}/check-in": Rule(
        STAFF_HERE | KIOSK, hidden=True
    ),
    "GET /api/v1/offices/{code}/booking-policy": Rule(STAFF_HERE),
    "PUT /api/v1/offices/{code}/booking-policy": Rule(MANAGERS_HERE, {}),
    "GET /api/v1/offices/{code}/notification-settings": Rule(MANAGERS_HERE),
    "GET /api/v1/offices/{code}/notification-channels": Rule(STAFF_HERE),
    "PUT /api/v1/offices/{code}/notification-settings": Rule(MANAGERS_HERE, {}),
    "GET /api/v1/offices/{code}/notifications/report": Rule(MANAGERS_HERE),
    "PUT /api/v1/offices/{code}/booking-services/{service_code}": Rule(
        MANAGERS_HERE, {"bookable": True}
    ),
    # --- cases: applicants' personal data, the office's own staff (R16)
    "GET /api/v1/offices/{code}/cases": Rule(OFFICE_STAFF),
    "POST /api/v1/offices/{code}/cases": Rule(CLERK, None),  # body: the fixture's intake
    "GET /api/v1/offices/{code}/cases/lookup": Rule(OFFICE_STAFF),
    "GET /api/v1/offices/{code}/cases/overdue": Rule(STAFF_HERE),
    "GET /api/v1/offices/{code}/cases/overdue/list": Rule(STAFF_HERE),
    "GET /api/v1/offices/{code}/cases/handover": Rule(MANAGERS_HERE),
    "POST /api/v1/cases/{case_id}/explanation-request": Rule(OFFICE_STAFF, {}),
    "GET /api/v1/cases/{case_id}": Rule(OFFICE_STAFF),
    "GET /api/v1/cases/{case_id}/history": Rule(OFFICE_STAFF),
    "GET /api/v1/cases/{case_id}/notifications": Rule(OFFICE_STAFF),
    "GET /api/v1/cases/{case_id}/receipt": Rule(OFFICE_STAFF),
    "GET /api/v1/cases/{case_id}/receipt.pdf": Rule(OFFICE_STAFF),
    "POST /api/v1/cases/{case_id}/receipt/print": Rule(OFFICE_STAFF),
    "GET /api/v1/cases/{case_id}/issuance-receipt.pdf": Rule(OFFICE_STAFF),
    "POST /api/v1/cases/{case_id}/issuance-receipt/print": Rule(OFFICE_STAFF),
    "POST /api/v1/cases/{case_id}/send": Rule(OFFICE_STAFF, {}),
    "POST /api/v1/cases/{case_id}/result": Rule(OFFICE_STAFF, {}),
    "POST /api/v1/cases/{case_id}/ready": Rule(OFFICE_STAFF),
    "POST /api/v1/cases/{case_id}/issue": Rule(OFFICE_STAFF, {"identity_checked": True}),
    "POST /api/v1/cases/{case_id}/refuse": Rule(OFFICE_STAFF, {"reason": "отказ"}),
    "POST /api/v1/cases/{case_id}/return": Rule(OFFICE_STAFF, {"reason": "возврат"}),
    "POST /api/v1/cases/{case_id}/archive": Rule(OFFICE_STAFF, {"reason": "архив"}),
    "POST /api/v1/cases/{case_id}/visits": Rule(OFFICE_STAFF, None),  # body: a ticket id
    # --- complaints: applicants' personal data, the office's own staff (R16, R17)
    "GET /api/v1/offices/{code}/complaints": Rule(OFFICE_STAFF),
    "POST /api/v1/offices/{code}/complaints": Rule(OFFICE_STAFF, COMPLAINT),
    "GET /api/v1/complaints/{complaint_id}": Rule(OFFICE_STAFF),
    "POST /api/v1/complaints/{complaint_id}/review": Rule(OFFICE_STAFF, {}),
    "POST /api/v1/complaints/{complaint_id}/answer": Rule(OFFICE_STAFF, {"answer": "Ответ"}),
    "POST /api/v1/complaints/{complaint_id}/withdraw": Rule(OFFICE_STAFF, {"reason": "отозвана"}),
    "GET /api/v1/reports/complaints": Rule(MANAGERS_HERE),
    # --- agency agreements (R18): read by staff, kept by admins (the catalogue is shared)
    "GET /api/v1/agreements": Rule(ALL_STAFF),
    "POST /api/v1/agencies/{agency_code}/agreements": Rule(ADMIN, AGREEMENT),
    "PUT /api/v1/agreements/{agreement_id}": Rule(ADMIN, AGREEMENT),
    "DELETE /api/v1/agreements/{agreement_id}": Rule(ADMIN),
    # --- reports: own office for managers, every office for admins
    "GET /api/v1/reports": Rule(MANAGERS_HERE),
    "GET /api/v1/reports/export.{fmt}": Rule(MANAGERS_HERE),
    "GET /api/v1/reports/charts/{chart}.{fmt}": Rule(MANAGERS_HERE),
    "GET /api/v1/reports/staffing": Rule(MANAGERS_HERE),
    "GET /api/v1/reports/chosen-calls": Rule(MANAGERS_HERE),
    "GET /api/v1/reports/chosen-calls/export.csv": Rule(MANAGERS_HERE),
    "GET /api/v1/reports/whatif/defaults": Rule(MANAGERS_HERE),
    # An empty day (nobody comes): the run ends at once.
    "POST /api/v1/reports/whatif": Rule(
        MANAGERS_HERE, body={"office": "central", "windows": [1] * 24, "arrivals": [0.0] * 24}
    ),
    # --- ratings (R8): at a window its staff and rating devices; reports as the audit trail
    "GET /api/v1/offices/{code}/windows/{number}/rating": Rule(STAFF_HERE),
    "POST /api/v1/offices/{code}/windows/{number}/rating": Rule(STAFF_HERE, {"courtesy": 5}),
    "GET /api/v1/ratings": Rule(MANAGERS_HERE | {"other_manager"}),
    "GET /api/v1/ratings/report": Rule(MANAGERS_HERE | {"other_manager"}),
    "GET /api/v1/ratings/export.{fmt}": Rule(MANAGERS_HERE | {"other_manager"}),
    # --- the audit trail (R16): admins all, managers their own office's entries
    "GET /api/v1/audit": Rule(MANAGERS_HERE | {"other_manager"}),
    "GET /api/v1/audit/export.csv": Rule(MANAGERS_HERE | {"other_manager"}),
    "GET /api/v1/audit/actions": Rule(ALL_STAFF),
    # the form lists the caller's own offices: every manager and admin may open it
    "GET /api/v1/reports/form": Rule(MANAGERS_HERE | {"other_manager"}),
    # --- public: no login, answers only by an unguessable code
    "GET /api/v1/tickets/status/{status_code}/rating": Rule(EVERYONE),
    "POST /api/v1/tickets/status/{status_code}/rating": Rule(EVERYONE, {"courtesy": 5}),
    "GET /api/v1/tickets/status/{status_code}": Rule(EVERYONE),
    "GET /api/v1/tickets/status/{status_code}/notifications": Rule(EVERYONE),
    "POST /api/v1/tickets/status/{status_code}/notifications": Rule(
        EVERYONE, {"phone": "+79161234567", "consent": True}
    ),
    "DELETE /api/v1/tickets/status/{status_code}/notifications": Rule(EVERYONE),
    "GET /api/v1/cases/status/{status_code}": Rule(EVERYONE),
    "GET /api/v1/public/offices/{code}/booking": Rule(EVERYONE),
    "GET /api/v1/public/offices/{code}/slots": Rule(EVERYONE),
    "POST /api/v1/public/offices/{code}/bookings": Rule(EVERYONE, None),  # body: a slot
    "GET /api/v1/public/bookings/{booking_code}": Rule(EVERYONE),
    "GET /api/v1/public/bookings/{booking_code}/qr.png": Rule(EVERYONE),
    "POST /api/v1/public/bookings/{booking_code}/reschedule": Rule(EVERYONE, None),
    "POST /api/v1/public/bookings/{booking_code}/cancel": Rule(EVERYONE),
    "POST /api/v1/public/offices/{code}/complaints": Rule(EVERYONE, COMPLAINT),
    # --- a place in the live queue taken from the phone (issue 17)
    "GET /api/v1/public/offices/{code}/remote-queue": Rule(EVERYONE),
    "POST /api/v1/public/offices/{code}/remote-tickets": Rule(
        EVERYONE, {"service": "consult", "phone": "+79001112233", "consent": True}
    ),
    "POST /api/v1/offices/{code}/remote-tickets/{checkin_code}/check-in": Rule(
        STAFF_HERE | KIOSK, hidden=True
    ),
    "GET /api/v1/offices/{code}/remote-tickets": Rule(STAFF_HERE),
    "POST /api/v1/tickets/status/{status_code}/give-up": Rule(EVERYONE),
    "POST /api/v1/tickets/{ticket_id}/arrived": Rule(STAFF_HERE),
    "GET /api/v1/offices/{code}/remote-policy": Rule(STAFF_HERE),
    "PUT /api/v1/offices/{code}/remote-policy": Rule(MANAGERS_HERE, {"enabled": False}),
}


@dataclass
class Facts:
    """One of each thing of the central office, for the path parameters and bodies."""

    path: dict[str, str]
    query: dict[str, str]
    bodies: dict[str, dict[str, Any]]


def _book(client: TestClient, world: World) -> tuple[str, str]:
    """A public booking tomorrow: its code and its slot's start."""
    day = (world.clock.now() + timedelta(days=1)).date()
    slots = client.get(
        "/api/v1/public/offices/central/slots", params={"service": "passport", "day": day}
    ).json()
    free = [s for s in slots["slots"] if s["free"] > 0]
    booked = client.post(
        "/api/v1/public/offices/central/bookings",
        json={
            "service": "passport",
            "slot_start": free[0]["start"],
            "applicant_name": "Иванов Иван",
            "phone": "+79001234567",
        },
    )
    assert booked.status_code == 201, booked.text
    return booked.json()["code"], free[1]["start"]


def _facts(client: TestClient, world: World) -> Facts:
    """Create a served intake with its case, a waiting ticket, a print job and a booking."""
    install_passport(world)
    served = serve(client, world, "clerk1", 1, "passport")
    created = client.post(
        "/api/v1/offices/central/cases",
        json=intake_body(client, world, served["id"]),
        headers=world.auth("clerk1"),
    )
    assert created.status_code == 201, created.text
    case = created.json()
    waiting = client.post(
        "/api/v1/offices/central/tickets", json={"service": "consult"}, headers=world.auth("kiosk")
    ).json()
    failed = client.post(
        f"/api/v1/tickets/{waiting['id']}/print-failed",
        json={"reason": "нет бумаги"},
        headers=world.auth("kiosk"),
    )
    assert failed.status_code == 201, failed.text
    booking_code, other_slot = _book(client, world)
    with world.db.transaction(read_only=True) as session:
        ticket = session.get(Ticket, waiting["id"])
        assert ticket is not None
        status_code = ticket.status_code
        job_id = session.scalar(select(TicketPrintJob.id))
        spare = session.scalar(select(Device.id).where(Device.name == "board"))
    complaint = client.post(
        "/api/v1/offices/central/complaints", json=COMPLAINT, headers=world.auth("clerk1")
    )
    assert complaint.status_code == 201, complaint.text
    agreement = client.post(
        "/api/v1/agencies/mvd/agreements",
        json={**AGREEMENT, "number": "0/2026"},
        headers=world.auth("admin"),
    )
    assert agreement.status_code == 201, agreement.text
    tomorrow = (world.clock.now() + timedelta(days=1)).date().isoformat()
    return Facts(
        path={
            "code": "central",
            "number": "1",
            "ticket_id": str(waiting["id"]),
            "case_id": str(case["id"]),
            "booking_code": booking_code,
            "checkin_code": "ABCDEFGHJK",
            "status_code": status_code,
            "job_id": str(job_id),
            "device_id": str(spare),
            "username": "clerk2",
            "service_code": "consult",
            "group_code": "docs",
            "agency_code": "mvd",
            "category_code": "disabled",
            "day": tomorrow,
            "fmt": "csv",
            "chart": "heatmap",
            "complaint_id": str(complaint.json()["id"]),
            "agreement_id": str(agreement.json()["id"]),
        },
        query={
            "from": tomorrow,
            "to": tomorrow,
            "start": tomorrow,
            "end": tomorrow,
            "day": tomorrow,
            "service": "passport",
            "office": "central",
        },
        bodies={
            "POST /api/v1/offices/{code}/bookings": {
                "service": "passport",
                "slot_start": other_slot,
            },
            "POST /api/v1/offices/{code}/cases": intake_body(client, world, served["id"]),
            "POST /api/v1/cases/{case_id}/visits": {"ticket_id": waiting["id"]},
            "POST /api/v1/public/offices/{code}/bookings": {
                "service": "passport",
                "slot_start": other_slot,
                "applicant_name": "Петров Пётр",
                "phone": "+79007654321",
            },
            "POST /api/v1/public/bookings/{booking_code}/reschedule": {"slot_start": other_slot},
        },
    )


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    """Every operation of the served OpenAPI: reads first, then changes, then deletions."""
    spec = client.get("/openapi.json").json()
    order = {"get": 0, "put": 1, "patch": 1, "post": 1, "delete": 2}
    found = [
        (method.upper(), path, operation)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
    ]
    return sorted(found, key=lambda op: (order[op[0].lower()], op[1]))


@pytest.fixture
def client(sqlite_world: World) -> Iterator[TestClient]:
    """The shared app on a fresh world."""
    with make_client(sqlite_world) as test_client:
        yield test_client


def _call(
    client: TestClient,
    world: World,
    who: str,
    method: str,
    path: str,
    op: dict[str, Any],
    facts: Facts,
    rule: Rule,
) -> int:
    key = f"{method} {path}"
    values = {**facts.path, "fmt": "svg"} if "/charts/" in path else facts.path
    url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
    params = {
        p["name"]: facts.query[p["name"]]
        for p in op.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }
    if key == "GET /api/v1/offices/{code}/cases/lookup":
        params["number"] = "1"
    if path.startswith("/api/v1/reports"):
        params["office"] = "central"
    headers = world.auth(TOKEN_OF[who]) if who != "anonymous" else {}
    body = facts.bodies.get(key, rule.body)
    if rule.form:
        return client.request(method, url, data=rule.form, headers=headers).status_code
    if body is None and "requestBody" in op and "required" in str(op["requestBody"]):
        body = {}
    return client.request(method, url, params=params, json=body, headers=headers).status_code


def test_every_operation_answers_every_principal_as_docs_access_says(
    client: TestClient, sqlite_world: World
) -> None:
    """The matrix: allowed → not refused; forbidden → 401/403 (404 where hidden)."""
    operations = _operations(client)
    unclassified = sorted({f"{m} {p}" for m, p, _ in operations} - set(RULES))
    assert not unclassified, f"classify these in RULES and docs/access.md: {unclassified}"
    stale = sorted(set(RULES) - {f"{m} {p}" for m, p, _ in operations})
    assert not stale, f"RULES names operations that no longer exist: {stale}"
    facts = _facts(client, sqlite_world)
    wrong: list[str] = []
    for method, path, op in operations:
        rule = RULES[f"{method} {path}"]
        for who in PRINCIPALS:
            status = _call(client, sqlite_world, who, method, path, op, facts, rule)
            if who in rule.allowed:
                ok = status not in (401, 403) and status < 500
            else:
                ok = status in ((401, 403, 404) if rule.hidden else (401, 403))
            if not ok:
                side = "allowed" if who in rule.allowed else "forbidden"
                wrong.append(f"{method} {path} as {who} ({side}): {status}")
    assert not wrong, "\n".join(wrong)
