"""The public complaint form's limit per client address (R17's register kept usable)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from queue_server.complaints.models import Complaint
from tests.support.app import app_for
from tests.support.world import World

PUBLIC = "/api/v1/public/offices/central/complaints"
STAFF = "/api/v1/offices/central/complaints"


def _body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": "waiting",
        "applicant_name": "Петрова Анна Сергеевна",
        "applicant_contact": "+7 900 111-22-33",
        "text": "Ждала вызова 50 минут.",
        "consent_personal_data": True,
    }
    body.update(overrides)
    return body


def _count(world: World) -> int:
    with world.db.transaction(read_only=True) as session:
        return int(session.scalar(select(func.count()).select_from(Complaint)) or 0)


def test_r17_one_address_sends_at_most_the_hours_limit_then_gets_a_russian_429(
    world: World,
) -> None:
    """Three complaints an hour from one address: the fourth is refused in Russian with
    Retry-After and writes nothing; a refused (no consent) one is not counted; another
    address, the staff's register and the next hour are not held up."""
    app = app_for(world, public_complaints_per_hour=3)
    with (
        TestClient(app, client=("203.0.113.7", 50000)) as applicant,
        TestClient(app, client=("198.51.100.9", 50000)) as other,
    ):
        assert applicant.post(PUBLIC, json=_body(consent_personal_data=False)).status_code == 422
        for _ in range(3):
            assert applicant.post(PUBLIC, json=_body()).status_code == 201
        world.clock.advance(minutes=20)
        refused = applicant.post(PUBLIC, json=_body())
        assert refused.status_code == 429, refused.text
        error = refused.json()["error"]
        assert error["code"] == "too_many_complaints"
        assert error["message"] == (
            "С этого адреса отправлено слишком много жалоб. Повторите через 40 мин. "
            "или обратитесь в офис лично."
        )
        assert refused.headers["Retry-After"] == "2400"
        english = applicant.post(PUBLIC, json=_body(), headers={"Accept-Language": "en"})
        assert english.json()["error"]["message"].startswith("Too many complaints")
        assert _count(world) == 3
        # Another address, and staff registering a paper complaint, are not limited.
        assert other.post(PUBLIC, json=_body()).status_code == 201
        staff = applicant.post(STAFF, json=_body(), headers=world.auth("manager"))
        assert staff.status_code == 201, staff.text
        # The hour over, the address may send again; the numbers have no gap.
        world.clock.advance(minutes=41)
        again = applicant.post(PUBLIC, json=_body())
        assert again.status_code == 201, again.text
        assert again.json()["number"] == "Ж-central-2026/0006"


def test_r17_the_limit_can_be_turned_off(world: World) -> None:
    """MFCQ_PUBLIC_COMPLAINTS_PER_HOUR=0: no limit."""
    with TestClient(app_for(world, public_complaints_per_hour=0)) as applicant:
        for _ in range(7):
            assert applicant.post(PUBLIC, json=_body()).status_code == 201
