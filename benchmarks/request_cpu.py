#!/usr/bin/env python
"""CPU time per request of the bare insert, issue and call-next, in process (issue 18).

On a loaded machine the HTTP benchmarks' throughput moves by ±20 % from run to run; the
CPU a request costs the server moves much less. This script drives the real app (every
middleware, dependency and route; the same seed as `write_path.py`) through its ASGI
interface from one thread, with the thread-pool hand-offs run inline so that all the
work is on that thread, and prints the thread's CPU time per request (no HTTP parsing,
no client: those are the same for every route). On PostgreSQL it also prints the CPU its
processes on this machine spent meanwhile (from /proc: the backends, the WAL writer),
a request's other share of the same two cores. `--profile issue` (or `baseline`,
`call-next`) prints cProfile's top functions for that scenario.

Run: `python benchmarks/request_cpu.py [-n 300] [--backend sqlite|postgres] [--analyze]`;
`MFCQ_BENCH_CODE=<dir>` measures another checkout (the code before a change).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import anyio.to_thread
import fastapi.concurrency
import starlette.concurrency

# Before anything of ours: it puts the code measured (this checkout or MFCQ_BENCH_CODE)
# on the path.
from _common import load, postgres_url, scratch_schema
from write_path import analyze, seed, wrk_calls


async def _inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A thread hand-off run on the caller's thread (the CPU stays on one thread)."""
    for option in ("abandon_on_cancel", "cancellable", "limiter"):
        kwargs.pop(option, None)
    return func(*args, **kwargs)


def _run_inline() -> None:
    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]
    starlette.concurrency.run_in_threadpool = _inline  # type: ignore[assignment]
    fastapi.concurrency.run_in_threadpool = _inline  # type: ignore[assignment]
    import queue_server.tickets.views as views

    if hasattr(views, "run_in_threadpool"):
        views.run_in_threadpool = _inline


async def _request(
    app: Any, state: dict[str, Any], path: str, headers: dict[str, str], body: Any
) -> int:
    """One POST through the app's ASGI interface; its status."""
    raw = json.dumps(body).encode() if body is not None else b""
    header_list = [(b"host", b"bench"), (b"content-type", b"application/json")]
    header_list.append((b"content-length", str(len(raw)).encode()))
    header_list += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": header_list,
        "client": ("127.0.0.1", 1),
        "server": ("bench", 80),
        "state": dict(state),
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def postgres_cpu() -> float | None:
    """CPU seconds used so far by this machine's PostgreSQL processes (its backends, the
    WAL writer…), from /proc; None where they cannot be seen (another host)."""
    total, found = 0, False
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # gone meanwhile
        if stat[stat.index("(") + 1 : stat.rindex(")")] != "postgres":
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        found = True
    return total / os.sysconf("SC_CLK_TCK") if found else None


async def measure(
    url: str, n: int, profile: str | None, waiting: int = 0, analysed: bool = False
) -> None:
    """Seed, start the app's lifespan, and time each scenario; with `waiting`, call-next
    at an office of `n` windows and that many tickets waiting (one of `write_path.py`'s
    offices for wrk) instead of `n`; `analysed`: PostgreSQL's statistics gathered after the
    seed, as autovacuum would."""
    from queue_server.app import create_app
    from queue_server.settings import Settings

    seeded = seed(
        url, n, waiting=n, wrk_offices=1 if waiting else 0, wrk_windows=n, wrk_waiting=waiting
    )
    if analysed:
        analyze(url)
    settings = Settings(
        database_url=url,
        benchmark_endpoints=True,
        kiosk_tickets_per_minute=0,
        scheduler_interval=0,
    )
    app = create_app(settings)
    kiosk = {"authorization": f"Bearer {seeded.kiosk}"}

    def baseline(_i: int) -> tuple[str, dict[str, str], Any, int]:
        return "/api/v1/_bench/baseline", {}, None, 201

    def issue(i: int) -> tuple[str, dict[str, str], Any, int]:
        body = {"service": "st"[i % 2], "idempotency_key": uuid.uuid4().hex}
        return "/api/v1/offices/bench/tickets", kiosk, body, 201

    def call_next(i: int) -> tuple[str, dict[str, str], Any, int]:
        # One call per window: a called window is busy.
        if waiting:
            office, number, token = wrk_calls(1), i + 1, seeded.wrk_clerks[0][i]
        else:
            office, (number, token) = "calls", seeded.clerks[i]
        path = f"/api/v1/offices/{office}/windows/{number}/call-next"
        return path, {"authorization": f"Bearer {token}"}, None, 200

    scenarios = {"baseline": baseline, "issue": issue, "call-next": call_next}
    async with app.router.lifespan_context(app) as state:
        floor = None
        for name, make in scenarios.items():
            if name != "call-next":
                for i in range(5):  # warm: the configuration cache, the statement caches
                    await _request(app, state, *make(i)[:3])
            profiler = cProfile.Profile() if profile == name else None
            database = postgres_cpu() if url.startswith("postgresql") else None
            cpu = time.thread_time()
            if profiler:
                profiler.enable()
            each = []
            for i in range(n):
                path, headers, body, ok = make(i)
                started = time.thread_time()
                status = await _request(app, state, path, headers, body)
                each.append(time.thread_time() - started)
                assert status == ok, (name, status)
            if profiler:
                profiler.disable()
            per_request = (time.thread_time() - cpu) / n * 1000
            median = statistics.median(each) * 1000
            used = postgres_cpu()
            by_database = (used - database) / n * 1000 if used and database else None
            floor = floor or (per_request, median, by_database)
            line = (
                f"  {name:<10} {per_request:6.2f} ms of CPU a request"
                f"  ({per_request / floor[0]:4.2f}× the bare insert), median {median:5.2f} ms"
                f" ({median / floor[1]:4.2f}×)"
            )
            if by_database is not None and floor[2]:
                both = (per_request + by_database) / (floor[0] + floor[2])
                line += (
                    f"; PostgreSQL's {by_database:5.2f} ms"
                    f" ({by_database / floor[2]:4.2f}×), both {both:4.2f}×"
                )
            print(line, flush=True)
            if profiler:
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="requests per scenario")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--profile", choices=("baseline", "issue", "call-next"))
    parser.add_argument(
        "--waiting",
        type=int,
        default=0,
        help="call-next at an office with this many tickets waiting (default n; n ≤ 999 windows)",
    )
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="PostgreSQL: gather statistics after the seed, as autovacuum would",
    )
    args = parser.parse_args()
    _run_inline()
    print(f"{args.backend}, load {load()} on {os.cpu_count()} CPUs:", flush=True)
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/cpu.sqlite3"
            asyncio.run(measure(url, args.n, args.profile, args.waiting))
    else:
        pg = postgres_url()
        if not pg:
            raise SystemExit("set MFCQ_TEST_POSTGRES_URL")
        with scratch_schema(pg, "mfcq_cpu") as url:
            asyncio.run(measure(url, args.n, args.profile, args.waiting, args.analyze))
    print(f"  (load {load()})")


if __name__ == "__main__":
    main()
