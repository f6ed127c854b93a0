"""The board with the demo's twelve services: no queue hidden, readable sizes, both layouts,
the running-text band only with text, and settings kept per board on the server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from queue_server.auth.service import add_device
from queue_server.clock import FakeClock
from queue_server.db import Database
from queue_server.offices.models import Office
from tests.kiosk.conftest import OFFICE, KioskWorld, build_kiosk_world, screenshot_dir
from tests.support.app import borrowed_app
from tests.support.browser import open_page
from tests.support.servers import LiveServer, free_port

pytestmark = pytest.mark.timeout(120)

LANDSCAPE = {"width": 1920, "height": 1080}
PORTRAIT = {"width": 1080, "height": 1920}
MIN_ROW_PX = 48  # board.css --min-row: a list row read from 5 m
MIN_CALLED_PX = 96  # board.css --min-called


@pytest.fixture
def demo_world(db: Database, clock: FakeClock) -> Iterator[KioskWorld]:
    """The demo office (twelve services) with a board device, its server running."""
    from queue_server.settings import Settings

    world = build_kiosk_world(db, clock)
    with db.transaction() as session:
        office = session.scalar(select(Office).where(Office.code == OFFICE))
        assert office is not None
        device, token = add_device(
            session=session, clock=clock, office=office, kind="board", name="board-hall"
        )
        world.tokens["board"] = token
        world.tokens["board-id"] = str(device.id)
    port = free_port()
    settings = Settings(
        database_url=str(db.engine.url),
        scheduler_interval=0,
        public_url=f"http://127.0.0.1:{port}",
    )
    # Each start (a test may restart the server) runs the app's lifespan anew.
    with borrowed_app(settings, clock=clock, database=db) as app:
        world.server = LiveServer(app, port=port)
        world.server.start()
        try:
            yield world
        finally:
            world.server.stop()


def services(world: KioskWorld) -> list[str]:
    """The codes of the office's services."""
    with world.api() as api:
        got = api.get(f"/offices/{OFFICE}/services", headers=world.auth("manager"))
    assert got.status_code == 200, got.text
    return [s["code"] for s in got.json()]


def open_board(page: Any, world: KioskWorld, **params: str) -> None:
    """The hall's board (its device token in the URL), connected."""
    assert world.server is not None
    query = httpx.QueryParams({"token": world.tokens["board"], **params})
    page.goto(f"{world.server.url}/board/{OFFICE}?{query}")
    page.wait_for_function("window.board && window.board.connected === true")


ROW_BOXES = """() => [...document.querySelectorAll('#waiting li')]
  .filter((li) => !li.hidden)
  .map((li) => {
    const r = li.getBoundingClientRect();
    return {service: li.dataset.service, top: r.top, bottom: r.bottom, left: r.left,
            right: r.right, font: parseFloat(getComputedStyle(li).fontSize)};
  })"""


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_every_queue_with_people_waiting_is_shown_whole_page_by_page(
    browser: Any, demo_world: KioskWorld, viewport: dict[str, int]
) -> None:
    """All eleven queues with people appear (the empty one does not), each page fits."""
    codes = services(demo_world)
    assert len(codes) == 12
    busy = [c for c in codes if c != "case_status"]
    for code in busy:
        demo_world.issue(code)
    with open_page(browser, viewport=viewport) as page:
        page.clock.install()
        open_board(page, demo_world)
        page.wait_for_function("window.board.waiting.length === 11")
        pages: list[list[str]] = page.evaluate("window.board.pages")
        flat = [code for rows in pages for code in rows]
        assert sorted(flat) == sorted(busy)  # each queue once, none left out
        assert "case_status" not in flat
        height, width = viewport["height"], viewport["width"]
        seen: list[str] = []
        for index in range(len(pages)):
            # The pages take turns by themselves.
            page.wait_for_function(f"window.board.page === {index}")
            rows = page.evaluate(ROW_BOXES)
            assert page.evaluate("window.board.pages") == pages  # the split is stable
            assert [r["service"] for r in rows] == pages[index]
            for row in rows:
                assert row["top"] >= 0 and row["bottom"] <= height, row
                assert row["left"] >= 0 and row["right"] <= width, row
                assert row["font"] >= MIN_ROW_PX, row
            seen += [r["service"] for r in rows]
            if len(pages) > 1:
                assert page.is_visible("#pager")
                assert page.text_content("#pager") == f"Страница {index + 1} из {len(pages)}"
            page.clock.run_for(8_000)
        assert sorted(seen) == sorted(busy)
        shot(page, "board-landscape" if viewport is LANDSCAPE else "board-portrait")


