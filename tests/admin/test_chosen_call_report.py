"""The chosen-call report: every ticket called out of turn with its reason, clerk, window,
ticket and time in the office's zone; in Russian, as JSON, a CSV for Russian Excel, and
the manager's page in Chromium."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from fastapi.testclient import TestClient

from tests.support.app import make_client
from tests.support.browser import open_page
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import live_server
from tests.support.world import PASSWORD, World

C = "/api/v1/offices/central"


def serious_violations(page: Any) -> list[str]:
    """axe-core's critical and serious findings on the page as it stands."""
    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['help']}" for v in found if v["impact"] in ("critical", "serious")]


@pytest.fixture
def api(world: World) -> Iterator[TestClient]:
    """A client of the app, run through its lifespan."""
    with make_client(world) as client:
        yield client


def _issue(client: Any, world: World) -> dict[str, Any]:
    r = client.post(f"{C}/tickets", json={"service": "passport"}, headers=world.auth("kiosk"))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _chosen_calls(client: Any, world: World) -> list[dict[str, Any]]:
    """Clerk1 at window 1 calls А003 by the manager's word, then А002 with a note of its own;
    A001 waits (it was never chosen). The world's clock: Monday 10:00 in Moscow."""
    tickets = [_issue(client, world) for _ in range(3)]
    r = client.post(f"{C}/windows/1/take", headers=world.auth("clerk1"))
    assert r.status_code == 200, r.text
    url = f"{C}/windows/1/call-chosen"
    called = client.post(
        url, json={"ticket_id": tickets[2]["id"], "reason": "manager"}, headers=world.auth("clerk1")
    )
    assert called.status_code == 200, called.text
    for step in ("start", "finish"):
        done = client.post(
            f"/api/v1/tickets/{tickets[2]['id']}/{step}", headers=world.auth("clerk1")
        )
        assert done.status_code == 200, done.text
    world.clock.advance(timedelta(minutes=7))
    called = client.post(
        url,
        json={"ticket_id": tickets[1]["id"], "reason": "other", "note": "Ушёл за копией"},
        headers=world.auth("clerk1"),
    )
    assert called.status_code == 200, called.text
    return tickets


def test_the_report_lists_each_chosen_call_in_the_offices_time(
    api: TestClient, world: World
) -> None:
    _chosen_calls(api, world)
    day = world.clock.now().date().isoformat()
    query = {"from": day, "to": day}
    report = api.get("/api/v1/reports/chosen-calls", params=query, headers=world.auth("manager"))
    assert report.status_code == 200, report.text
    table = report.json()["tables"]["chosen_calls"]
    assert [c["label_ru"] for c in table["columns"]] == [
        "Время вызова",
        "Офис",
        "Талон",
        "Окно",
        "Сотрудник",
        "Причина",
        "Пояснение",
    ]
    rows = [
        (r["at"], r["ticket"], r["window"], r["clerk"], r["reason"], r["note"])
        for r in table["rows"]
    ]
    # 07:00 UTC is 10:00 in Moscow: the office's time, not the server's.
    assert rows == [
        ("23.11.2026 10:00", "А003", 1, "Clerk1", "manager", ""),
        ("23.11.2026 10:07", "А002", 1, "Clerk1", "other", "Ушёл за копией"),
    ]
    names = next(c["names"] for c in table["columns"] if c["key"] == "reason")
    assert names["manager"] == "По указанию руководителя"
    # Another day has none; a clerk may not read the report.
    other = {"from": "2026-11-24", "to": "2026-11-24"}
    empty = api.get("/api/v1/reports/chosen-calls", params=other, headers=world.auth("manager"))
    assert empty.json()["tables"]["chosen_calls"]["rows"] == []
    refused = api.get("/api/v1/reports/chosen-calls", params=query, headers=world.auth("clerk1"))
    assert refused.status_code == 403


def test_the_csv_opens_in_russian_excel_and_reads_back(api: TestClient, world: World) -> None:
    _chosen_calls(api, world)
    day = world.clock.now().date().isoformat()
    response = api.get(
        "/api/v1/reports/chosen-calls/export.csv",
        params={"from": day, "to": day},
        headers=world.auth("manager"),
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "chosen_calls_central_" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][0].startswith("Отчёт: МФЦ Центральный, 23.11.2026")
    head = lines.index(
        ["Время вызова", "Офис", "Талон", "Окно", "Сотрудник", "Причина", "Пояснение"]
    )
    assert lines[head + 1] == [
        "23.11.2026 10:00",
        "МФЦ Центральный",
        "А003",
        "1",
        "Clerk1",
        "По указанию руководителя",
        "",
    ]
    assert lines[head + 2][5:] == ["Другое (укажите)", "Ушёл за копией"]
    english = api.get(
        "/api/v1/reports/chosen-calls/export.csv",
        params={"from": day, "to": day, "lang": "en"},
        headers=world.auth("manager"),
    )
    assert "On the manager's instruction" in english.content.decode("utf-8-sig")


def test_the_manager_page_shows_the_calls_and_downloads_the_csv(
    sqlite_world: World, browser: Any
) -> None:
    world = sqlite_world
    with (
        live_server(world) as server,
        httpx.Client(base_url=server.url, timeout=REQUEST_SECONDS) as client,
    ):
        _chosen_calls(client, world)
        with open_page(browser, timezone_id="America/New_York") as page:
            page.goto(f"{server.url}/admin/reports")
            page.fill("input[name=username]", "manager")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{server.url}/admin/reports")
            page.click("text=Вызовы выбранных талонов")
            page.wait_for_url(f"{server.url}/admin/reports/chosen-calls")
            assert page.locator("h1").inner_text() == "Вызовы выбранных талонов"
            page.wait_for_selector("#offices input[value=central]")
            page.click("#period button[type=submit]")
            page.wait_for_selector("#calls tbody tr")
            rows = page.locator("#calls tbody tr")
            assert rows.count() == 2
            first = rows.nth(0).locator("td").all_inner_texts()
            # A viewer in New York still reads the Moscow office's 10:00.
            assert first == [
                "23.11.2026 10:00",
                "МФЦ Центральный",
                "А003",
                "1",
                "Clerk1",
                "По указанию руководителя",
                "—",
            ]
            assert rows.nth(1).locator("td[data-column=note]").inner_text() == "Ушёл за копией"
            assert page.locator("#summary").inner_text() == "Вызовов за период: 2."
            with page.expect_download() as download:
                page.click("#csv")
            text = download.value.path().read_bytes().decode("utf-8-sig")
            assert "По указанию руководителя" in text and ";" in text
            assert page.locator("#error").inner_text() == ""
            assert serious_violations(page) == []
