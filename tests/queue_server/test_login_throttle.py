"""Item 8 of issue 13: logins throttled per account and per address, on the injected clock.

Defaults: 5 failures per account and 20 per client address within 15 minutes; then 429
with Retry-After and a Russian message. The counts are rows in the database, so a second
server process on the same database sees them, and parallel guesses cannot slip past.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from queue_server.app import create_app
from queue_server.auth.models import LoginFailures
from queue_server.auth.throttle import address_key_of
from queue_server.scheduler import Scheduler
from tests.support.app import app_for, settings_for
from tests.support.servers import live_server
from tests.support.world import PASSWORD, World

TOKEN = "/api/v1/auth/token"


def _login(api: TestClient, username: str, password: str) -> httpx.Response:
    return api.post(TOKEN, data={"username": username, "password": password})


def _fail(api: TestClient, username: str, times: int) -> None:
    for _ in range(times):
        assert _login(api, username, "wrong-password").status_code == 401


def test_five_failures_lock_the_account_with_429_and_retry_after(
    api: TestClient, world: World
) -> None:
    _fail(api, "clerk1", 5)
    world.clock.advance(minutes=5)
    refused = _login(api, "clerk1", PASSWORD)  # even the right password waits
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(10 * 60)  # the window began 5 minutes ago
    error = refused.json()["error"]
    assert error["code"] == "too_many_login_attempts"
    assert (
        "Слишком много неудачных попыток входа" in error["message"] and "10 мин" in error["message"]
    )
    assert _login(api, "clerk2", PASSWORD).status_code == 200  # other accounts are not locked
    world.clock.advance(minutes=10)
    assert _login(api, "clerk1", PASSWORD).status_code == 200  # the window is over


def test_a_success_resets_the_accounts_count(api: TestClient, world: World) -> None:
    _fail(api, "clerk1", 4)
    assert _login(api, "clerk1", PASSWORD).status_code == 200
    _fail(api, "clerk1", 4)  # would be 8 in the window without the reset
    assert _login(api, "clerk1", PASSWORD).status_code == 200


def test_refused_attempts_do_not_extend_the_lock(api: TestClient, world: World) -> None:
    _fail(api, "clerk1", 5)
    for _ in range(3):
        world.clock.advance(minutes=4)
        assert _login(api, "clerk1", "wrong-password").status_code == 429
    world.clock.advance(minutes=3)  # 15 minutes after the first failure
    assert _login(api, "clerk1", PASSWORD).status_code == 200


def test_twenty_failures_from_one_address_lock_that_address_only(world: World) -> None:
    app = app_for(world)
    with TestClient(app, client=("203.0.113.7", 40000)) as attacker:
        # A spray: four tries at each of five names stays under every account's limit.
        for name in ("ghost1", "ghost2", "ghost3", "ghost4", "ghost5"):
            _fail(attacker, name, 4)
        refused = _login(attacker, "clerk1", PASSWORD)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == 15 * 60
    with TestClient(app, client=("198.51.100.9", 40000)) as colleague:
        assert _login(colleague, "clerk1", PASSWORD).status_code == 200


def test_an_ipv6_client_counts_by_its_network() -> None:
    assert address_key_of("2001:db8:1:2::1") == address_key_of("2001:db8:1:2:ffff::9")
    assert address_key_of("2001:db8:1:2::1") != address_key_of("2001:db8:1:3::1")
    assert address_key_of("::ffff:192.0.2.1") == address_key_of("192.0.2.1")


def test_the_counts_hold_across_server_processes(api: TestClient, world: World) -> None:
    _fail(api, "manager", 5)
    # Another worker: its own app and engine, the same database and clock.
    other = create_app(settings_for(world), clock=world.clock)
    with TestClient(other) as second:
        assert _login(second, "manager", PASSWORD).status_code == 429


def test_parallel_guesses_do_not_slip_past_the_limit(world: World) -> None:
    with live_server(world) as server, httpx.Client(base_url=server.url, timeout=30) as http:

        def guess(n: int) -> int:
            form = {"username": "clerk1", "password": f"guess-{n}"}
            return http.post(TOKEN, data=form).status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = Counter(pool.map(guess, range(24)))
    assert answers == {401: 5, 429: 19}, answers


def test_old_counts_are_forgotten_by_the_timed_job(api: TestClient, world: World) -> None:
    _fail(api, "ghost", 2)
    scheduler = Scheduler(world.db, world.clock)
    scheduler.run_pending()
    assert _rows(world) == 2  # the account's and the address's
    world.clock.advance(timedelta(days=1, minutes=16))
    scheduler.run_pending()
    assert _rows(world) == 0


def _rows(world: World) -> int:
    with world.db.transaction(read_only=True) as session:
        return int(session.scalar(select(func.count()).select_from(LoginFailures)) or 0)
