"""Property-based attack on our own OpenAPI: never a 500, every answer as documented.

schemathesis generates requests for every operation of the served `/openapi.json`, both
valid ones (positive) and ones that break the schema (negative), sends them to a real
server on a fresh world as four principals (an admin, a clerk, a kiosk device and
anonymously) and checks each answer: no server error, a status the operation declares,
a body matching the declared schema. The examples are bounded per operation and derived
from a fixed seed (`derandomize`), so a failure reproduces and the run stays within CI's
budget (about a minute on SQLite).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from queue_server.db import Database
from tests.support.app import shared_app
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import LiveServer, live_server
from tests.support.world import World, build_world

#: Examples per operation, principal and mode: 96 operations x 4 principals x 2 modes.
EXAMPLES = 6
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
PRINCIPALS = ["admin", "clerk1", "kiosk", None]
#: Real values for some path parameters, so that generated requests get past "not found".
REAL_PATH_VALUES = {"code": "central", "number": 1, "service_code": "passport"}


@pytest.fixture
def server(db: Database, clock: Any) -> Iterator[tuple[World, LiveServer]]:
    """A real server on a fresh SQLite world (one per principal)."""
    world = build_world(db, clock)
    with live_server(world) as running:
        yield world, running


def api_operations() -> list[Any]:
    """Every operation of the served OpenAPI; a part schemathesis cannot read fails here."""
    schema = schemathesis.openapi.from_dict(shared_app().openapi())
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operations.append(result.ok())
    return operations


def test_schema_has_every_operation() -> None:
    """The OpenAPI schema loads and declares the error shape for every operation."""
    operations = api_operations()
    assert len(operations) >= 90
    for operation in operations:
        assert "422" in operation.definition.raw["responses"], operation.label


# About 30 s a principal on a quiet machine; the bound leaves room for a loaded CI machine.
@pytest.mark.timeout(900)
@pytest.mark.parametrize("who", PRINCIPALS, ids=lambda who: who or "anonymous")
def test_no_server_error_and_no_schema_violation(
    server: tuple[World, LiveServer], who: str | None
) -> None:
    """Every operation, positive and negative examples: 0 server errors, 0 violations."""
    world, running = server
    headers = world.auth(who) if who else {}
    failures: list[str] = []
    with requests.Session() as session:
        for operation in api_operations():
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                failures += _attack(operation, mode, running.url, session, headers)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])


def _attack(
    operation: Any, mode: GenerationMode, base_url: str, session: Any, headers: dict[str, str]
) -> list[str]:
    """Send bounded examples of one operation; the failures, described."""
    failures: list[str] = []
    real = {k: v for k, v in REAL_PATH_VALUES.items() if k in _path_names(operation)}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # report, do not shrink: time is bounded
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), use_real=st.booleans())
    def run(case: Any, use_real: bool) -> None:
        if use_real and mode is GenerationMode.POSITIVE:
            case.path_parameters = {**(case.path_parameters or {}), **real}
        response = case.call(
            base_url=base_url, session=session, headers=headers, timeout=REQUEST_SECONDS
        )
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, BaseExceptionGroup) as exc:  # one failure, or several
            summary = str(exc).strip().splitlines()
            failures.append(
                f"{operation.label} [{mode.value}] {response.status_code}: "
                + " | ".join(summary[:6])[:600]
            )

    run()
    return failures


def _path_names(operation: Any) -> set[str]:
    return {p["name"] for p in operation.definition.raw.get("parameters", []) if p["in"] == "path"}
