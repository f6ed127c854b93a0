"""Bad input on cases: a clear 4xx and nothing written (no case, no step, no event, no number)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from queue_server.cases.models import Case, CaseCounter, CaseStep, CaseVisit, Issuance
from queue_server.events.models import Event
from tests.queue_server.case_world import install_passport, intake_body, serve
from tests.support.world import World


def counts(world: World) -> dict[str, int]:
    with world.db.transaction(read_only=True) as s:
        return {
            m.__name__: int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Case, CaseStep, CaseVisit, Issuance, CaseCounter, Event)
        }


def refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]


@pytest.fixture
def serving(api: TestClient, world: World) -> dict[str, Any]:
    install_passport(world)
    return serve(api, world, "clerk1", 1, "passport")


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"consent_personal_data": False}, 422, "consent_required"),
        ({"variant": None}, 422, "variant_required"),
        ({"variant": "nope"}, 422, "unknown_variant"),
        ({"agency": "nope"}, 422, "unknown_agency"),
        ({"service": "results"}, 422, "not_an_intake_service"),
        ({"service": "nope"}, 404, "service_not_found"),
        ({"delivery": "post"}, 422, "postal_address_required"),
        ({"documents": []}, 422, "invalid_request"),
        (
            {"applicant": {"name": "  ", "document_type": "П", "document_number": "1"}},
            422,
            "invalid_request",
        ),
        ({"ticket_id": 999999}, 404, "ticket_not_found"),
    ],
)
def test_bad_intake_is_refused_and_writes_nothing(
    api: TestClient,
    world: World,
    serving: dict[str, Any],
    change: dict[str, Any],
    status: int,
    code: str,
) -> None:
    """R9, R10: an incomplete intake (no consent, variant, agency…) registers nothing."""
    body = {**intake_body(api, world, serving["id"]), **change}
    before = counts(world)
    response = api.post("/api/v1/offices/central/cases", json=body, headers=world.auth("clerk1"))
    refused(response, status, code)
    assert counts(world) == before


def test_missing_required_document_is_named(
    api: TestClient, world: World, serving: dict[str, Any]
) -> None:
    """R9: the documents are checked against the service's list."""
    body = intake_body(api, world, serving["id"])
    body["documents"] = body["documents"][:1]
    before = counts(world)
    response = api.post("/api/v1/offices/central/cases", json=body, headers=world.auth("clerk1"))
    refused(response, 422, "documents_missing")
    assert "Прежний паспорт" in response.json()["error"]["message"]
    assert counts(world) == before


def test_a_clerk_of_another_office_is_refused(
    api: TestClient, world: World, serving: dict[str, Any]
) -> None:
    """R16: cases only for the staff of the case's own office."""
    body = intake_body(api, world, serving["id"])
    before = counts(world)
    refused(
        api.post("/api/v1/offices/central/cases", json=body, headers=world.auth("north_clerk")),
        403,
        "wrong_office",
    )
    assert counts(world) == before
    case = api.post("/api/v1/offices/central/cases", json=body, headers=world.auth("clerk1"))
    case_id = case.json()["id"]
    # R16: applicant details only for the staff of the office; devices never.
    for who in ("north_clerk", "north_manager", "kiosk"):
        response = api.get(f"/api/v1/cases/{case_id}", headers=world.auth(who))
        assert response.status_code == 403, who
        assert "Иванов" not in response.text
    refused(
        api.post(f"/api/v1/cases/{case_id}/send", json={}, headers=world.auth("north_clerk")),
        403,
        "wrong_office",
    )
    refused(
        api.get(
            "/api/v1/offices/central/cases/lookup",
            params={"number": case.json()["registration_number"]},
            headers=world.auth("north_clerk"),
        ),
        403,
        "wrong_office",
    )
    assert api.get(f"/api/v1/cases/{case_id}", headers=world.auth("clerk2")).status_code == 200


