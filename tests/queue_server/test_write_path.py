"""The write path of issue and call-next (issue 18): few statements, none that grow with the
queue, configuration from each process's cache, seen fresh after every edit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, update

from queue_server.app import create_app
from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.offices.config_cache import ConfigCache
from queue_server.offices.models import Office
from queue_server.tickets.issuing import issue_ticket
from queue_server.tickets.models import Ticket, TicketTransition
from queue_server.windows.models import Window
from tests.queue_server.test_auth import login
from tests.queue_server.test_tickets_api import assert_error, call, take
from tests.support.app import settings_for
from tests.support.overload import server_process
from tests.support.world import World

# Issue 18, item 1: the write transaction of an issue in at most 6 statements and of a
# call-next in at most 5, COMMIT not counted (BEGIN on SQLite is counted; PostgreSQL's
# lock timeout is set once per connection, so there every write has one statement
# fewer, and an issue's counter, ticket and transition are one statement, two fewer:
# `fewer_on_postgres`). The whole request's figures are pinned too, so a read that creeps
# back in is seen.
ISSUE_WRITE = 6
CALL_WRITE = 5
# 9: the pre-read (which also checks the kiosk's token, its device remembered since the
# first request); the write; after the commit, the answer's estimate in two reads (the
# windows with the tickets at them, the last hours and the places taken from the phone in
# one; the queue's heads; tickets/estimates.py). Reads send no BEGIN, on either database.
ISSUE_REQUEST = 9
# 5: the write alone (its first statement reads the clerk's token with the window's lock),
# opened by BEGIN on SQLite.
CALL_REQUEST = 5


def fewer_on_postgres(world: World, recorded: Recorder, joined: int = 0) -> tuple[int, int]:
    """What PostgreSQL saves on the write and on the whole request: one statement a
    write transaction (the lock timeout is the connection's; SQLite's BEGIN is a
    statement, and only writes send one), and `joined` statements of the write made one
    there."""
    if world.db.engine.dialect.name == "sqlite":
        return 0, 0
    return 1 + joined, len(recorded.writes) + joined


@dataclass
class Transaction:
    statements: list[str] = field(default_factory=list)
    committed: bool = False


@dataclass
class Recorder:
    transactions: list[Transaction] = field(default_factory=list)

    @property
    def writes(self) -> list[Transaction]:
        return [t for t in self.transactions if t.committed]

    @property
    def total(self) -> int:
        return sum(len(t.statements) for t in self.transactions)

    def describe(self) -> str:
        return "\n".join(
            f"{'WRITE' if t.committed else 'read'}: " + " | ".join(s[:70] for s in t.statements)
            for t in self.transactions
        )


@contextmanager
def recording(world: World) -> Iterator[Recorder]:
    """Every statement on the world's engine, grouped by transaction."""
    engine = world.db.engine
    recorder = Recorder()

    sqlite = engine.dialect.name == "sqlite"

    opened_by_begin = False

    def begin(_conn: Any) -> None:
        # PostgreSQL: psycopg's BEGIN is sent by the driver, not a statement of ours.
        # SQLite: a write's BEGIN (sent by the engine's own listener, before this one)
        # opened it already; a read sends none.
        nonlocal opened_by_begin
        if not opened_by_begin:
            recorder.transactions.append(Transaction())
        opened_by_begin = False

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        nonlocal opened_by_begin
        sql = " ".join(sql.split())
        if not recorder.transactions or (sqlite and sql.startswith("BEGIN")):
            recorder.transactions.append(Transaction())
            opened_by_begin = sqlite and sql.startswith("BEGIN")
        recorder.transactions[-1].statements.append(sql)

    def commit(_conn: Any) -> None:
        recorder.transactions[-1].committed = True

    event.listen(engine, "begin", begin)
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield recorder
    finally:
        event.remove(engine, "begin", begin)
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def config_of(api: TestClient) -> ConfigCache:
    """The configuration cache of the app this client started."""
    cache: ConfigCache = api.app_state["runtime"].config
    return cache


def fill_queue(world: World, count: int) -> None:
    """`count` more waiting tickets at the central office, over three prefixes."""
    with world.db.transaction() as session:
        office = session.scalars(select(Office).where(Office.code == "central")).one()
        manager = session.scalars(select(User).where(User.username == "manager")).one()
        principal = Principal("user", manager.id, "manager", office.id, "Manager")
        for i in range(count):
            issue_ticket(
                session=session,
                clock=world.clock,
                office=office,
                principal=principal,
                service_code=("passport", "results", "consult")[i % 3],
            )


