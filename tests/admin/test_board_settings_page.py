"""The board settings page: a manager edits what the server keeps for each waiting-room
board (running text, language, voice, recent calls, paging) and the open board follows
without anyone touching it (Chromium: the manager's page and the board side by side)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from queue_server.auth.models import Device
from tests.support.browser import open_page
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import live_server
from tests.support.world import PASSWORD, World


def _board_id(world: World) -> int:
    with world.db.transaction(read_only=True) as s:
        found = s.scalar(select(Device.id).where(Device.name == "board"))
    assert found is not None
    return int(found)


def _config(page: Any) -> dict[str, Any]:
    config: dict[str, Any] = json.loads(page.text_content("#page-config"))
    return config


def test_a_manager_changes_a_boards_settings_and_the_board_shows_them(
    sqlite_world: World, browser: Any
) -> None:
    world = sqlite_world
    board_id = _board_id(world)
    with live_server(world) as server:
        with open_page(browser, viewport={"width": 1920, "height": 1080}) as board:
            board.goto(f"{server.url}/board/central?token={world.tokens['board']}")
            board.wait_for_function("window.board && window.board.connected === true")
            assert _config(board)["runningText"] == ""
            with open_page(browser) as admin:
                admin.goto(f"{server.url}/admin/settings/offices/central")
                admin.fill("input[name=username]", "manager")
                admin.fill("input[name=password]", PASSWORD)
                admin.click("button[type=submit]")
                admin.wait_for_url(f"{server.url}/admin/settings/offices/central")
                admin.click("#devices tr[data-device=board] >> text=Настройки табло")
                admin.wait_for_url(f"**/admin/settings/offices/central/boards#board-{board_id}")
                form = admin.locator(f"#board-{board_id}")
                form.wait_for()
                assert admin.inner_text("h1") == "Табло в зале: МФЦ Центральный"
                assert form.locator("h2").inner_text() == "Табло «board»"
                # The stored values (the defaults here) fill the form.
                assert form.locator("[name=recent]").input_value() == "8"
                assert form.locator("[name=voice]").is_checked()
                form.locator("[name=running_text]").fill("Окно 3 сегодня не работает")
                form.locator("[name=recent]").fill("5")
                form.locator("[name=page_seconds]").fill("12")
                form.locator("[name=voice]").uncheck()
                form.locator("button[type=submit]").click()
                form.locator("[role=status]").filter(has_text="Сохранено").wait_for()
                assert form.locator("[role=alert]").inner_text() == ""
                found = Axe().run(admin).response["violations"]
                serious = [v["id"] for v in found if v["impact"] in ("critical", "serious")]
                assert serious == []
                # A value out of bounds is refused in Russian and stores nothing.
                bad = httpx.put(
                    f"{server.url}/api/v1/offices/central/devices/{board_id}/settings",
                    json={"recent": 0},
                    headers=world.auth("manager"),
                    timeout=REQUEST_SECONDS,
                )
                assert bad.status_code == 422
                assert "последние вызовы" in bad.json()["error"]["message"]
            # The board reloads itself with the new settings.
            board.wait_for_function(
                "document.getElementById('running-text')"
                ".textContent === 'Окно 3 сегодня не работает'"
            )
            board.wait_for_function("window.board && window.board.connected === true")
            config = _config(board)
            assert (config["recent"], config["pageSeconds"], config["voice"]) == (5, 12, False)
        # Kept on the server: what the board reads for itself.
        mine = httpx.get(
            f"{server.url}/api/v1/devices/me/settings",
            headers=world.auth("board"),
            timeout=REQUEST_SECONDS,
        )
        assert mine.json()["running_text"] == "Окно 3 сегодня не работает"


def test_an_office_without_boards_says_so_and_a_clerk_cannot_change_one(
    sqlite_world: World, browser: Any
) -> None:
    world = sqlite_world
    with live_server(world) as server:
        with open_page(browser) as page:
            page.add_init_script(
                f"sessionStorage.setItem('mfcq_token', {world.tokens['north_manager']!r})"
            )
            page.goto(f"{server.url}/admin/settings/offices/north/boards")
            page.wait_for_selector("#none:not([hidden])")
            assert "нет зарегистрированных табло" in page.inner_text("#none")
        refused = httpx.put(
            f"{server.url}/api/v1/offices/central/devices/{_board_id(world)}/settings",
            json={"running_text": "x"},
            headers=world.auth("clerk1"),
            timeout=REQUEST_SECONDS,
        )
        assert refused.status_code == 403
