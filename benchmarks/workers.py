#!/usr/bin/env python
"""Do server processes add up? Issue and call-next throughput of `mfc-queue serve --workers N`
for N = 1, 2, 4 on PostgreSQL, 16 offices, and each N's ratio to one process.

Each N gets a fresh schema with the same 16 offices (4 windows and a kiosk each), a real
`mfc-queue serve --workers N` under one connection budget (`MFCQ_DB_CONNECTIONS`, default
80), and the same load: `--clients` concurrent clients issuing tickets at the 16 offices in
turn for `--seconds`, then one client per window calling the next ticket (and letting it go
as a no-show) for `--seconds`; under wrk, after the issue phase's load for 2 seconds, not
timed (`warm_up`). Prints requests/s, p50/p99, the ratio to N = 1 and the machine's load
average. Run:

    MFCQ_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        python benchmarks/workers.py [--workers 1,2,4] [--seconds 10] [--clients 32]

The load comes from `wrk` (Debian's package; `--client wrk`, the default when installed), a C
client whose CPU is a small fraction of the server's, or from httpx in this process
(`--client python`, which takes about a third of a core at these rates: on two cores that
is CPU a second worker would otherwise use). Under `wrk` a call-next client's latencies
include its no-shows (wrk times every request); the rates count the call-nexts alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _wrk import WrkResult, available, lua_list, run_wrk  # noqa: E402

from queue_server.auth.models import User  # noqa: E402
from queue_server.auth.service import add_device, create_token  # noqa: E402
from queue_server.clock import SystemClock  # noqa: E402
from queue_server.config_io import ConfigFile, import_config  # noqa: E402
from queue_server.db import Database  # noqa: E402
from queue_server.migrate import upgrade  # noqa: E402
from queue_server.offices.models import Office  # noqa: E402
from queue_server.offices.schemas import OfficeDayIn  # noqa: E402
from queue_server.offices.service import put_office_day  # noqa: E402

ALL_DAY = {d: ["00:00", "23:59"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
OFFICES = 16
WINDOWS = 4
WARM_SECONDS = 2.0


@dataclass
class Phase:
    """Latencies of the successful requests of one phase, and its wall time; or, from
    `wrk`, its count of successful requests and its percentiles."""

    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    refused: int = 0
    wrk: WrkResult | None = None
    ok_status: int = 0  # under wrk: the status of a successful request

    @property
    def ok(self) -> int:
        return self.wrk.statuses.get(self.ok_status, 0) if self.wrk else len(self.latencies)

    @property
    def rate(self) -> float:
        """Successful requests per second."""
        return self.ok / self.wall if self.wall else 0.0

    def line(self, name: str, base: Phase | None) -> str:
        """One printed row."""
        if self.wrk:
            p50, p99 = self.wrk.p50_ms, self.wrk.p99_ms
        else:
            lat = sorted(self.latencies) or [0.0]
            p50 = statistics.median(lat) * 1000
            p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        ratio = f"  {self.rate / base.rate:4.2f}× one process" if base and base.rate else ""
        return (
            f"    {name:<10} {self.ok:6d} ok {self.refused:4d} refused"
            f"  {self.rate:7.1f} req/s  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms{ratio}"
        )


def seed(url: str) -> tuple[list[str], list[tuple[str, int, str]]]:
    """16 all-day offices with one service, 4 windows and a clerk each, and a kiosk.

    Returns the kiosk tokens (one per office) and (office, window, clerk token) per window.
    """
    upgrade(url)
    db = Database.from_url(url)
    config = {
        "services": {"s": {"name_ru": "Услуга", "prefix": "А", "kind": "intake"}},
        "offices": {
            f"o{n:02d}": {
                "name": f"Офис {n}",
                "opening_hours": ALL_DAY,
                "calendar_country": "RU",
                "windows": {
                    str(w): {"services": [{"service": "s"}]} for w in range(1, 1 + WINDOWS)
                },
            }
            for n in range(1, OFFICES + 1)
        },
    }
    clock = SystemClock()
    kiosks: list[str] = []
    windows: list[tuple[str, int, str]] = []
    with db.transaction() as session:
        import_config(session=session, data=ConfigFile.model_validate(config))
        today = clock.now().date()
        for office in session.scalars(select(Office).order_by(Office.code)).all():
            for offset in (-1, 0, 1):  # holidays must not close a benchmark office
                put_office_day(
                    session=session,
                    office=office,
                    day=today + timedelta(days=offset),
                    data=OfficeDayIn(is_open=True),
                )
            _, kiosk = add_device(
                session=session, clock=clock, office=office, kind="kiosk", name="k"
            )
            kiosks.append(kiosk)
            for w in range(1, WINDOWS + 1):
                user = User(
                    username=f"{office.code}-c{w}",
                    password_hash="-",
                    role="clerk",
                    office_id=office.id,
                )
                session.add(user)
                session.flush()
                token = create_token(
                    session=session, clock=clock, user=user, ttl=timedelta(hours=4)
                )
                windows.append((office.code, w, token))
    db.dispose()
    return kiosks, windows


def start_server(url: str, workers: int, budget: int, port: int) -> subprocess.Popen[bytes]:
    """`mfc-queue serve --workers N` on the schema; returns once /healthz answers."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MFCQ_DATABASE_URL": url,
        "MFCQ_DB_CONNECTIONS": str(budget),
        "MFCQ_KIOSK_TICKETS_PER_MINUTE": "0",  # one kiosk issues hundreds a minute here
        "MFCQ_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    args = [sys.executable, "-m", "queue_server.cli", "serve", "--no-migrate"]
    args += ["--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


async def prepare(base: str, windows: list[tuple[str, int, str]]) -> None:
    """Warm every process and connection up (not timed): a few rounds of every office;
    each clerk takes their window."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        for _ in range(2):
            await asyncio.gather(
                *(http.get(f"/api/v1/offices/o{n:02d}") for n in range(1, OFFICES + 1))
            )
        for code, w, token in windows:
            r = await http.post(
                f"/api/v1/offices/{code}/windows/{w}/take",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert r.status_code == 200, r.text


ISSUE_LUA = """
local kiosks = %(kiosks)s
local n = 0
request = function()
  n = n + 1
  local office = (n * %(threads)d + id) %% #kiosks
  return wrk.format("POST", string.format("/api/v1/offices/o%%02d/tickets", office + 1),
    {["Authorization"] = "Bearer " .. kiosks[office + 1],
     ["Content-Type"] = "application/json"}, '{"service": "s"}')
end
response = function(status, headers, body)
  count(status)
end
"""

# One window a thread: call the next ticket, let it go as a no-show, again; once the
# office's queue is empty (204) the thread only asks /healthz. No-shows are counted as
# 1000 + status so that the call-nexts' 200s stand apart.
CALL_LUA = """
local windows = %(windows)s
local state, ticket = "call", nil
request = function()
  local w = windows[id + 1]
  local headers = {["Authorization"] = "Bearer " .. w[3]}
  if state == "no-show" then
    return wrk.format("POST", "/api/v1/tickets/" .. ticket .. "/no-show", headers)
  elseif state == "empty" then
    return wrk.format("GET", "/healthz")
  end
  return wrk.format("POST", "/api/v1/offices/" .. w[1] .. "/windows/" .. w[2] .. "/call-next",
    headers)
end
response = function(status, headers, body)
  if state == "call" then
    count(status)
    if status == 200 then
      ticket = string.match(body, '^{"id":%%s*(%%d+)')
      state = "no-show"
    elseif status == 204 then
      state = "empty"
    end
  elseif state == "no-show" then
    count(1000 + status)
    state = "call"
  end
end
"""


def warm_up(base: str, kiosks: list[str], clients: int) -> None:
    """The issue phase's load for WARM_SECONDS, not timed. Each new process compiles the
    statements on its first requests, and each pooled connection runs them five times
    before psycopg prepares them: a start-up cost that fell on the timed issue phase alone,
    twice over with two processes (session 17). (Not the call phase: stopped mid-call, a
    window would be left with a called ticket, refused its next call.)"""
    run_wrk(
        base,
        ISSUE_LUA % {"kiosks": lua_list(kiosks), "threads": clients},
        connections=clients,
        seconds=WARM_SECONDS,
    )


def wrk_phases(
    base: str, kiosks: list[str], windows: list[tuple[str, int, str]], seconds: float, clients: int
) -> tuple[Phase, Phase]:
    """The two phases of `load`, from `wrk`."""
    issued = run_wrk(
        base,
        ISSUE_LUA % {"kiosks": lua_list(kiosks), "threads": clients},
        connections=clients,
        seconds=seconds,
    )
    unexpected = set(issued.statuses) - {201, 503}
    assert not unexpected and not issued.socket_errors, issued
    issue = Phase(
        wall=issued.seconds, refused=issued.statuses.get(503, 0), wrk=issued, ok_status=201
    )
    rows = ", ".join(lua_list([code, str(w), token]) for code, w, token in windows)
    called = run_wrk(
        base, CALL_LUA % {"windows": "{" + rows + "}"}, connections=len(windows), seconds=seconds
    )
    unexpected = set(called.statuses) - {200, 204, 503, 1200, 1503}
    assert not unexpected and not called.socket_errors, called
    call = Phase(
        wall=called.seconds, refused=called.statuses.get(503, 0), wrk=called, ok_status=200
    )
    return issue, call


async def load(
    base: str, kiosks: list[str], windows: list[tuple[str, int, str]], seconds: float, clients: int
) -> tuple[Phase, Phase]:
    """Issue for `seconds` with `clients` clients, then call for `seconds`, one per window."""
    # Idle connections are dropped by the client before uvicorn's 5 s keep-alive timeout
    # closes them: otherwise a request sent on one as the server closes it fails
    # ("Server disconnected"), which happened at the end of a phase.
    limits = httpx.Limits(
        max_connections=clients + len(windows), max_keepalive_connections=200, keepalive_expiry=2.0
    )
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        issue = Phase()

        async def issuer(c: int, until: float) -> None:
            n = c
            while time.perf_counter() < until:
                office = n % OFFICES
                n += clients
                began = time.perf_counter()
                r = await http.post(
                    f"/api/v1/offices/o{office + 1:02d}/tickets",
                    json={"service": "s"},
                    headers={"Authorization": f"Bearer {kiosks[office]}"},
                )
                if r.status_code == 201:
                    issue.latencies.append(time.perf_counter() - began)
                elif r.status_code == 503:
                    issue.refused += 1
                else:
                    raise AssertionError(r.text)

        began = time.perf_counter()
        await asyncio.gather(*(issuer(c, began + seconds) for c in range(clients)))
        issue.wall = time.perf_counter() - began

        call = Phase()

        async def caller(code: str, w: int, token: str, until: float) -> None:
            headers = {"Authorization": f"Bearer {token}"}
            while time.perf_counter() < until:
                began = time.perf_counter()
                r = await http.post(
                    f"/api/v1/offices/{code}/windows/{w}/call-next", headers=headers
                )
                if r.status_code == 204:
                    return  # this office's queue is empty
                if r.status_code == 503:
                    call.refused += 1
                    continue
                assert r.status_code == 200, r.text
                call.latencies.append(time.perf_counter() - began)
                gone = await http.post(f"/api/v1/tickets/{r.json()['id']}/no-show", headers=headers)
                assert gone.status_code in (200, 503), gone.text

        began = time.perf_counter()
        await asyncio.gather(*(caller(*window, began + seconds) for window in windows))
        call.wall = time.perf_counter() - began
        return issue, call


def run(
    pg: str, workers: int, budget: int, seconds: float, clients: int, client: str
) -> tuple[Phase, Phase]:
    """One N on a fresh schema; the schema is dropped afterwards."""
    schema = f"mfcq_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"})
        rendered = url.render_as_string(hide_password=False)
        kiosks, windows = seed(rendered)
        with socket.socket() as probe:  # a free port
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        proc = start_server(rendered, workers, budget, port)
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(prepare(base, windows))
            if client == "wrk":
                warm_up(base, kiosks, clients)
                return wrk_phases(base, kiosks, windows, seconds, clients)
            return asyncio.run(load(base, kiosks, windows, seconds, clients))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4", help="process counts to measure")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--clients", type=int, default=32, help="concurrent issuing clients")
    parser.add_argument("--budget", type=int, default=80, help="MFCQ_DB_CONNECTIONS")
    parser.add_argument(
        "--client",
        choices=("wrk", "python"),
        default="wrk" if available() else "python",
        help="the load generator (wrk when installed)",
    )
    args = parser.parse_args()
    pg = os.environ.get("MFCQ_TEST_POSTGRES_URL")
    if not pg:
        sys.exit("set MFCQ_TEST_POSTGRES_URL (PostgreSQL) to run this benchmark")
    if pg.startswith("postgresql://"):
        pg = "postgresql+psycopg://" + pg[len("postgresql://") :]
    print(
        f"{OFFICES} offices, {WINDOWS} windows each; {args.clients} issuing clients,"
        f" {OFFICES * WINDOWS} calling; {args.seconds:g} s a phase;"
        f" MFCQ_DB_CONNECTIONS={args.budget}; {os.cpu_count()} CPUs; load from {args.client}"
    )
    base: tuple[Phase, Phase] | None = None
    for n in (int(w) for w in args.workers.split(",")):
        load_before = os.getloadavg()[0]
        issue, call = run(pg, n, args.budget, args.seconds, args.clients, args.client)
        print(f"  --workers {n}  (load {load_before:.1f} → {os.getloadavg()[0]:.1f})")
        print(issue.line("issue", base[0] if base else None))
        print(call.line("call-next", base[1] if base else None), flush=True)
        base = base or (issue, call)


if __name__ == "__main__":
    main()
