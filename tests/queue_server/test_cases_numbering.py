"""Registration numbers under real concurrency, on SQLite and PostgreSQL: no gaps, no repeats."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.cases.intake import register_intake
from queue_server.cases.schemas import IntakeIn
from queue_server.catalogue.service import get_service
from queue_server.errors import DomainError
from queue_server.offices.models import Office
from tests.queue_server.case_world import install_passport
from tests.queue_server.test_concurrency import run_at_once
from tests.support.world import World


def _clerk(world: World) -> tuple[Principal, int, dict[str, int]]:
    install_passport(world)
    with world.db.transaction(read_only=True) as s:
        user = s.scalar(select(User).where(User.username == "clerk1"))
        office = s.scalar(select(Office).where(Office.code == "central"))
        assert user is not None and office is not None
        service = get_service(session=s, code="passport")
        ids = {d.name_ru: d.id for d in service.documents}
        return Principal("user", user.id, "clerk", office.id, "clerk1"), office.id, ids


def _intake(ids: dict[str, int], i: int, consent: bool = True) -> IntakeIn:
    return IntakeIn.model_validate(
        {
            "service": "passport",
            "variant": "replace",
            "applicant": {
                "name": f"Заявитель {i}",
                "document_type": "Паспорт",
                "document_number": f"{i}",
            },
            "documents": [
                {"service_document_id": ids["Заявление"], "sheets": 1},
                {"service_document_id": ids["Прежний паспорт"], "sheets": 20, "original": False},
            ],
            "consent_personal_data": consent,
        }
    )


def _register(world: World, principal: Principal, office_id: int, body: IntakeIn) -> str:
    with world.db.transaction() as s:
        office = s.get(Office, office_id)
        assert office is not None
        case = register_intake(
            session=s, clock=world.clock, office=office, principal=principal, data=body
        )
        return case.registration_number


def test_forty_clerks_registering_at_once_get_forty_consecutive_numbers(any_world: World) -> None:
    """R9: concurrent registrations get consecutive numbers."""
    principal, office_id, ids = _clerk(any_world)

    def work(i: int) -> str | None:
        # Every fifth registration fails after validation started: its number is not lost.
        try:
            return _register(any_world, principal, office_id, _intake(ids, i, consent=i % 5 != 0))
        except DomainError:
            return None

    numbers = [n for n in run_at_once(40, work) if n is not None]
    assert len(numbers) == 32
    assert sorted(numbers) == [f"{office_id}-2026/{i:06d}" for i in range(1, 33)]


def test_numbers_restart_each_year_and_per_office(any_world: World) -> None:
    """R9: each office has its own register, numbered per year."""
    principal, office_id, ids = _clerk(any_world)
    assert _register(any_world, principal, office_id, _intake(ids, 1)).endswith("2026/000001")
    assert _register(any_world, principal, office_id, _intake(ids, 2)).endswith("2026/000002")
    # 31 December 23:30 Moscow is still 2026; 1 January 00:30 is 2027.
    any_world.clock.set(datetime(2026, 12, 31, 20, 30, tzinfo=UTC))
    assert _register(any_world, principal, office_id, _intake(ids, 3)).endswith("2026/000003")
    any_world.clock.set(datetime(2026, 12, 31, 21, 30, tzinfo=UTC))
    assert _register(any_world, principal, office_id, _intake(ids, 4)).endswith("2027/000001")
    with any_world.db.transaction(read_only=True) as s:
        north = s.scalar(select(Office).where(Office.code == "north"))
        user = s.scalar(select(User).where(User.username == "north_clerk"))
        assert north is not None and user is not None
        north_clerk = Principal("user", user.id, "clerk", north.id, "north_clerk")
    number = _register(any_world, north_clerk, north.id, _intake(ids, 5))
    assert number == f"{north.id}-2027/000001"


@pytest.mark.parametrize("consent", [False])
def test_a_refused_registration_leaves_the_counter_alone(any_world: World, consent: bool) -> None:
    """R9, R10: a refused registration takes no number."""
    principal, office_id, ids = _clerk(any_world)
    with pytest.raises(DomainError):
        _register(any_world, principal, office_id, _intake(ids, 1, consent=consent))
    assert _register(any_world, principal, office_id, _intake(ids, 2)).endswith("/000001")
