"""Times are the office's wherever they are read: pages in a far zone, the CLI, the API.

The world's central office is in Moscow and its clock stands on Monday 23.11.2026 at
10:00 there (07:00 UTC); a browser in Los Angeles sees Sunday 23:00 on its own clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from queue_server.cli import main
from tests.queue_server.case_world import install_passport, intake_body, serve
from tests.support.browser import open_page
from tests.support.servers import live_server
from tests.support.world import MONDAY_10, World

FAR_ZONE = "America/Los_Angeles"


@pytest.fixture
def far_page(browser: Any) -> Iterator[Any]:
    """A Russian page whose browser lives in Los Angeles (UTC-8 in November)."""
    with open_page(browser, timezone_id=FAR_ZONE) as tab:
        yield tab


def _registered_case(api: TestClient, world: World) -> dict[str, Any]:
    install_passport(world)
    ticket = serve(api, world, "clerk1", 1, "passport")
    response = api.post(
        "/api/v1/offices/central/cases",
        json=intake_body(api, world, ticket["id"]),
        headers=world.auth("clerk1"),
    )
    assert response.status_code == 201, response.text
    case: dict[str, Any] = response.json()
    return case


def test_the_case_page_shows_office_times_in_a_far_browser(
    api: TestClient, world: World, far_page: Any
) -> None:
    """R15: the applicant follows the case; its steps are in the office's time, not the phone's."""
    case = _registered_case(api, world)
    assert far_page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == FAR_ZONE
    with live_server(world) as server:
        far_page.goto(f"{server.url}/c/{case['status_code']}")
        far_page.wait_for_selector("#steps li")
        step = far_page.text_content("#steps li") or ""
        assert step.startswith("23.11.2026, 10:00"), step
        assert "22.11.2026" not in step and "23:00" not in step
        assert "Europe/Moscow" in (far_page.text_content("#zone") or "")
        due = far_page.text_content("#due") or ""
        assert due.endswith(f"до {_ru_date(case['due_date'])}"), due


def test_the_ticket_page_updates_in_office_time(
    api: TestClient, world: World, far_page: Any
) -> None:
    """R15: the ticket's status page says when it was updated in the office's time."""
    issued = api.post(
        "/api/v1/offices/central/tickets", json={"service": "passport"}, headers=world.auth("kiosk")
    )
    assert issued.status_code == 201, issued.text
    far_page.clock.set_fixed_time(MONDAY_10)
    with live_server(world) as server:
        far_page.goto(f"{server.url}/t/{issued.json()['status_code']}")
        far_page.wait_for_function("document.getElementById('updated')?.textContent.includes(':')")
        assert (far_page.text_content("#updated") or "").endswith("10:00:00")


def test_the_public_apis_name_the_office_zone(api: TestClient, world: World) -> None:
    case = _registered_case(api, world)
    public = api.get(f"/api/v1/cases/status/{case['status_code']}").json()
    assert public["office_timezone"] == "Europe/Moscow"


def test_case_show_prints_office_times(api: TestClient, world: World) -> None:
    """The CLI's case history is in the office's time (it printed UTC), and in Russian."""
    case = _registered_case(api, world)
    url = world.db.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        main, ["case", "--database-url", url, "show", case["registration_number"]]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Дело {case['registration_number']}: зарегистрировано"
    assert "Europe/Moscow" in lines[1]
    assert lines[2].strip().startswith("23.11.2026 10:00 (UTC+0300)  зарегистрировано"), lines
    assert "UTC " not in result.output and "07:00" not in result.output


def _ru_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}.{month}.{year}"
