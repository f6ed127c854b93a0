"""Item 8 of issue 13: a clerk's double press never registers two cases (Idempotency-Key)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.cases.intake import register_intake_once
from queue_server.cases.models import Case, CaseCounter
from queue_server.offices.models import Office
from tests.queue_server.case_world import install_passport, intake_body, serve
from tests.queue_server.test_cases_numbering import _clerk, _intake
from tests.queue_server.test_concurrency import run_at_once
from tests.support.world import World

KEY = "press-7f3a9c21"


def register(api: TestClient, world: World, body: dict[str, Any], key: str | None) -> Any:
    headers = world.auth("clerk1") | ({"Idempotency-Key": key} if key else {})
    return api.post("/api/v1/offices/central/cases", json=body, headers=headers)


def stored_cases(world: World) -> int:
    with world.db.transaction(read_only=True) as s:
        return s.scalar(select(func.count()).select_from(Case)) or 0


def test_the_same_key_twice_gives_one_register_number(api: TestClient, world: World) -> None:
    install_passport(world)
    ticket = serve(api, world, "clerk1", 1, "passport")
    body = intake_body(api, world, ticket["id"])
    first = register(api, world, body, KEY)
    again = register(api, world, body, KEY)
    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["registration_number"] == first.json()["registration_number"]
    assert stored_cases(world) == 1


def test_the_same_key_with_another_body_is_refused(api: TestClient, world: World) -> None:
    install_passport(world)
    ticket = serve(api, world, "clerk1", 1, "passport")
    assert register(api, world, intake_body(api, world, ticket["id"]), KEY).status_code == 201
    other = intake_body(api, world, ticket["id"], name="Петров Пётр Петрович")
    refused = register(api, world, other, KEY)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert "ключ" in error["message"]
    assert stored_cases(world) == 1


def test_without_a_key_each_request_registers_a_case(api: TestClient, world: World) -> None:
    """The key is what makes a repeat a repeat: two applicants may hand in the same papers."""
    install_passport(world)
    ticket = serve(api, world, "clerk1", 1, "passport")
    body = intake_body(api, world, ticket["id"])
    numbers = {register(api, world, body, None).json()["registration_number"] for _ in range(2)}
    assert len(numbers) == 2


def test_a_malformed_key_is_a_clear_422(api: TestClient, world: World) -> None:
    install_passport(world)
    ticket = serve(api, world, "clerk1", 1, "passport")
    refused = register(api, world, intake_body(api, world, ticket["id"]), "short")
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "invalid_request"
    assert stored_cases(world) == 0


def test_two_identical_presses_at_once_register_one_case(world: World) -> None:
    """Two threads, one key, one body: one number, the counter not bumped twice (no gap)."""
    principal, office_id, ids = _clerk(world)
    body = _intake(ids, 1)

    def press(_i: int) -> tuple[str, bool]:
        with world.db.transaction() as s:
            office = s.get(Office, office_id)
            assert office is not None
            case, created = register_intake_once(
                session=s,
                clock=world.clock,
                office=office,
                principal=principal,
                data=body,
                idempotency_key=KEY,
            )
            return case.registration_number, created

    results = run_at_once(2, press)
    assert len({number for number, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, True]
    with world.db.transaction(read_only=True) as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1
        assert s.scalar(select(CaseCounter.last_seq)) == 1


def test_many_presses_at_once_over_http_register_one_case(api: TestClient, world: World) -> None:
    """Eight requests with one key through the running app: one case, seven replays."""
    install_passport(world)
    ticket = serve(api, world, "clerk1", 1, "passport")
    body = intake_body(api, world, ticket["id"])
    answers = run_at_once(8, lambda _i: register(api, world, body, KEY))
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]
    assert len({a.json()["registration_number"] for a in answers}) == 1
    assert stored_cases(world) == 1


def test_a_key_of_another_office_is_another_key(world: World) -> None:
    """Keys are per office: the same key at two offices registers in each register."""
    principal, office_id, ids = _clerk(world)
    with world.db.transaction() as s:
        north = s.scalar(select(Office).where(Office.code == "north"))
        assert north is not None
        north_id = north.id
    numbers = []
    for office_id_, who in ((office_id, principal), (north_id, _north_clerk(world, north_id))):
        with world.db.transaction() as s:
            office = s.get(Office, office_id_)
            assert office is not None
            case, created = register_intake_once(
                session=s,
                clock=world.clock,
                office=office,
                principal=who,
                data=_intake(ids, 1),
                idempotency_key=KEY,
            )
            assert created
            numbers.append(case.registration_number)
    assert len(set(numbers)) == 2


def _north_clerk(world: World, north_id: int) -> Principal:
    with world.db.transaction(read_only=True) as s:
        user = s.scalar(select(User).where(User.username == "north_clerk"))
        assert user is not None
        return Principal("user", user.id, "clerk", north_id, "north_clerk")