def test_intake_needs_the_ticket_served_at_your_window(
    api: TestClient, world: World, serving: dict[str, Any]
) -> None:
    body = intake_body(api, world, serving["id"])
    api.post("/api/v1/offices/central/windows/2/take", headers=world.auth("clerk2"))
    before = counts(world)
    refused(
        api.post("/api/v1/offices/central/cases", json=body, headers=world.auth("clerk2")),
        403,
        "not_your_window",
    )
    assert counts(world) == before
    api.post(f"/api/v1/tickets/{serving['id']}/finish", headers=world.auth("clerk1"))
    before = counts(world)
    refused(
        api.post("/api/v1/offices/central/cases", json=body, headers=world.auth("clerk1")),
        409,
        "ticket_not_serving",
    )
    assert counts(world) == before


def test_unknown_case_is_404(api: TestClient, world: World) -> None:
    for method, path in (
        ("get", "/api/v1/cases/424242"),
        ("get", "/api/v1/cases/424242/history"),
        ("post", "/api/v1/cases/424242/ready"),
    ):
        refused(getattr(api, method)(path, headers=world.auth("clerk1")), 404, "case_not_found")
    before = counts(world)
    refused(
        api.post(
            "/api/v1/cases/424242/issue",
            json={"identity_checked": True},
            headers=world.auth("clerk1"),
        ),
        404,
        "case_not_found",
    )
    assert counts(world) == before


def test_issuing_before_ready_and_twice_is_refused(
    api: TestClient, world: World, serving: dict[str, Any]
) -> None:
    """R13: no issuance before the result is ready, and never twice."""
    clerk = world.auth("clerk1")
    case = api.post(
        "/api/v1/offices/central/cases", json=intake_body(api, world, serving["id"]), headers=clerk
    ).json()
    before = counts(world)
    response = api.post(
        f"/api/v1/cases/{case['id']}/issue", json={"identity_checked": True}, headers=clerk
    )
    refused(response, 409, "result_not_ready")
    assert "зарегистрировано" in response.json()["error"]["message"]
    refused(api.post(f"/api/v1/cases/{case['id']}/ready", headers=clerk), 409, "illegal_case_step")
    assert counts(world) == before
    api.post(f"/api/v1/cases/{case['id']}/send", json={}, headers=clerk)
    api.post(f"/api/v1/cases/{case['id']}/result", json={"ready": True}, headers=clerk)
    before = counts(world)
    refused(
        api.post(
            f"/api/v1/cases/{case['id']}/issue", json={"identity_checked": False}, headers=clerk
        ),
        422,
        "identity_not_checked",
    )
    assert counts(world) == before
    first = api.post(
        f"/api/v1/cases/{case['id']}/issue", json={"identity_checked": True}, headers=clerk
    )
    assert first.status_code == 200
    before = counts(world)
    again = api.post(
        f"/api/v1/cases/{case['id']}/issue", json={"identity_checked": True}, headers=clerk
    )
    refused(again, 409, "already_issued")
    assert "уже выдан" in again.json()["error"]["message"]
    assert counts(world) == before


def test_lookup_without_terms_is_422(api: TestClient, world: World) -> None:
    refused(
        api.get(
            "/api/v1/offices/central/cases/lookup",
            params={"name": "Иванов"},
            headers=world.auth("clerk1"),
        ),
        422,
        "search_needs_terms",
    )


def test_history_is_append_only(api: TestClient, world: World, serving: dict[str, Any]) -> None:
    api.post(
        "/api/v1/offices/central/cases",
        json=intake_body(api, world, serving["id"]),
        headers=world.auth("clerk1"),
    )
    with world.db.transaction() as s:
        step = s.scalars(select(CaseStep)).first()
        assert step is not None
        step.action = "forged"
        with pytest.raises(RuntimeError, match="append-only"):
            s.flush()
        s.rollback()
    with pytest.raises(RuntimeError, match="append-only"), world.db.transaction() as s:
        step = s.scalars(select(CaseStep)).first()
        s.delete(step)
        s.flush()
