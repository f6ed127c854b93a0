"""Never a hang: under a crowd the server answers, keeps time, and sheds load with 503.

Issue 13, item 1. The crowd test runs the real server and the crowd in their own
processes on both databases; the others pin each bounded wait (admission, pooled
connection, SQLite's write lock) with a server in a thread and the pool or lock held by
the test itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select, text, update

from queue_server.app import run_with
from queue_server.db import Database, WriteLock
from queue_server.offices.models import Office
from queue_server.settings import Settings
from queue_server.tickets.models import Ticket, TicketCounter, TicketTransition
from tests.support.app import settings_for, shared_app
from tests.support.crowd import LoadPlan
from tests.support.overload import crowd, crowd_report, probe_healthz, server_process
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import LiveServer
from tests.support.world import World

RECALL_AFTER = 5  # seconds: the shortest R5 delay an office may set
LOAD_SECONDS = 9.0  # the timer's recall falls due in the middle of the load
# A recall recorded later than this after its due time fails: generous for a loaded
# two-core machine, yet far from the sixteen minutes seen before the fix.
RECALL_LATE_AT_MOST = timedelta(seconds=4)
# A hang, not a speed: on a quiet machine /healthz answers in tens of ms under this crowd
# (benchmarks/overload.py); a CI machine running two suites at once took 1.0 s once.
HEALTHZ_AT_MOST = 3.0


def _issue(base: str, world: World, service: str = "passport") -> httpx.Response:
    return httpx.post(
        f"{base}/api/v1/offices/central/tickets",
        json={"service": service},
        headers=world.auth("kiosk"),
        timeout=30,
    )


def _post(base: str, world: World, who: str, path: str) -> httpx.Response:
    return httpx.post(f"{base}/api/v1{path}", headers=world.auth(who), timeout=30)


def _call_a_timer_ticket(base: str, world: World) -> int:
    """A consultation ticket called at window 4 by clerk3: its R5 recall is the timer."""
    assert _issue(base, world, "consult").status_code == 201
    assert _post(base, world, "clerk3", "/offices/central/windows/4/take").status_code == 200
    called = _post(base, world, "clerk3", "/offices/central/windows/4/call-next")
    assert called.status_code == 200, called.text
    return int(called.json()["id"])


def _recall_lateness(world: World, ticket_id: int, wait_up_to: float) -> timedelta:
    """How long after its due time the automatic recall was recorded (waits for it)."""
    deadline = time.monotonic() + wait_up_to
    while True:  # polling the database for a row another process writes
        with world.db.transaction(read_only=True) as session:
            steps = {
                t.action: t
                for t in session.scalars(
                    select(TicketTransition).where(TicketTransition.ticket_id == ticket_id)
                )
            }
        if "recall" in steps or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert "recall" in steps, "the automatic recall never came"
    assert steps["recall"].automatic
    return steps["recall"].at - (steps["call"].at + timedelta(seconds=RECALL_AFTER))


def _assert_nothing_lost(world: World, issued: list[tuple[int, str]], refused: list[str]) -> None:
    """Every answered ticket exists with its number; no number twice; a 503 left nothing."""
    with world.db.transaction(read_only=True) as session:
        stored = {t.id: t.number for t in session.scalars(select(Ticket))}
        duplicates = session.execute(
            select(Ticket.office_id, Ticket.day, Ticket.number)
            .group_by(Ticket.office_id, Ticket.day, Ticket.number)
            .having(func.count() > 1)
        ).all()
        left_by_refusals = session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.idempotency_key.in_(refused))
        )
    assert [(i, n) for i, n in issued if stored.get(i) != n] == []
    assert duplicates == []
    assert left_by_refusals == 0


def test_a_hundred_clients_get_answers_healthz_stays_quick_and_timers_keep_time(
    world: World,
) -> None:
    """100 concurrent clients issue and call for 9 s against the real server process."""
    with world.db.transaction() as session:
        session.execute(
            update(Office).values(recall_after_seconds=RECALL_AFTER, no_show_after_seconds=3600)
        )
    with server_process(world, scheduler_interval="0.5") as base:
        for clerk, window in (("clerk1", 1), ("clerk2", 2)):
            assert _post(base, world, clerk, f"/offices/central/windows/{window}/take").is_success
        plan = LoadPlan(
            base=base,
            seconds=LOAD_SECONDS,
            issuers=70,
            kiosk_token=world.tokens["kiosk"],
            callers=[(1, world.tokens["clerk1"], 15), (2, world.tokens["clerk2"], 15)],
            served_issues=20,
            served_calls=5,
            most_seconds=40.0,
        )
        with crowd(plan) as loading:
            # /healthz is probed from the crowd's start, beside the timer ticket's call
            # (under a loaded machine that call alone once took most of the crowd's 9 s,
            # leaving 8 probes).
            healthz: list[float] = []
            prober = threading.Thread(
                target=lambda: healthz.extend(probe_healthz(base, loading, HEALTHZ_AT_MOST))
            )
            prober.start()
            try:
                # Called under load, so its recall falls due under load too.
                timer_ticket = _call_a_timer_ticket(base, world)
            finally:
                prober.join()
            report = crowd_report(loading, timeout=60)
        lateness = _recall_lateness(world, timer_ticket, wait_up_to=10)

    assert report.faults == []
    assert len(healthz) >= 10
    assert max(healthz) < HEALTHZ_AT_MOST, f"/healthz took {max(healthz):.2f} s under load"
    assert lateness <= RECALL_LATE_AT_MOST, f"the recall came {lateness} late"
    # Not a server that answers 503 to everything: the crowd was served.
    assert len(report.issued) >= 20, report.statuses
    assert report.calls >= 5, report.statuses
    _assert_nothing_lost(world, report.issued, report.refused_keys)


# --- each bounded wait, pinned with the resource held by the test ---------------------


@contextmanager
def _server(world: World, db: Database, **settings: Any) -> Iterator[LiveServer]:
    """The app under uvicorn in a thread, on `db` (whose pool and lock the test holds)."""
    app = run_with(shared_app(), settings_for(world, **settings), clock=world.clock, database=db)
    with LiveServer(app) as server:
        yield server


def _small_database(world: World, **options: Any) -> Database:
    url = world.db.engine.url.render_as_string(hide_password=False)
    return Database.from_url(url, **options)


def _assert_busy(response: httpx.Response, code: str) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) >= 1
    error = response.json()["error"]
    assert error["code"] == code
    assert "повторите" in error["message"]


def test_a_request_without_a_free_connection_gets_503_instead_of_waiting(world: World) -> None:
    """Every pooled connection taken: the pool timeout answers 503, not a hang or a 500."""
    db = _small_database(world, pool_size=1, pool_overflow=0, pool_timeout_seconds=0.5)
    try:
        with _server(world, db) as server, db.engine.connect() as held:
            base = server.url
            held.execute(text("SELECT 1"))
            started = time.monotonic()
            _assert_busy(_issue(base, world), "database_busy")
            assert time.monotonic() - started < 10
            assert httpx.get(f"{base}/healthz", timeout=REQUEST_SECONDS).status_code == 200
    finally:
        db.dispose()


def test_requests_beyond_the_slots_wait_briefly_then_get_503_while_healthz_answers(
    world: World,
) -> None:
    """One slot, taken by a request stuck on the pool: the next is refused, /healthz is not."""
    db = _small_database(world, pool_size=1, pool_overflow=0, pool_timeout_seconds=20)
    answers: list[httpx.Response] = []
    try:
        with _server(world, db, max_concurrent_requests=1, request_queue_seconds=0.3) as server:
            base = server.url
            with db.engine.connect() as held:
                held.execute(text("SELECT 1"))
                first = threading.Thread(target=lambda: answers.append(_issue(base, world)))
                first.start()
                _until(lambda: server.runtime.admission.admitted == 1)
                refused = httpx.get(
                    f"{base}/api/v1/offices", headers=world.auth("admin"), timeout=REQUEST_SECONDS
                )
                _assert_busy(refused, "server_busy")
                # Not queued: a request waiting for the one slot is refused after 0.3 s.
                assert httpx.get(f"{base}/healthz", timeout=REQUEST_SECONDS).status_code == 200
            first.join(timeout=30)  # the connection came back: the admitted one is served
    finally:
        db.dispose()
    assert [r.status_code for r in answers] == [201]


@contextmanager
def _write_path_held(world: World, db: Database) -> Iterator[None]:
    """What the next issue has to wait for, held by the test: SQLite's write lock (the
    server's own in-process lock), or on PostgreSQL the day's ticket counter row."""
    if db.is_sqlite:
        with db.transaction() as holder:
            holder.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock is ours
            yield
    else:
        with world.db.transaction() as holder:
            assert holder.scalars(select(TicketCounter).with_for_update()).all()
            yield


def _issue_within(base: str, world: World, seconds: float) -> httpx.Response:
    """An issue, tried again after a 503 (its Retry-After honoured) for up to `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        response = _issue(base, world)
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        time.sleep(min(1.0, float(response.headers.get("Retry-After", "1"))))


def test_a_writer_that_waits_past_its_budget_gets_503_and_readers_go_on(world: World) -> None:
    """The write path held by another transaction past the budget: 503, never a hang."""
    db = _small_database(world, write_wait_seconds=0.5)
    try:
        with _server(world, db) as server:
            base = server.url
            # The day's counter now exists. With a 0.5 s lock budget, a loaded CI machine
            # once answered this setup issue 503 in both passes; what is asserted is the
            # 503 while the test holds the lock, so the setup may take a second try.
            assert _issue_within(base, world, REQUEST_SECONDS).status_code == 201
            with _write_path_held(world, db):
                started = time.monotonic()
                _assert_busy(_issue(base, world), "database_busy")
                assert time.monotonic() - started < 10
                reader = httpx.get(
                    f"{base}/api/v1/offices", headers=world.auth("admin"), timeout=REQUEST_SECONDS
                )
                assert reader.status_code == 200
            assert _issue(base, world).status_code == 201  # released: served again
    finally:
        db.dispose()


def test_the_write_lock_serves_a_priority_waiter_first_then_in_arrival_order() -> None:
    """The scheduler's timers go ahead of requests; requests are served first come first."""
    lock = WriteLock()
    assert lock.acquire(1)
    order: list[str] = []

    def wait(name: str, priority: bool) -> None:
        assert lock.acquire(10, priority=priority)
        order.append(name)
        lock.release()

    threads = []
    for name, priority in (("request 1", False), ("request 2", False), ("timers", True)):
        threads.append(threading.Thread(target=wait, args=(name, priority)))
        threads[-1].start()
        _until(lambda n=len(threads): lock.waiting() == n)
    lock.release()
    for thread in threads:
        thread.join(timeout=10)
    assert order == ["timers", "request 1", "request 2"]


def test_a_write_lock_waiter_gives_up_after_its_timeout() -> None:
    """A bounded wait: False after the timeout, and the lock still works afterwards."""
    lock = WriteLock()
    assert lock.acquire(1)
    assert lock.acquire(0.05) is False
    assert lock.waiting() == 0
    lock.release()
    assert lock.acquire(0.05)


def _until(condition: Any) -> None:
    deadline = time.monotonic() + 10
    while not condition():  # waiting for a thread to reach the lock, not for a timer
        assert time.monotonic() < deadline
        time.sleep(0.005)


def test_settings_refuse_a_pool_smaller_than_the_admitted_requests() -> None:
    """Fewer connections than slots would move the queue into the pool: refused at start."""
    with pytest.raises(ValidationError, match="MFCQ_DB_POOL_SIZE"):
        Settings(max_concurrent_requests=32, db_pool_size=10, db_pool_overflow=10)
