"""One definition of the documents: what the kiosk says the applicant may leave at home is
exactly what the intake form lets the clerk register without (R7, R9)."""

from __future__ import annotations

from typing import Any

import pytest

from queue_server.demo import CATALOGUE
from tests.kiosk.conftest import OFFICE, KioskWorld, LiveServer

pytestmark = pytest.mark.timeout(120)


def test_r7_the_demo_catalogue_does_not_contradict_itself() -> None:
    """A note never claims a document optional: that is said by `required` alone."""
    for code, service in CATALOGUE["services"].items():
        for document in service.get("documents", []):
            note = document.get("note_ru", "").lower()
            assert "не приносить" not in note and "необязател" not in note, (code, document)


def kiosk_documents(page: Any) -> dict[str, bool]:
    """Document name → whether the kiosk says "можно не приносить"."""
    items = page.locator("#documents li").all()
    return {
        item.locator(".doc").text_content().strip(): item.get_attribute("data-optional") == "true"
        for item in items
    }


def intake(world: KioskWorld, document_ids: list[int]) -> Any:
    """Register a first-passport intake with these checklist documents (no ticket)."""
    with world.api() as api:
        return api.post(
            f"/offices/{OFFICE}/cases",
            json={
                "service": "passport",
                "variant": "first",
                "applicant": {
                    "name": "Петрова Анна Сергеевна",
                    "document_type": "Свидетельство о рождении",
                    "document_number": "IV-МЮ 123456",
                },
                "documents": [{"service_document_id": i, "sheets": 1} for i in document_ids],
                "consent_personal_data": True,
            },
            headers=world.auth("clerk1"),
        )


def test_r7_r9_what_the_kiosk_calls_optional_is_what_registration_accepts_without(
    page: Any, kiosk: LiveServer, kiosk_world: KioskWorld
) -> None:
    page.goto(kiosk.url)
    page.click("[data-group=passports]")
    page.click("[data-service=passport]")
    page.click("[data-answer='0']")  # turned 14: the first passport
    page.wait_for_selector("[data-screen=documents]")
    shown = kiosk_documents(page)
    assert shown["Документ об уплате госпошлины"] is True
    assert page.locator("li[data-optional=true] .optional-mark").first.text_content() == (
        "можно не приносить"
    )
    assert shown["Свидетельство о рождении"] is False

    with kiosk_world.api() as api:
        form = api.get("/services/passport/intake-form", headers=kiosk_world.auth("clerk1"))
    assert form.status_code == 200
    checklist = [d for d in form.json()["documents"] if d["variant"] in (None, "first")]
    # The same entries, the same answer: optional on the kiosk ⇔ not required at intake.
    assert {d["name_ru"]: not d["required"] for d in checklist} == shown

    required = [d["id"] for d in checklist if d["required"]]
    registered = intake(kiosk_world, required)
    assert registered.status_code == 201, registered.text

    without_birth = [
        d["id"] for d in checklist if d["required"] and d["name_ru"] != "Свидетельство о рождении"
    ]
    refused = intake(kiosk_world, without_birth)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "documents_missing"
    assert "Свидетельство о рождении" in refused.json()["error"]["message"]
