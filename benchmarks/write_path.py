#!/usr/bin/env python
"""The write path (issue 18, items 1–2): issue and call-next next to their floors, in one run.

Floors, each measured in the same run with the same 16 clients:

- **pgbench**: a custom script doing the minimal issue transaction (counter bump, ticket
  insert, event insert) and one doing the minimal call (pick the next waiting ticket with
  `FOR UPDATE SKIP LOCKED` and mark it called, event insert), on a scratch schema
  (PostgreSQL only);
- **bare insert**: the project's `/_bench/baseline` endpoint (one insert through the same
  stack: FastAPI, dependencies, session, commit);
- **bare route**: a FastAPI app with one sync route and no database, under the same uvicorn.

Then, on SQLite and PostgreSQL: issue and call-next throughput and p50/p99 (every worker
calls to windows of its own, one call per window, so no untimed move is needed); one busy
office against the same load spread over 16 offices; issue with 10, 100 and 1,000 tickets
waiting. The ratios the issue asks for are printed beside each figure, with the machine's
load before and after.

With `wrk` installed (Debian's package) the bare insert and issue are also driven by it for
`--seconds` with the same 16 connections: a C client, as pgbench is, so that the p99
compared with pgbench's is the server's and not the Python client's (which shares the two
cores and times its own scheduling into every request).

Run: `python benchmarks/write_path.py` (PostgreSQL when MFCQ_TEST_POSTGRES_URL is set).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

# First: it puts the code measured (this checkout or MFCQ_BENCH_CODE) on the path.
from _common import (
    ALL_DAY,
    Request,
    Stats,
    load,
    post,
    postgres_url,
    run,
    scratch_schema,
    server_env,
    uvicorn,
)
from _wrk import WrkResult, available, lua_list, lua_string, run_wrk

from queue_server.auth.models import User
from queue_server.auth.service import add_device, create_token, hash_password
from queue_server.clock import SystemClock
from queue_server.config_io import ConfigFile, import_config
from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.offices.models import Office
from queue_server.offices.schemas import OfficeDayIn
from queue_server.offices.service import put_office_day
from queue_server.windows.models import Window

SPREAD = 16  # offices of the spread load
# wrk's call-next offices (wrkcalls1…), WRK_CALL_OFFICES for each run (`--pairs` runs):
# each connection calls at windows of its own of one of them, one call a window, for
# WRK_CALL_SECONDS, so up to 800 calls a second in all (a window's number is at most 999);
# each office has as many tickets waiting as windows.
WRK_CALL_OFFICES, WRK_CALL_WINDOWS, WRK_CALL_SECONDS = 4, 800, 4


# --- seeding ------------------------------------------------------------------------


@dataclass
class Seeded:
    kiosk: str  # the main office's kiosk
    clerks: list[tuple[int, str]]  # (window number, token) at the main office
    busy_kiosk: str
    spread_kiosks: list[str]
    wrk_kiosks: list[str]  # an office of its own for each run from wrk (`--pairs`)
    wrk_warm_kiosk: str  # an office of its own for wrk's warm-up, not timed
    wrk_clerks: list[list[str]]  # the tokens at wrk's call-next offices, window 1 first


def seed(
    url: str,
    windows: int,
    waiting: int = 0,
    pairs: int = 1,
    wrk_offices: int = 0,
    wrk_windows: int = 0,
    wrk_waiting: int = 0,
) -> Seeded:
    """The main office (two services, 16 windows), the call-next office (`windows`
    staffed windows, `waiting` tickets issued in process beforehand), a busy office and 16
    small ones for the spread load, `pairs` offices for wrk's runs, and wrk's call-next
    offices (`wrk_offices` of `wrk_windows` staffed windows and `wrk_waiting` tickets
    waiting each); all open around
    the clock."""
    upgrade(url)
    db = Database.from_url(url)
    services = {
        "s": {"name_ru": "Приём", "prefix": "А", "kind": "intake"},
        "t": {"name_ru": "Выдача", "prefix": "Б", "kind": "issuance"},
        "u": {"name_ru": "Консультация", "prefix": "В", "kind": "consultation"},
        "v": {"name_ru": "Справка", "prefix": "Г", "kind": "issuance"},
    }
    both = [{"service": "s"}, {"service": "t"}]
    # wrk's office: four services (four prefixes of 999 numbers a day), so that a fast
    # server does not run out of numbers within wrk's run.
    four = [*both, {"service": "u"}, {"service": "v"}]
    offices: dict[str, dict[str, object]] = {
        "bench": {
            "name": "Bench",
            "opening_hours": ALL_DAY,
            "windows": {str(n): {"services": both} for n in range(1, 17)},
        },
        "calls": {
            "name": "Calls",
            "opening_hours": ALL_DAY,
            "windows": {str(n): {"services": both} for n in range(1, windows + 1)},
        },
        "busy": {"name": "Busy", "opening_hours": ALL_DAY, "windows": {"1": {"services": both}}},
        **{
            _wrk_office(i): {
                "name": f"Wrk {i}",
                "opening_hours": ALL_DAY,
                "windows": {"1": {"services": four}},
            }
            for i in range(1, pairs + 2)  # the last for the warm-up
        },
    }
    for k in range(1, wrk_offices + 1):
        offices[wrk_calls(k)] = {
            "name": f"Wrk calls {k}",
            "opening_hours": ALL_DAY,
            # Four services: 3,200 tickets waiting need more than one prefix's 999.
            "windows": {str(n): {"services": four} for n in range(1, wrk_windows + 1)},
        }
    for i in range(1, SPREAD + 1):
        offices[f"o{i:02d}"] = {
            "name": f"Office {i}",
            "opening_hours": ALL_DAY,
            "windows": {"1": {"services": both}},
        }
    clock = SystemClock()
    password_hash = hash_password("bench-password")
    with db.transaction() as session:
        import_config(
            session=session,
            data=ConfigFile.model_validate({"services": services, "offices": offices}),
        )
        by_code = {o.code: o for o in session.scalars(select(Office))}
        today = clock.now().date()
        tokens: dict[str, str] = {}
        for code, office in by_code.items():
            for offset in (-1, 0, 1):  # holidays must not close the benchmark's offices
                put_office_day(
                    session=session,
                    office=office,
                    day=today + timedelta(days=offset),
                    data=OfficeDayIn(is_open=True),
                )
            _, tokens[code] = add_device(
                session=session, clock=clock, office=office, kind="kiosk", name=f"k-{code}"
            )
        from queue_server.auth.service import Principal
        from queue_server.tickets.issuing import issue_ticket

        manager = User(username="manager", password_hash=password_hash, role="manager")
        session.add(manager)
        session.flush()
        staff = Principal("user", manager.id, "manager", None, "manager")

        def staff_and_queue(code: str, waiting: int, codes: str) -> list[tuple[int, str]]:
            """A clerk and a token at each window of the office, `waiting` tickets."""
            office, clerks = by_code[code], []
            for window in session.scalars(select(Window).where(Window.office_id == office.id)):
                user = User(
                    username=f"{code}-clerk{window.number}",
                    password_hash=password_hash,
                    role="clerk",
                    office_id=office.id,
                )
                session.add(user)
                session.flush()
                window.clerk_id = user.id
                token = create_token(
                    session=session, clock=clock, user=user, ttl=timedelta(hours=4)
                )
                clerks.append((window.number, token))
            for i in range(waiting):
                issue_ticket(
                    session=session,
                    clock=clock,
                    office=office,
                    principal=staff,
                    service_code=codes[i % len(codes)],
                )
            return sorted(clerks)

        clerks = staff_and_queue("calls", waiting, "st")
        wrk_clerks = [
            [token for _, token in staff_and_queue(wrk_calls(k), wrk_waiting, "stuv")]
            for k in range(1, wrk_offices + 1)
        ]
    db.dispose()
    return Seeded(
        kiosk=tokens["bench"],
        clerks=clerks,
        busy_kiosk=tokens["busy"],
        spread_kiosks=[tokens[f"o{i:02d}"] for i in range(1, SPREAD + 1)],
        wrk_kiosks=[tokens[_wrk_office(i)] for i in range(1, pairs + 1)],
        wrk_warm_kiosk=tokens[_wrk_office(pairs + 1)],
        wrk_clerks=wrk_clerks,
    )


def wrk_calls(k: int) -> str:
    """The code of wrk's `k`-th call-next office."""
    return f"wrkcalls{k}"


