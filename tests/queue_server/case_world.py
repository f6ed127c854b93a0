"""Helpers of the case tests: a passport service with variants, serving tickets, intake bodies."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from queue_server.catalogue import service as catalogue
from queue_server.catalogue.schemas import ServiceIn
from tests.support.world import World

# The passport service of the shared world, re-defined with two variants and a checklist.
PASSPORT: dict[str, Any] = {
    "name_ru": "Паспорт",
    "prefix": "А",
    "kind": "intake",
    "group": "docs",
    "agency": "mvd",
    "term_working_days": 10,
    "documents": [
        {"name_ru": "Заявление", "needs_original": True},
        {"name_ru": "Фотография 35×45", "variant": "first", "needs_original": True},
        {"name_ru": "Прежний паспорт", "variant": "replace", "needs_copy": True},
        {"name_ru": "Квитанция об оплате пошлины", "required": False},
    ],
    "variants": [
        {"code": "first", "name_ru": "Впервые (14 лет)", "term_working_days": 30},
        {"code": "replace", "name_ru": "Замена", "term_working_days": 10},
    ],
    "questions": [
        {
            "code": "why",
            "text_ru": "Почему нужен паспорт?",
            "options": [
                {"text_ru": "Исполнилось 14 лет", "variant": "first"},
                {"text_ru": "Замена", "variant": "replace"},
            ],
        }
    ],
}


def install_passport(world: World) -> None:
    """Replace the world's passport service with the variant-rich one."""
    with world.db.transaction() as session:
        catalogue.put_service(
            session=session, code="passport", data=ServiceIn.model_validate(PASSPORT)
        )


def serve(api: TestClient, world: World, clerk: str, window: int, service: str) -> dict[str, Any]:
    """Issue a ticket at the kiosk, then the clerk takes the window, calls and starts it."""
    issued = api.post(
        "/api/v1/offices/central/tickets", json={"service": service}, headers=world.auth("kiosk")
    )
    assert issued.status_code == 201, issued.text
    taken = api.post(f"/api/v1/offices/central/windows/{window}/take", headers=world.auth(clerk))
    assert taken.status_code == 200, taken.text
    called = api.post(
        f"/api/v1/offices/central/windows/{window}/call-next", headers=world.auth(clerk)
    )
    assert called.status_code == 200, called.text
    ticket: dict[str, Any] = called.json()
    started = api.post(f"/api/v1/tickets/{ticket['id']}/start", headers=world.auth(clerk))
    assert started.status_code == 200, started.text
    return ticket


def checklist(api: TestClient, world: World, who: str = "clerk1") -> dict[str, int]:
    """Document name → id of the passport checklist."""
    form = api.get("/api/v1/services/passport/intake-form", headers=world.auth(who)).json()
    return {d["name_ru"]: d["id"] for d in form["documents"]}


def intake_body(
    api: TestClient,
    world: World,
    ticket_id: int | None,
    *,
    name: str = "Иванов Иван Иванович",
    document_number: str = "45 10 123456",
    variant: str = "replace",
    **overrides: Any,
) -> dict[str, Any]:
    """A complete intake record for the passport replacement."""
    ids = checklist(api, world)
    documents = [
        {"service_document_id": ids["Заявление"], "original": True, "sheets": 1},
        {"service_document_id": ids["Прежний паспорт"], "original": False, "sheets": 20},
    ]
    if variant == "first":
        documents[1] = {"service_document_id": ids["Фотография 35×45"], "sheets": 1, "copies": 2}
    body: dict[str, Any] = {
        "ticket_id": ticket_id,
        "variant": variant,
        "applicant": {
            "name": name,
            "document_type": "Паспорт РФ",
            "document_number": document_number,
        },
        "documents": documents,
        "consent_personal_data": True,
        "delivery": "in_person",
    }
    body.update(overrides)
    return body