def shot(page: Any, name: str) -> None:
    """Save a docs screenshot when MFCQ_SCREENSHOTS is set."""
    target = screenshot_dir()
    if target is not None:
        target.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target / f"{name}.png"))


def test_called_numbers_are_large_and_the_band_goes_when_there_is_no_text(
    browser: Any, demo_world: KioskWorld
) -> None:
    demo_world.issue("passport")
    with open_page(browser, viewport=LANDSCAPE) as page:
        open_board(page, demo_world)
        assert page.is_hidden("#ticker")
        # The lists reach the bottom of the screen: no empty band is left for the text.
        bottom = page.evaluate("document.querySelector('main.middle').getBoundingClientRect()"
                               ".bottom")  # fmt: skip
        assert bottom >= LANDSCAPE["height"] - 2
        with demo_world.api() as api:
            clerk = demo_world.auth("clerk1")
            assert api.post(f"/offices/{OFFICE}/windows/1/take", headers=clerk).status_code == 200
            called = api.post(f"/offices/{OFFICE}/windows/1/call-next", headers=clerk)
            assert called.status_code == 200, called.text
        number = called.json()["number"]
        row = page.wait_for_selector(f'#calls li.called[data-number="{number}"]')
        assert row is not None
        size = page.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)", row)
        assert size >= MIN_CALLED_PX
        open_board(page, demo_world, text="Добро пожаловать")
        assert page.is_visible("#ticker")
        assert page.text_content("#running-text") == "Добро пожаловать"


def test_board_settings_are_kept_per_board_on_the_server(
    browser: Any, demo_world: KioskWorld
) -> None:
    device_id = demo_world.tokens["board-id"]
    url = f"/offices/{OFFICE}/devices/{device_id}/settings"
    with demo_world.api() as api:
        manager = demo_world.auth("manager")
        stored = api.put(
            url,
            json={"running_text": "Касса работает до 18:00", "page_seconds": 5},
            headers=manager,
        )
        assert stored.status_code == 200, stored.text
        assert stored.json()["running_text"] == "Касса работает до 18:00"
        # Bad input is refused with a 4xx and stores nothing.
        bad = api.put(url, json={"recent": 0}, headers=manager)
        assert bad.status_code == 422
        clerk = api.put(url, json={}, headers=demo_world.auth("clerk1"))
        assert clerk.status_code == 403
    with open_page(browser, viewport=PORTRAIT) as page:
        # Only the token in the URL: the rest comes from the server.
        open_board(page, demo_world)
        assert page.text_content("#running-text") == "Касса работает до 18:00"
        assert page.evaluate("JSON.parse(document.getElementById('page-config').textContent)"
                             ".pageSeconds") == 5  # fmt: skip
        # A manager changes them: the board shows the new text without anyone touching it.
        with demo_world.api() as api:
            changed = api.put(
                url, json={"running_text": "Окно 3 не работает"}, headers=demo_world.auth("manager")
            )
            assert changed.status_code == 200
        page.wait_for_function(
            "document.getElementById('running-text').textContent === 'Окно 3 не работает'"
        )
        # The board has sent its heartbeat: the server knows it is alive.
        with demo_world.api() as api:
            states = api.get(
                f"/offices/{OFFICE}/device-states", headers=demo_world.auth("manager")
            ).json()
        board = next(d for d in states if d["name"] == "board-hall")
        assert board["state"] == "ok" and board["at"] is not None