def _wrk_office(i: int) -> str:
    return "wrk" if i == 1 else f"wrk{i}"


# --- servers ------------------------------------------------------------------------

BARE_APP = """
from fastapi import FastAPI

app = FastAPI()


@app.post("/bare", status_code=201)
def bare() -> dict[str, int]:
    return {"ok": 1}
"""


# --- load ---------------------------------------------------------------------------


def issue_at(office: str, token: str, services: str = "st") -> Request:
    headers = {"Authorization": f"Bearer {token}"}

    async def request(client: httpx.AsyncClient, w: int, i: int) -> httpx.Response:
        body = {"service": services[(w + i) % len(services)], "idempotency_key": uuid.uuid4().hex}
        return await client.post(f"/api/v1/offices/{office}/tickets", headers=headers, json=body)

    return request


def issue_spread(tokens: list[str]) -> Request:
    async def request(client: httpx.AsyncClient, w: int, i: int) -> httpx.Response:
        office = w % SPREAD
        body = {"service": "st"[i % 2], "idempotency_key": uuid.uuid4().hex}
        return await client.post(
            f"/api/v1/offices/o{office + 1:02d}/tickets",
            headers={"Authorization": f"Bearer {tokens[office]}"},
            json=body,
        )

    return request


def call_next(clerks: list[tuple[int, str]], concurrency: int) -> Request:
    """Worker w calls to its own windows, one call each (a called window is busy)."""

    async def request(client: httpx.AsyncClient, w: int, i: int) -> httpx.Response:
        number, token = clerks[w + i * concurrency]  # (n % concurrency is 0 here)
        return await client.post(
            f"/api/v1/offices/calls/windows/{number}/call-next",
            headers={"Authorization": f"Bearer {token}"},
        )

    return request


