"""Listing and finding cases: the number of queries does not grow with the cases listed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.queue_server.case_world import install_passport, intake_body, serve
from tests.support.world import World


@contextmanager
def counted(world: World) -> Iterator[list[str]]:
    """The SQL statements run on the world's database inside the block."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(world.db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(world.db.engine, "before_cursor_execute", record)


def _register(api: TestClient, world: World, name: str, variant: str) -> None:
    ticket = serve(api, world, "clerk1", 1, "passport")
    body = intake_body(api, world, ticket["id"], name=name, variant=variant)
    created = api.post("/api/v1/offices/central/cases", json=body, headers=world.auth("clerk1"))
    assert created.status_code == 201, created.text
    api.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=world.auth("clerk1"))


def _queries(api: TestClient, world: World, url: str, **params: str) -> int:
    with counted(world) as statements:
        response = api.get(url, params=params, headers=world.auth("clerk2"))
    assert response.status_code == 200, response.text
    return len(statements)


def test_register_list_costs_the_same_for_one_case_or_many(api: TestClient, world: World) -> None:
    install_passport(world)
    _register(api, world, "Иванов Иван", "replace")
    one = _queries(api, world, "/api/v1/offices/central/cases")
    # Other variants and applicants: the old presenter looked each one up per line.
    _register(api, world, "Петров Пётр", "first")
    _register(api, world, "Сидоров Сидор", "replace")
    three = _queries(api, world, "/api/v1/offices/central/cases")
    assert three == one
    lines = api.get("/api/v1/offices/central/cases", headers=world.auth("clerk2")).json()
    assert [line["variant"] for line in lines] == ["replace", "first", "replace"]
    assert {line["agency"] for line in lines} == {"mvd"}


def test_lookup_costs_the_same_for_one_case_or_many(api: TestClient, world: World) -> None:
    """R13: the lost-receipt search shows every case of the applicant at a fixed cost."""
    install_passport(world)
    _register(api, world, "Иванов Иван", "replace")
    search = {"name": "Иванов Иван", "document_number": "45 10 123456"}
    one = _queries(api, world, "/api/v1/offices/central/cases/lookup", **search)
    _register(api, world, "Иванов Иван", "first")
    _register(api, world, "Иванов Иван", "replace")
    three = _queries(api, world, "/api/v1/offices/central/cases/lookup", **search)
    assert three == one
    found = api.get(
        "/api/v1/offices/central/cases/lookup", params=search, headers=world.auth("clerk2")
    ).json()["cases"]
    assert len(found) == 3
    assert all(len(c["visits"]) == 1 and c["registered_by"] != "—" for c in found)
