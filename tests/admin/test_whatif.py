"""The planner's what-if over HTTP and in Chromium: who may run it, what is refused, what
comes back (progress lines, then the result)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.app import make_client
from tests.support.browser import open_page
from tests.support.servers import live_server
from tests.support.world import PASSWORD, World

if TYPE_CHECKING:
    from playwright.sync_api import Browser


def day(windows: int, arrivals: float, first: int = 9, last: int = 10) -> dict[str, Any]:
    """A what-if body for office central: `windows` and `arrivals` in hours first…last."""
    return {
        "office": "central",
        "windows": [windows if first <= h <= last else 0 for h in range(24)],
        "arrivals": [arrivals if first <= h <= last else 0.0 for h in range(24)],
        "seeds": 1,
    }


def test_a_manager_gets_progress_then_waits_per_hour_beside_erlang_c(sqlite_world: World) -> None:
    """R1–R3: the share within each service's wait limit, per hour, simulated and predicted."""
    with make_client(sqlite_world) as api:
        got = api.post(
            "/api/v1/reports/whatif", json=day(3, 6), headers=sqlite_world.auth("manager")
        )
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in got.text.splitlines()]
    assert lines[0] == {"type": "progress", "done": 0.0}
    assert {m["type"] for m in lines[:-1]} == {"progress"}
    result = lines[-1]
    assert result["type"] == "result" and result["seeds"] == 1
    hours = {h["hour"]: h for h in result["hours"]}
    assert hours[9]["windows"] == 3 and hours[9]["arrivals"] == 6
    assert hours[9]["calls"] + hours[10]["calls"] == result["calls"] > 5
    assert 0 <= hours[9]["within_share"] <= 1
    assert hours[9]["erlang_mean_wait_s"] is not None
    assert hours[9]["erlang_within_share"] > 0.5
    assert hours[3]["calls"] == 0 and hours[3]["erlang_mean_wait_s"] is None


@pytest.mark.parametrize(
    ("who", "status"), [("clerk1", 403), ("north_manager", 403), ("kiosk", 403), (None, 401)]
)
def test_only_managers_and_admins_of_the_office_may_run_it(
    sqlite_world: World, who: str | None, status: int
) -> None:
    headers = sqlite_world.auth(who) if who else {}
    with make_client(sqlite_world) as api:
        got = api.post("/api/v1/reports/whatif", json=day(2, 12), headers=headers)
        defaults = api.get(
            "/api/v1/reports/whatif/defaults", params={"office": "central"}, headers=headers
        )
    assert got.status_code == status, got.text
    assert defaults.status_code == status, defaults.text


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"windows": [-1] + [1] * 23}, "не меньше 0"),
        ({"windows": [1] * 25, "arrivals": [1.0] * 25}, "не больше 24"),
        ({"arrivals": [1e6] + [0.0] * 23}, "не больше 400"),
        ({"windows": [9] * 24, "arrivals": [100.0] * 24}, "не более чем для 1500"),
        ({"windows": [0] * 24}, "Не открыто ни одного окна"),
        ({"seeds": 50}, "не больше 5"),
        ({"office": "nowhere"}, "nowhere"),
    ],
)
def test_bad_input_is_a_russian_4xx_before_anything_runs(
    sqlite_world: World, change: dict[str, Any], fragment: str
) -> None:
    with make_client(sqlite_world) as api:
        got = api.post(
            "/api/v1/reports/whatif",
            json={**day(2, 12), **change},
            headers=sqlite_world.auth("admin"),
        )
    assert 400 <= got.status_code < 500, got.text
    assert fragment in got.json()["error"]["message"]


def test_a_second_run_while_one_runs_is_told_to_wait_and_the_slot_comes_back(
    sqlite_world: World,
) -> None:
    """One what-if at a time per server process (the app's runtime holds the slot): while
    it is taken a manager gets a Russian 503, and a finished run gives it back."""
    with make_client(sqlite_world) as api:
        slot = api.app_state["runtime"].whatif_runs
        assert slot.acquire(blocking=False)  # a run in progress
        busy = api.post(
            "/api/v1/reports/whatif", json=day(2, 12), headers=sqlite_world.auth("manager")
        )
        slot.release()
        first = api.post(
            "/api/v1/reports/whatif", json=day(2, 12), headers=sqlite_world.auth("manager")
        )
        again = api.post(
            "/api/v1/reports/whatif", json=day(2, 12), headers=sqlite_world.auth("manager")
        )
    assert busy.status_code == 503, busy.text
    assert busy.json()["error"]["code"] == "whatif_busy"
    assert any("а" <= ch <= "я" for ch in busy.json()["error"]["message"].lower())
    for got in (first, again):
        assert got.status_code == 200, got.text
        assert json.loads(got.text.splitlines()[-1])["type"] == "result"


def test_defaults_without_history_are_zeros(sqlite_world: World) -> None:
    with make_client(sqlite_world) as api:
        got = api.get(
            "/api/v1/reports/whatif/defaults",
            params={"office": "central"},
            headers=sqlite_world.auth("manager"),
        )
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["windows"] == [0] * 24 and body["arrivals"] == [0.0] * 24


def test_planner_page_runs_a_what_if_with_progress_table_and_chart(
    sqlite_world: World, browser: Browser
) -> None:
    """Set windows and arrivals, run: the progress bar shows, then the table and chart."""
    from playwright.sync_api import expect

    world = sqlite_world
    with live_server(world) as server, open_page(browser) as page:
        page.goto(f"{server.url}/admin/planner/central")
        page.fill("input[name=username]", "manager")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{server.url}/admin/planner/central")
        expect(page.locator("#row-windows input")).to_have_count(24)
        for hour in (9, 10):
            page.fill(f"input[name=w{hour}]", "4")
            page.fill(f"input[name=a{hour}]", "8")
        page.select_option("select[name=seeds]", "1")
        page.click("#run")
        expect(page.locator("#status")).to_be_visible()
        expect(page.locator("#progress")).to_be_visible()
        expect(page.locator("#result")).to_be_visible(timeout=120_000)
        expect(page.locator("#status")).to_be_hidden()
        expect(page.locator("#result-table tbody tr[data-hour='9'] td").nth(1)).to_have_text("4")
        expect(page.locator("#chart svg rect[data-hour='9']")).to_have_count(1)
        expect(page.locator("#chart svg circle[data-erlang='9']")).to_have_count(1)
        expect(page.locator("#error")).to_be_empty()
        # A day the server refuses shows its Russian message and no result.
        for hour in (9, 10):
            page.fill(f"input[name=w{hour}]", "0")
        page.click("#run")
        expect(page.locator("#error")).to_contain_text("Не открыто ни одного окна")
        expect(page.locator("#result")).to_be_hidden()