WRK_POST = """
local path, token, body = %(path)s, %(token)s, %(body)s
local n = 0
request = function()
  n = n + 1
  local headers = {["Content-Type"] = "application/json"}
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  local key = string.format("k%%d-%%d-%%d", id, n, %(salt)d)
  local service = ({"s", "t", "u", "v"})[(n + id) %% 4 + 1]
  return wrk.format("POST", path, headers, (body:gsub("KEY", key):gsub("SERVICE", service)))
end
response = function(status, headers, body)
  count(status)
end
"""


WRK_CALL = """
local offices, connections = %(offices)s, %(connections)d
local n = 0
request = function()
  -- Thread `id` calls at office id %% #offices + 1, at windows of its own there (one call a
  -- window: a called window is busy); past the last window the answers are 409s, and fail
  -- the run.
  local k, per = id %% #offices + 1, connections / #offices
  local tokens = offices[k]
  local w = math.min(math.floor(id / #offices) + 1 + n * per, #tokens)
  n = n + 1
  local headers = {["Authorization"] = "Bearer " .. tokens[w]}
  return wrk.format("POST", "/api/v1/offices/wrkcalls" .. (k + %(offset)d) .. "/windows/" .. w
                    .. "/call-next", headers)
end
response = function(status, headers, body)
  count(status)
end
"""


def wrk_call_next(
    base: str, offices: list[list[str]], seconds: float, connections: int, first: int = 1
) -> WrkResult:
    """`wrk` calling the next ticket at wrk's call-next offices `first`, `first` + 1, ...
    (`offices`: their tokens), each connection at windows of its own, one call a window;
    every answer must be a 200 (a ticket called)."""
    assert connections % len(offices) == 0, "as many connections at each office"
    tokens = "{" + ", ".join(lua_list(t) for t in offices) + "}"
    script = WRK_CALL % {"offices": tokens, "connections": connections, "offset": first - 1}
    result = run_wrk(base, script, connections=connections, seconds=seconds)
    assert set(result.statuses) == {200} and not result.socket_errors, (
        f"call-next from wrk ran out of windows or failed ({len(offices)} offices of"
        f" {WRK_CALL_WINDOWS} windows): {result}"
    )
    return result