def issue(api: TestClient, world: World, service: str = "passport", **body: Any) -> Any:
    r = api.post(
        "/api/v1/offices/central/tickets",
        json={"service": service, **body},
        headers=world.auth("kiosk"),
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_issue_statements_stay_few_and_do_not_grow_with_the_queue(
    api: TestClient, world: World
) -> None:
    issue(api, world)  # the cache is loaded on the first request
    totals = []
    for more in (10, 90, 900):  # 10, 100 and 1,000 (and a few) waiting
        fill_queue(world, more)
        with recording(world) as recorded:
            issue(api, world, idempotency_key=f"depth-{more}")
        assert len(recorded.writes) == 1, recorded.describe()
        write, request = fewer_on_postgres(world, recorded, joined=2)
        assert len(recorded.writes[0].statements) <= ISSUE_WRITE - write, recorded.describe()
        assert recorded.total <= ISSUE_REQUEST - request, recorded.describe()
        totals.append(recorded.total)
    assert len(set(totals)) == 1, totals


def test_the_counter_bump_and_the_outbox_come_last(api: TestClient, world: World) -> None:
    issue(api, world)
    with recording(world) as recorded:
        issue(api, world, idempotency_key="order-of-writes")
    write = recorded.writes[0].statements
    bump = next(i for i, s in enumerate(write) if "ticket_counters" in s)
    after = [s.split()[0].upper() for s in write[bump + 1 :]]
    if world.db.engine.dialect.name == "sqlite":
        # After the bump: only the ticket, its transition and its event (no read).
        assert after == ["INSERT"] * 3, recorded.describe()
    else:
        # The bump inserts the ticket and its transition; then only the event.
        assert "INSERT INTO tickets" in write[bump], recorded.describe()
        assert "INSERT INTO ticket_transitions" in write[bump], recorded.describe()
        assert after == ["WITH"] and "INSERT INTO events" in write[-1], recorded.describe()


def test_call_next_statements_stay_few(api: TestClient, world: World) -> None:
    take(api, world, 1, "clerk1")
    fill_queue(world, 30)
    headers = world.auth("clerk1")
    for _ in range(2):  # the second call runs on a warm cache
        with recording(world) as recorded:
            r = api.post("/api/v1/offices/central/windows/1/call-next", headers=headers)
        assert r.status_code == 200, r.text
        called = r.json()
        done = api.post(f"/api/v1/tickets/{called['id']}/no-show", headers=headers)
        assert done.status_code == 200, done.text
    assert len(recorded.writes) == 1, recorded.describe()
    # PostgreSQL: the call's update stores its transition too.
    write, request = fewer_on_postgres(world, recorded, joined=1)
    assert len(recorded.writes[0].statements) <= CALL_WRITE - write, recorded.describe()
    assert recorded.total <= CALL_REQUEST - request, recorded.describe()
    steps = [s for s in recorded.writes[0].statements if "INSERT INTO ticket_transitions" in s]
    assert len(steps) == 1, recorded.describe()
    if world.db.engine.dialect.name == "postgresql":
        assert "UPDATE tickets" in steps[0], recorded.describe()


def test_a_warm_cache_reads_no_configuration(api: TestClient, world: World) -> None:
    issue(api, world)
    cache = config_of(api)
    loads = cache.loads
    for _ in range(3):
        issue(api, world)
    assert cache.loads == loads


def put_results(api: TestClient, world: World, **changes: Any) -> None:
    body = {"name_ru": "Выдача результатов", "prefix": "К", "kind": "issuance", **changes}
    r = api.put("/api/v1/services/results", json=body, headers=world.auth("admin"))
    assert r.status_code == 200, r.text


def test_a_service_edited_is_seen_by_the_next_issue(api: TestClient, world: World) -> None:
    assert issue(api, world, "results")["wait_limit_minutes"] == 10
    put_results(api, world, wait_limit_minutes=7)
    assert issue(api, world, "results")["wait_limit_minutes"] == 7
    put_results(api, world, active=False)
    r = api.post(
        "/api/v1/offices/central/tickets", json={"service": "results"}, headers=world.auth("kiosk")
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "service_not_offered"


def test_a_window_or_a_closed_day_edited_is_seen_by_the_next_issue(
    api: TestClient, world: World
) -> None:
    issue(api, world, "results")
    for number in (2, 3):  # the windows serving "results" now serve passports only
        r = api.put(
            f"/api/v1/offices/central/windows/{number}",
            json={"services": [{"service": "passport"}]},
            headers=world.auth("admin"),
        )
        assert r.status_code == 200, r.text
    r = api.post(
        "/api/v1/offices/central/tickets", json={"service": "results"}, headers=world.auth("kiosk")
    )
    assert r.json()["error"]["code"] == "service_not_offered", r.text
    today = world.clock.now().date().isoformat()
    r = api.put(
        f"/api/v1/offices/central/days/{today}",
        json={"is_open": False, "note": "Санитарный день"},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200, r.text
    r = api.post(
        "/api/v1/offices/central/tickets", json={"service": "passport"}, headers=world.auth("kiosk")
    )
    assert r.json()["error"]["code"] == "office_closed", r.text


def test_a_clerk_taking_a_window_does_not_reload_the_configuration(
    api: TestClient, world: World
) -> None:
    issue(api, world)
    cache = config_of(api)
    loads = cache.loads
    take(api, world, 1, "clerk1")
    issue(api, world)
    assert cache.loads == loads


def test_a_service_edited_is_seen_by_another_server_process(api: TestClient, world: World) -> None:
    with server_process(world) as base, httpx.Client(base_url=base, timeout=30) as other:

        def issue_there() -> Any:
            r = other.post(
                "/api/v1/offices/central/tickets",
                json={"service": "results"},
                headers=world.auth("kiosk"),
            )
            assert r.status_code == 201, r.text
            return r.json()

        assert issue_there()["wait_limit_minutes"] == 10  # its cache is loaded now
        put_results(api, world, wait_limit_minutes=8)  # edited through this process
        assert issue_there()["wait_limit_minutes"] == 8
        assert issue(api, world, "results")["wait_limit_minutes"] == 8


def test_a_configuration_edit_reads_the_issue_s_pre_read_once(
    api: TestClient, world: World
) -> None:
    issue(api, world, "results")
    put_results(api, world, wait_limit_minutes=6)  # a new stamp; same id, same prefix
    with recording(world) as recorded:
        assert issue(api, world, "results")["wait_limit_minutes"] == 6
    pre_reads = [
        s
        for t in recorded.transactions
        for s in t.statements
        if s.startswith("SELECT (SELECT config_version.stamp")
    ]
    assert len(pre_reads) == 1, recorded.describe()


@contextmanager
def second_app(world: World) -> Iterator[TestClient]:
    """Another app in this process, started on the same database (a second server)."""
    app = create_app(settings_for(world), clock=world.clock, database=world.db)
    with TestClient(app) as client:
        yield client


def test_requests_that_find_the_configuration_stale_together_load_it_once(world: World) -> None:
    """After a configuration change every request in flight finds the snapshot stale: one
    loads it, the others wait for it and take it (the same stamp is the same
    configuration), instead of each loading a copy of its own at the same moment."""
    cache = ConfigCache()
    inside, release = threading.Event(), threading.Event()
    done = {name: threading.Event() for name in ("first", "second")}
    got: dict[str, Any] = {}

    def hold_the_first_load(_c: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread().name == "first" and "FROM offices" in statement:
            inside.set()
            release.wait(timeout=30)

    def fresh() -> None:
        name = threading.current_thread().name
        with world.db.transaction(read_only=True) as session:
            stamp = cache.read_stamp(session)
            got[name] = cache.fresh(session, stamp=stamp, now=world.clock.now())
        done[name].set()

    event.listen(world.db.engine, "before_cursor_execute", hold_the_first_load)
    threads = [threading.Thread(target=fresh, name=name) for name in ("first", "second")]
    try:
        threads[0].start()
        assert inside.wait(timeout=30)  # the first is loading, held in its first read
        threads[1].start()
        # Loading a copy of its own, the second would be done while the first is held.
        assert not done["second"].wait(timeout=1)
    finally:
        release.set()
        for thread in threads:
            thread.join(timeout=30)
        event.remove(world.db.engine, "before_cursor_execute", hold_the_first_load)
    assert done["first"].is_set() and done["second"].is_set()
    assert cache.loads == 1
    assert got["second"] is got["first"]


def test_two_apps_in_one_process_keep_caches_of_their_own(api: TestClient, world: World) -> None:
    with second_app(world) as other:
        assert config_of(other) is not config_of(api)
        issue(api, world)
        assert config_of(api).current() is not None
        assert config_of(other).current() is None  # nothing loaded there by this app's issue
        issue(other, world)
        mine, theirs = config_of(api).current(), config_of(other).current()
        assert mine is not None and theirs is not None
        assert mine.services["passport"] is not theirs.services["passport"]


def test_a_service_edited_in_one_app_is_seen_by_the_next_issue_in_another(
    api: TestClient, world: World
) -> None:
    with second_app(world) as other:
        assert issue(other, world, "results")["wait_limit_minutes"] == 10  # its cache is warm
        put_results(api, world, wait_limit_minutes=9)  # edited through the first app
        assert issue(other, world, "results")["wait_limit_minutes"] == 9
        put_results(api, world, active=False)
        r = other.post(
            "/api/v1/offices/central/tickets",
            json={"service": "results"},
            headers=world.auth("kiosk"),
        )
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "service_not_offered"


def kiosk_id(api: TestClient, world: World) -> int:
    listed = api.get("/api/v1/offices/central/devices", headers=world.auth("manager")).json()
    return int(next(d["id"] for d in listed if d["name"] == "kiosk"))


def test_a_warm_issue_reads_no_device(api: TestClient, world: World) -> None:
    issue(api, world)  # the kiosk's device is remembered by this app
    with recording(world) as recorded:
        issue(api, world, idempotency_key="warm-device")
    statements = [s for t in recorded.transactions for s in t.statements]
    # Its token is checked inside the pre-read, not by a statement of its own.
    assert not any(s.startswith("SELECT devices.") for s in statements), recorded.describe()
    assert any("FROM devices" in s for s in statements), recorded.describe()


def test_a_kiosk_revoked_is_refused_by_every_process_that_remembered_it(
    api: TestClient, world: World
) -> None:
    with second_app(world) as other:
        issue(api, world)
        issue(other, world)  # both processes remember the kiosk now
        device = kiosk_id(api, world)
        r = api.delete(f"/api/v1/offices/central/devices/{device}", headers=world.auth("manager"))
        assert r.status_code == 204
        for client in (other, api):
            r = client.post(
                "/api/v1/offices/central/tickets",
                json={"service": "passport"},
                headers=world.auth("kiosk"),
            )
            assert_error(r, 401, "bad_token")
            # An unknown office is refused before the pre-read: still a 401, not a 404.
            r = client.post(
                "/api/v1/offices/nowhere/tickets",
                json={"service": "passport"},
                headers=world.auth("kiosk"),
            )
            assert_error(r, 401, "bad_token")
    with world.db.transaction(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 2  # nothing half-written


def test_a_remembered_kiosk_still_gets_the_404s_and_403s_it_got(
    api: TestClient, world: World
) -> None:
    issue(api, world)
    r = api.post(
        "/api/v1/offices/nowhere/tickets", json={"service": "passport"}, headers=world.auth("kiosk")
    )
    assert_error(r, 404, "office_not_found")
    r = api.post(
        "/api/v1/offices/central/tickets", json={"service": "nothing"}, headers=world.auth("kiosk")
    )
    assert_error(r, 404, "service_not_found")
    r = api.post(
        "/api/v1/offices/north/tickets", json={"service": "passport"}, headers=world.auth("kiosk")
    )
    assert r.status_code == 403, r.text
    issue(api, world)  # and it is still remembered and served


def test_call_next_reads_the_clerk_with_the_window_and_refuses_as_before(
    api: TestClient, world: World
) -> None:
    """The clerk's token is read by the window's lock, not a transaction of its own: every
    refusal is still the one the route gave, in the same order, and calls nobody."""
    take(api, world, 1, "clerk1")
    fill_queue(world, 3)
    url = "/api/v1/offices/central/windows/{}/call-next"
    bearer = {"Authorization": "Bearer not-a-token"}
    assert api.post(url.format(1)).status_code == 401
    assert_error(api.post(url.format(1), headers=bearer), 401, "bad_token")
    # A bad token at an unknown window: 401, not 404 (a stranger learns no windows).
    assert_error(api.post(url.format(99), headers=bearer), 401, "bad_token")
    assert_error(api.post(url.format(1), headers=world.auth("kiosk")), 403, "wrong_role")
    assert api.post(url.format(1), headers=world.auth("north_clerk")).status_code == 403
    assert_error(api.post(url.format(99), headers=world.auth("clerk1")), 404, "window_not_found")
    assert_error(api.post(url.format(1), headers=world.auth("clerk2")), 403, "not_your_window")
    with world.db.transaction() as session:
        session.execute(update(User).where(User.username == "clerk1").values(active=False))
    assert_error(api.post(url.format(1), headers=world.auth("clerk1")), 401, "account_disabled")
    with world.db.transaction() as session:
        session.execute(update(User).where(User.username == "clerk1").values(active=True))
    with world.db.transaction(read_only=True) as session:
        assert session.scalar(select(func.count()).where(Ticket.called_at.is_not(None))) == 0
    assert api.post(url.format(1), headers=world.auth("clerk1")).status_code == 200
    api.post(f"/api/v1/tickets/{called_id(world)}/no-show", headers=world.auth("clerk1"))
    token = login(api, "clerk1")
    world.clock.advance(timedelta(hours=12, seconds=1))  # a login's lifetime
    expired = {"Authorization": f"Bearer {token}"}
    assert_error(api.post(url.format(1), headers=expired), 401, "token_expired")
    with world.db.transaction(read_only=True) as session:
        assert session.scalar(select(func.count()).where(Ticket.called_at.is_not(None))) == 1


def called_id(world: World) -> int:
    with world.db.transaction(read_only=True) as session:
        return int(session.scalars(select(Ticket.id).where(Ticket.called_at.is_not(None))).one())


def test_the_call_s_step_is_stored_as_every_move_stores_its_own(
    api: TestClient, world: World
) -> None:
    """PostgreSQL stores the call's step from the update's own row; both databases keep the
    same step a move through `record_transition` would."""
    take(api, world, 1, "clerk1")
    fill_queue(world, 2)
    called = call(api, world, 1, "clerk1")
    with world.db.transaction(read_only=True) as session:
        step = session.scalars(
            select(TicketTransition).where(
                TicketTransition.ticket_id == called["id"], TicketTransition.action == "call"
            )
        ).one()
        window = session.scalar(
            select(Window).join(Office).where(Office.code == "central", Window.number == 1)
        )
        clerk = session.scalar(select(User).where(User.username == "clerk1"))
        ticket = session.get(Ticket, called["id"])
        assert window is not None and clerk is not None and ticket is not None
        assert (step.from_status, step.to_status, step.automatic, step.detail) == (
            "waiting",
            "called",
            False,
            {},
        )
        assert (step.service_id, step.window_id, step.clerk_id) == (
            ticket.service_id,
            window.id,
            clerk.id,
        )
        assert step.at == ticket.called_at == world.clock.now()


@contextmanager
def key_sizes(world: World) -> Iterator[list[tuple[int, str]]]:
    """The size of the key SQLAlchemy's compiled cache finds each statement by (its
    cache key, as `repr`), with the statement's text, for every statement executed."""
    sizes: list[tuple[int, str]] = []

    def statement(
        _conn: Any, _cursor: Any, sql: str, _params: Any, context: Any, _many: Any
    ) -> None:
        if context.invoked_statement is not None:  # not SQLite's BEGIN, sent as text
            key = context.invoked_statement._generate_cache_key()
            sizes.append((len(repr(key.key)), " ".join(sql.split())[:70]))

    event.listen(world.db.engine, "before_cursor_execute", statement)
    try:
        yield sizes
    finally:
        event.remove(world.db.engine, "before_cursor_execute", statement)


def test_issue_and_call_next_find_their_statements_by_short_keys(
    api: TestClient, world: World
) -> None:
    """SQLAlchemy finds a compiled statement by its structure, a key hashed again on every
    execution: 20–160 KiB of nested tuples for the write path's larger statements, 15–90 µs
    each, ~0.23 ms of an issue. Those built once are found by a short key
    (`db.prebuilt`): a warm issue and call-next look up none longer than 5,000
    characters."""
    take(api, world, 1, "clerk1")
    fill_queue(world, 5)
    headers = world.auth("clerk1")
    for _ in range(2):  # the second on warm caches
        with key_sizes(world) as sizes:
            issue(api, world)
            r = api.post("/api/v1/offices/central/windows/1/call-next", headers=headers)
        assert r.status_code == 200, r.text
        done = api.post(f"/api/v1/tickets/{r.json()['id']}/no-show", headers=headers)
        assert done.status_code == 200, done.text
    assert len(sizes) >= 4, sizes
    longest = sorted(sizes)[-3:]
    assert longest[-1][0] < 5_000, longest
