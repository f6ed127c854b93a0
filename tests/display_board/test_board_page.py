"""The waiting-room board in Chromium: calls within a second, announcements, reconnects."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy import select

from queue_server.auth.service import resolve_token
from queue_server.offices.models import Office
from queue_server.tickets import moves as tickets
from tests.queue_server.realtime_support import Api
from tests.support.servers import free_port, live_server
from tests.support.world import World


def board_url(base: str, world: World, **params: str) -> str:
    """The board page of office central with the board's device token."""
    query = "&".join(
        f"{k}={quote(v)}" for k, v in {"token": world.tokens["board"], **params}.items()
    )
    return f"{base}/board/central?{query}"


def wait_connected(page: Any) -> None:
    """Until the page's WebSocket has said hello."""
    page.wait_for_function("window.board && window.board.connected === true", timeout=15_000)


def announced(page: Any) -> list[dict[str, Any]]:
    """The announcer's log: start/end/skip entries with the phrase."""
    log: list[dict[str, Any]] = page.evaluate("window.board.log")
    return log


def call_while_down(world: World, clerk: str, window: int) -> str:
    """Call the next ticket straight through the domain (the server is not running)."""
    with world.db.transaction() as session:
        office = session.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        principal = resolve_token(session=session, clock=world.clock, token=world.tokens[clerk])
        ticket = tickets.call_next(
            session=session, clock=world.clock, office=office, number=window, principal=principal
        )
        assert ticket is not None
        return ticket.number


def test_a_call_shows_and_is_announced(page: Any, sqlite_world: World) -> None:
    """A call lights its row, blinking, and is announced. How soon is measured, not
    asserted: `benchmarks/board_fanout.py` gives the call-to-board latency."""
    world = sqlite_world
    with live_server(world) as server:
        api = Api(server, world)
        api.take("clerk1", 1)
        first = api.issue()["number"]
        api.issue()
        page.goto(board_url(server.url, world, text="Добро пожаловать в МФЦ"))
        wait_connected(page)
        assert page.text_content("#running-text") == "Добро пожаловать в МФЦ"
        assert page.text_content('#waiting li[data-service="passport"] .count') == "2"

        api.call_next("clerk1", 1)
        row = page.wait_for_selector(f'#calls li.called[data-number="{first}"]')
        assert row is not None
        assert row.query_selector(".window").text_content() == "1"
        assert "fresh" in (row.get_attribute("class") or "")  # blinking at first
        page.wait_for_function(
            "document.querySelector('#waiting li[data-service=\"passport\"] .count')"
            ".textContent === '1'"
        )
        phrase = f"Талон а {int(first[1:])}, окно 1"  # the letter by its name
        page.wait_for_function(
            f"window.board.log.some(e => e.kind === 'end' && e.text === {phrase!r})"
        )

        # A recall is announced again, after the first announcement has ended.
        api.post("clerk1", f"/api/v1/tickets/{_ticket_id(api, first)}/recall")
        page.wait_for_function(
            f"window.board.log.filter(e => e.kind === 'end' && e.text === {phrase!r}).length === 2"
        )
        api.close()


def test_announcements_wait_for_each_other(page: Any, sqlite_world: World) -> None:
    world = sqlite_world
    with live_server(world) as server:
        api = Api(server, world)
        api.take("clerk1", 1)
        api.take("clerk3", 3)
        api.issue()
        api.issue("results")
        page.goto(board_url(server.url, world))
        wait_connected(page)
        a = api.call_next("clerk1", 1)["number"]
        b = api.call_next("clerk3", 3)["number"]
        page.wait_for_function("window.board.log.filter(e => e.kind === 'end').length === 2")
        log = announced(page)
        assert [(e["kind"], e["text"].split(",")[1].strip()) for e in log] == [
            ("start", "окно 1"),
            ("end", "окно 1"),
            ("start", "окно 3"),
            ("end", "окно 3"),
        ]
        assert log[2]["at"] >= log[1]["at"]  # the second waited for the first
        assert {a, b} <= {
            row
            for row in page.eval_on_selector_all(
                "#calls li.called", "els => els.map(e => e.dataset.number)"
            )
        }
        api.close()


def test_the_board_reconnects_after_a_restart_and_shows_what_it_missed(
    page: Any, sqlite_world: World
) -> None:
    world = sqlite_world
    port = free_port()
    with live_server(world, port=port) as server:
        api = Api(server, world)
        api.take("clerk1", 1)
        api.take("clerk2", 2)
        api.take("clerk3", 3)
        for service in ("passport", "passport", "results"):
            api.issue(service)
        shown = api.call_next("clerk1", 1)["number"]
        api.close()
        page.goto(board_url(server.url, world))
        wait_connected(page)
        page.wait_for_selector(f'#calls li[data-number="{shown}"]')
    # The server is down: the page notices, and calls go on without it.
    page.wait_for_function("window.board.connected === false")
    assert page.is_visible("#link.offline")
    missed = [call_while_down(world, "clerk3", 3), call_while_down(world, "clerk2", 2)]
    with live_server(world, port=port):
        wait_connected(page)
        for number in missed:
            page.wait_for_selector(f'#calls li.called[data-number="{number}"]', timeout=10_000)
        assert page.is_hidden("#link.offline")


def _ticket_id(api: Api, number: str) -> int:
    windows = api.http.get(
        "/api/v1/offices/central/windows", headers=api.world.auth("manager")
    ).json()
    for window in windows:
        ticket = window["current_ticket"]
        if ticket and ticket["number"] == number:
            return int(ticket["id"])
    raise AssertionError(f"{number} is at no window")