def wrk_post(
    base: str, path: str, token: str, body: str, seconds: float, connections: int
) -> WrkResult:
    """`wrk` posting `body` (its KEY a fresh idempotency key each time, its SERVICE the four
    services in turn) to `path`; every answer must be a 201."""
    script = WRK_POST % {
        "path": lua_string(path),
        "token": lua_string(token),
        "body": lua_string(body),
        "salt": uuid.uuid4().int % 1_000_000,
    }
    result = run_wrk(base, script, connections=connections, seconds=seconds)
    assert set(result.statuses) == {201} and not result.socket_errors, result
    return result


def wrk_line(name: str, result: WrkResult, note: str = "", status: int = 201) -> str:
    return (
        f"  {name:<30} {result.statuses.get(status, 0):6d} in {result.seconds:5.1f} s"
        f"  {result.rate(status):7.1f} req/s  p50 {result.p50_ms:7.1f} ms"
        f"  p99 {result.p99_ms:7.1f} ms  {note}"
    )


# --- pgbench ------------------------------------------------------------------------

PG_SCHEMA = """
CREATE TABLE counters (office_id int, prefix text, day date, last_seq int,
                       PRIMARY KEY (office_id, prefix, day));
CREATE TABLE tickets (id bigserial PRIMARY KEY, office_id int, number text, status text,
                      window_id int, issued_at timestamptz, called_at timestamptz);
CREATE INDEX ON tickets (office_id, status, id);
CREATE TABLE events (id bigserial PRIMARY KEY, office_id int, type text, payload jsonb,
                     created_at timestamptz);
"""
ISSUE_SQL = """\\set office 1
BEGIN;
INSERT INTO counters VALUES (:office, 'A', current_date, 1)
  ON CONFLICT (office_id, prefix, day) DO UPDATE SET last_seq = counters.last_seq + 1
  RETURNING last_seq;
INSERT INTO tickets (office_id, number, status, issued_at)
  VALUES (:office, 'A001', 'waiting', now()) RETURNING id;
INSERT INTO events (office_id, type, payload, created_at)
  VALUES (:office, 'ticket.issued', '{"number": "A001"}', now());
COMMIT;
"""
CALL_SQL = """\\set office 2
\\set window random(1, 16)
BEGIN;
UPDATE tickets SET status = 'called', window_id = :window, called_at = now()
  WHERE id = (SELECT id FROM tickets WHERE office_id = :office AND status = 'waiting'
              ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING id;
INSERT INTO events (office_id, type, payload, created_at)
  VALUES (:office, 'ticket.called', '{"window": 1}', now());
COMMIT;
"""


def pgbench_binary() -> str | None:
    try:
        bindir = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=True
        ).stdout.strip()
        if (Path(bindir) / "pgbench").exists():
            return str(Path(bindir) / "pgbench")
    except (OSError, subprocess.CalledProcessError):
        pass
    return shutil.which("pgbench")


def pgbench(pg: str, seconds: int, concurrency: int) -> list[Stats]:
    """The floors: the minimal issue and call transactions, per-transaction latencies."""
    binary = pgbench_binary()
    if binary is None:
        print("  pgbench: not found (skipped)")
        return []
    url = make_url(pg)
    schema = f"mfcq_floor_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        conn.execute(text(f'SET LOCAL search_path = "{schema}"'))
        for statement in PG_SCHEMA.split(";"):
            if statement.strip():
                conn.execute(text(statement))
        conn.execute(
            text(
                "INSERT INTO tickets (office_id, number, status, issued_at) "
                "SELECT 2, 'A001', 'waiting', now() FROM generate_series(1, 200000)"
            )
        )
        conn.execute(text("ANALYZE tickets"))
    out = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for name, script in (("pgbench issue", ISSUE_SQL), ("pgbench call", CALL_SQL)):
                path = Path(tmp) / f"{name.split()[1]}.sql"
                path.write_text(script)
                prefix = str(Path(tmp) / name.split()[1])
                env = {
                    **os.environ,
                    "PGOPTIONS": f"-c search_path={schema}",
                    "PGHOST": url.host or "127.0.0.1",
                    "PGPORT": str(url.port or 5432),
                    "PGUSER": url.username or "postgres",
                    "PGDATABASE": url.database or "postgres",
                }
                if url.password:
                    env["PGPASSWORD"] = url.password
                args = [binary, "-n", "-c", str(concurrency), "-j", "2", "-T", str(seconds)]
                args += ["-f", str(path), "-l", "--log-prefix", prefix]
                start = time.perf_counter()
                subprocess.run(args, env=env, check=True, capture_output=True, text=True)
                wall = time.perf_counter() - start
                latencies = []
                for log in Path(tmp).glob(f"{name.split()[1]}.*"):
                    if log.suffix == ".sql":
                        continue
                    for line in log.read_text().splitlines():
                        latencies.append(int(line.split()[2]) / 1e6)
                    log.unlink()
                # pgbench's own run time is `seconds`; its connections took the rest.
                out.append(Stats(name, latencies, float(seconds) if latencies else wall))
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    return out


def pre_ping_cost(pg: str, checkouts: int = 2000) -> str:
    """What the pool's pre-ping adds to each checkout (a request checks out 2–3 times)."""
    spent = {}
    for ping in (False, True):
        engine = create_engine(pg, pool_pre_ping=ping, pool_size=1)
        with engine.connect():
            pass
        start = time.perf_counter()
        for _ in range(checkouts):
            with engine.connect():
                pass
        spent[ping] = (time.perf_counter() - start) / checkouts * 1e6
        engine.dispose()
    return (
        f"pool checkout: {spent[False]:.0f} µs, with pre-ping {spent[True]:.0f} µs "
        f"(+{spent[True] - spent[False]:.0f} µs per checkout)"
    )


# --- the run ------------------------------------------------------------------------


def depth_run(url: str, depths: list[int], n: int, concurrency: int) -> list[Stats]:
    """Issue at `concurrency` clients with `depth` tickets already waiting (two services)."""
    out = []
    for depth in depths:
        fresh = seed(url, 1)
        with uvicorn(server_env(url)) as base:
            fill = issue_at("bench", fresh.kiosk)
            asyncio.run(run(base, "fill", depth, min(concurrency, depth), fill, 201))
            analyze(url)
            name = f"issue, {depth} waiting"
            out.append(asyncio.run(run(base, name, n, concurrency, fill, 201)))
        reset(url)
    return out


def analyze(url: str) -> None:
    """PostgreSQL: statistics for the tables just filled, as autovacuum would have them a
    minute later. Without them the planner takes the tickets table for nearly empty and
    reads the office's tickets once per window for the estimate's window list (1.0 → 6.8 ms
    at 1,000 waiting; 1.6 ms with statistics): a figure of the benchmark's fresh schema, not
    of a running office."""
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()


def reset(url: str) -> None:
    """Empty the database for the next seed (every table; the schema on PostgreSQL)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            tables = conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
            for (table,) in list(tables):
                conn.execute(text(f'DROP TABLE "{table}"'))
        else:
            schema = conn.execute(text("SELECT current_schema()")).scalar_one()
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


def http_run(
    label: str,
    url: str,
    n: int,
    concurrency: int,
    depths: list[int],
    wrk_seconds: float = 0,
    wrk_found: dict[str, list[WrkResult]] | None = None,
    pairs: int = 1,
) -> dict[str, Stats]:
    """Every HTTP scenario of one database, on one server process at a time; with
    `wrk_seconds`, the bare insert and issue from `wrk` too (into `wrk_found`), `pairs`
    times one after the other (each issue run on an office of its own)."""
    print(f"{label} (load {load()}):", flush=True)
    windows = concurrency * max(1, -(-n // concurrency))
    seeded = seed(
        url,
        windows,
        waiting=windows,
        pairs=pairs if wrk_found is not None else 1,
        wrk_offices=WRK_CALL_OFFICES * pairs if wrk_seconds and wrk_found is not None else 0,
        wrk_windows=WRK_CALL_WINDOWS,
        wrk_waiting=WRK_CALL_WINDOWS,
    )
    # The seed's tens of thousands of rows, analysed now rather than by autovacuum in the
    # middle of the first run.
    analyze(url)
    found: dict[str, Stats] = {}
    with uvicorn(server_env(url)) as base:
        if wrk_seconds and wrk_found is not None:
            # A new server's first requests compile the statements, and each of its pool's
            # connections runs them five times before psycopg prepares them (planned each
            # time meanwhile): a start-up cost, once a process, that would otherwise fall
            # on the first timed run alone (its p99 1.3-1.6x the next runs', session 17).
            # Warmed by the same load for two seconds at an office of its own, not timed.
            warm = wrk_post(
                base,
                f"/api/v1/offices/{_wrk_office(len(seeded.wrk_kiosks) + 1)}/tickets",
                seeded.wrk_warm_kiosk,
                '{"service": "SERVICE", "idempotency_key": "KEY"}',
                2,
                concurrency,
            )
            print(wrk_line("issue (wrk), warm-up", warm, "not counted"), flush=True)
            for i, kiosk in enumerate(seeded.wrk_kiosks, 1):
                bare_wrk = wrk_post(
                    base, "/api/v1/_bench/baseline", "", "{}", wrk_seconds, concurrency
                )
                issue_wrk = wrk_post(
                    base,
                    f"/api/v1/offices/{_wrk_office(i)}/tickets",
                    kiosk,
                    '{"service": "SERVICE", "idempotency_key": "KEY"}',
                    # An office numbers 999 tickets a day per service before it must wrap
                    # onto numbers no waiting ticket holds; nobody is called here, so the
                    # run stays well under the four services' 3,996 (a 409 fails the run).
                    min(wrk_seconds, 6),
                    concurrency,
                )
                wrk_found.setdefault("bare insert", []).append(bare_wrk)
                wrk_found.setdefault("issue", []).append(issue_wrk)
                print(wrk_line("bare insert (wrk)", bare_wrk), flush=True)
                share = issue_wrk.rate(201) / bare_wrk.rate(201)
                print(
                    wrk_line("issue (wrk)", issue_wrk, f"{share:5.0%} of bare insert"), flush=True
                )
            if len(seeded.wrk_kiosks) > 1:
                shares = [
                    i.rate(201) / b.rate(201)
                    for b, i in zip(wrk_found["bare insert"], wrk_found["issue"], strict=True)
                ]
                print(
                    f"  issue (wrk), {len(shares)} pairs: median {statistics.median(shares):.0%}"
                    f" of the bare insert just before it ({min(shares):.0%}–{max(shares):.0%})",
                    flush=True,
                )
            # Call-next `pairs` times too, each run at offices of its own (fresh windows).
            last_bare = wrk_found["bare insert"][-1].rate(201)
            for r in range(pairs):
                offices = seeded.wrk_clerks[r * WRK_CALL_OFFICES : (r + 1) * WRK_CALL_OFFICES]
                call_wrk = wrk_call_next(
                    base, offices, WRK_CALL_SECONDS, concurrency, first=r * WRK_CALL_OFFICES + 1
                )
                wrk_found.setdefault("call-next", []).append(call_wrk)
                share = call_wrk.rate(200) / last_bare
                print(
                    wrk_line(
                        "call-next (wrk)", call_wrk, f"{share:5.0%} of the last bare insert", 200
                    ),
                    flush=True,
                )
        found["bare insert"] = asyncio.run(
            run(base, "bare insert", n, concurrency, post("/api/v1/_bench/baseline"), 201)
        )
        found["issue"] = asyncio.run(
            run(base, "issue", n, concurrency, issue_at("bench", seeded.kiosk), 201)
        )
        found["call-next"] = asyncio.run(
            run(base, "call-next", n, concurrency, call_next(seeded.clerks, concurrency), 200)
        )
        found["one busy office"] = asyncio.run(
            run(
                base,
                "issue, one busy office",
                n,
                concurrency,
                issue_at("busy", seeded.busy_kiosk),
                201,
            )
        )
        found["16 offices"] = asyncio.run(
            run(base, "issue, 16 offices", n, concurrency, issue_spread(seeded.spread_kiosks), 201)
        )
    reset(url)
    for stats in depth_run(url, depths, n // 2, concurrency):
        found[stats.name] = stats
    floor = found["bare insert"]
    for key, stats in found.items():
        note = ""
        if key in ("issue", "call-next"):
            note = f"{stats.rate / floor.rate:5.0%} of bare insert"
        elif key == "16 offices":
            note = f"busy / spread = {found['one busy office'].rate / stats.rate:4.2f}"
        print(stats.line(note), flush=True)
    print(f"  (load {load()})", flush=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=640, help="requests per scenario (≤ 900)")
    parser.add_argument("-c", "--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=10, help="each pgbench run")
    parser.add_argument("--depths", default="10,100,1000")
    parser.add_argument(
        "--pairs",
        type=int,
        default=1,
        help="wrk's bare insert and issue this many times, one pair after the other, then"
        " call-next as many times (medians)",
    )
    args = parser.parse_args()
    args.n -= args.n % args.concurrency  # call-next: every worker calls to windows of its own
    depths = [int(d) for d in args.depths.split(",") if d]
    print(f"load average before: {load()} on {os.cpu_count()} CPUs", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bare_app.py").write_text(BARE_APP)
        with uvicorn({}, app="bare_app:app", app_dir=Path(tmp), ready="/docs") as bare:
            route = post("/bare")
            stats = asyncio.run(
                run(bare, "bare FastAPI route", args.n, args.concurrency, route, 201)
            )
        print(stats.line(), flush=True)
    wrk_seconds = args.seconds if available() else 0
    if not wrk_seconds:
        print("(wrk not installed: every figure from the Python client only)")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        http_run("SQLite", url, args.n, args.concurrency, depths, wrk_seconds, {}, args.pairs)
    pg = postgres_url()
    if not pg:
        print("PostgreSQL: skipped (set MFCQ_TEST_POSTGRES_URL to measure it)")
        return
    print(f"pgbench floors (load {load()}):", flush=True)
    floors = {s.name: s for s in pgbench(pg, args.seconds, args.concurrency)}
    for s in floors.values():
        print(s.line(), flush=True)
    print(f"  {pre_ping_cost(pg)}", flush=True)
    wrk_found: dict[str, list[WrkResult]] = {}
    with scratch_schema(pg) as url:
        found = http_run(
            "PostgreSQL", url, args.n, args.concurrency, depths, wrk_seconds, wrk_found, args.pairs
        )
    if floors:
        issue, call = found["issue"], found["call-next"]
        fi, fc = floors["pgbench issue"], floors["pgbench call"]
        print(
            f"  issue: {issue.rate / fi.rate:5.1%} of the pgbench floor's rate, "
            f"p99 {issue.pct(0.99) / fi.pct(0.99):4.1f}× its p99; call-next: "
            f"{call.rate / fc.rate:5.1%} of its floor's rate, p99 "
            f"{call.pct(0.99) / fc.pct(0.99):4.1f}× its p99",
            flush=True,
        )
        for name, ok, floor in (("issue", 201, fi), ("call-next", 200, fc)):
            for by_wrk in wrk_found.get(name, []):
                print(
                    f"  {name} from wrk: {by_wrk.rate(ok) / floor.rate:5.1%} of the pgbench"
                    f" floor's rate, p99 {by_wrk.p99_ms / floor.pct(0.99):4.1f}× its p99"
                    f" ({by_wrk.p99_ms:.1f} ms against {floor.pct(0.99):.1f} ms)",
                    flush=True,
                )
        for name, floor in (("issue", fi), ("call-next", fc)):
            if len(wrk_found.get(name, [])) > 1:
                ratios = [r.p99_ms / floor.pct(0.99) for r in wrk_found[name]]
                print(
                    f"  {name} from wrk, {len(ratios)} runs: p99 median"
                    f" {statistics.median(ratios):.1f}× pgbench's"
                    f" ({min(ratios):.1f}–{max(ratios):.1f}×)",
                    flush=True,
                )
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
