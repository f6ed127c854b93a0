#!/usr/bin/env python
"""Overload: how many concurrent clients until the server stops answering `/healthz`?

Starts a real uvicorn (its own scheduler on the system clock) on SQLite, and on PostgreSQL
when MFCQ_TEST_POSTGRES_URL is set. For each step of concurrent clients (half issue
tickets at the kiosk, half call the next ticket at their own window and mark it a
no-show) it loads the server for a few seconds while a probe asks `/healthz` four times a
second (from a process of its own), and a ticket called just before the step waits for
its automatic R5 recall.
Prints per step: answers by status, hangs (no answer within the client timeout), the
slowest `/healthz`, and how late the recall was recorded after it was due.

Run: `python benchmarks/overload.py [--steps 25,50,65,100,150] [--seconds 8]`. Everything
targets 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import update

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# First: it puts the code measured (this checkout or MFCQ_BENCH_CODE) on the path.
from _common import postgres_url, scratch_schema, server_env, start_server, stop_server  # noqa: E402
from issue_and_call import seed  # noqa: E402

from queue_server.db import Database  # noqa: E402
from queue_server.offices.models import Office  # noqa: E402

OFFICE = "bench"
RECALL_AFTER = 5  # seconds; the smallest R5 delay an office may set
CLIENT_TIMEOUT = 30.0  # a request without an answer after this long counts as a hang
PROBE_TIMEOUT = 5.0


@dataclass
class Step:
    """What one step of the ramp saw."""

    clients: int
    statuses: collections.Counter[str] = field(default_factory=collections.Counter)
    probe: list[float] = field(default_factory=list)
    probe_failures: int = 0
    recall_late: float | None = None

    def line(self) -> str:
        """One printed row."""
        answers = " ".join(f"{k}:{v}" for k, v in sorted(self.statuses.items()))
        worst = max(self.probe, default=float("nan"))
        late = "never" if self.recall_late is None else f"{self.recall_late:+.1f} s"
        return (
            f"  {self.clients:4d} clients  healthz max {worst:6.3f} s"
            f" (no answer {self.probe_failures}/{len(self.probe) + self.probe_failures})"
            f"  recall {late:>8}  answers {answers}"
        )


def prepare(url: str, windows: int) -> tuple[str, list[str]]:
    """The benchmark office with `windows` windows and a short R5 delay; its tokens."""
    kiosk, clerks = seed(url, windows)
    db = Database.from_url(url)
    with db.transaction() as session:
        session.execute(
            update(Office).values(recall_after_seconds=RECALL_AFTER, no_show_after_seconds=3600)
        )
    db.dispose()
    return kiosk, clerks


async def _count(step: Step, sending: Coroutine[Any, Any, httpx.Response]) -> httpx.Response | None:
    try:
        response = await sending
    except httpx.TimeoutException:
        step.statuses["hang"] += 1
        return None
    except httpx.HTTPError as exc:
        step.statuses[type(exc).__name__] += 1
        return None
    key = str(response.status_code)
    if response.status_code == 503 and "retry-after" not in response.headers:
        key = "503-without-Retry-After"
    step.statuses[key] += 1
    return response


async def _issuer(client: httpx.AsyncClient, step: Step, kiosk: str, until: float) -> None:
    headers = {"Authorization": f"Bearer {kiosk}"}
    while time.monotonic() < until:
        body = {"service": "s", "idempotency_key": uuid.uuid4().hex}
        await _count(
            step,
            client.post(f"/api/v1/offices/{OFFICE}/tickets", json=body, headers=headers),
        )


async def _caller(
    client: httpx.AsyncClient, step: Step, token: str, window: int, until: float
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    while time.monotonic() < until:
        r = await _count(
            step,
            client.post(f"/api/v1/offices/{OFFICE}/windows/{window}/call-next", headers=headers),
        )
        if r is not None and r.status_code == 200:
            ticket = r.json()["id"]
            await _count(step, client.post(f"/api/v1/tickets/{ticket}/no-show", headers=headers))
        elif r is not None and r.status_code == 204:
            await asyncio.sleep(0.05)  # nobody waits: the issuers will catch up


def _probe(base: str, seconds: float) -> None:
    """The probe's own process: print each /healthz latency (null: no answer) as JSON."""
    latencies: list[float | None] = []
    until = time.monotonic() + seconds
    with httpx.Client(base_url=base, timeout=PROBE_TIMEOUT) as probe:
        while time.monotonic() < until:
            start = time.monotonic()
            try:
                probe.get("/healthz").raise_for_status()
                latencies.append(time.monotonic() - start)
            except httpx.HTTPError:
                latencies.append(None)
            time.sleep(max(0.0, 0.25 - (time.monotonic() - start)))
    print(json.dumps(latencies))


def _start_probe(base: str, seconds: float) -> subprocess.Popen[str]:
    # A process of its own: in the clients' event loop it would time its own queueing.
    args = [sys.executable, __file__, "--probe", base, "--seconds", str(seconds)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, text=True)


async def _called_ticket(client: httpx.AsyncClient, kiosk: str, clerk: str, window: int) -> int:
    """A ticket called at the spare window just before the load: its recall is the timer."""
    await client.post(
        f"/api/v1/offices/{OFFICE}/tickets",
        json={"service": "s"},
        headers={"Authorization": f"Bearer {kiosk}"},
    )
    r = await client.post(
        f"/api/v1/offices/{OFFICE}/windows/{window}/call-next",
        headers={"Authorization": f"Bearer {clerk}"},
    )
    r.raise_for_status()
    return int(r.json()["id"])


async def _recall_lateness(
    client: httpx.AsyncClient, clerk: str, ticket: int, window: int
) -> float | None:
    headers = {"Authorization": f"Bearer {clerk}"}
    r = await client.get(f"/api/v1/tickets/{ticket}/history", headers=headers, timeout=60)
    r.raise_for_status()
    at = {t["action"]: datetime.fromisoformat(t["at"]) for t in r.json()}
    await client.post(f"/api/v1/tickets/{ticket}/no-show", headers=headers, timeout=60)
    if "recall" not in at:
        return None
    return (at["recall"] - at["call"]).total_seconds() - RECALL_AFTER


async def run_step(base: str, kiosk: str, clerks: list[str], clients: int, seconds: float) -> Step:
    """Load the server with `clients` concurrent clients for `seconds`."""
    step = Step(clients)
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=CLIENT_TIMEOUT) as client:
        spare = len(clerks)  # the last window serves the timer's ticket only
        timer_ticket = await _called_ticket(client, kiosk, clerks[-1], spare)
        seconds = max(seconds, RECALL_AFTER + 3)
        until = time.monotonic() + seconds
        probe = _start_probe(base, seconds)
        callers = clients // 2
        tasks = [_issuer(client, step, kiosk, until) for _ in range(clients - callers)]
        tasks += [_caller(client, step, clerks[w], w + 1, until) for w in range(callers)]
        # Bounded: every request has its timeout, so the step ends by itself.
        await asyncio.gather(*tasks)
        out, _ = probe.communicate(timeout=CLIENT_TIMEOUT + PROBE_TIMEOUT)
        for latency in json.loads(out):
            if latency is None:
                step.probe_failures += 1
            else:
                step.probe.append(latency)
        step.recall_late = await _recall_lateness(client, clerks[-1], timer_ticket, spare)
    return step


def bench(label: str, url: str, steps: list[int], seconds: float) -> None:
    """Ramp the clients on one database, one fresh server per step."""
    windows = max(steps) // 2 + 1
    kiosk, clerks = prepare(url, windows)
    print(f"{label}:")
    for clients in steps:
        try:
            # A long keep-alive: a client waiting seconds for an answer must not meet a
            # closed socket.
            proc, base = start_server(server_env(url), args=("--timeout-keep-alive", "120"))
        except RuntimeError as exc:  # the previous step may have left it wedged
            print(f"  {clients:4d} clients  {exc}", flush=True)
            continue
        try:
            take_windows(base, clerks)  # on a wedged server these wait out their timeout
            step = asyncio.run(run_step(base, kiosk, clerks, clients, seconds))
        finally:
            stop_server(proc)
        print(step.line(), flush=True)


def take_windows(base: str, clerks: list[str]) -> None:
    """Every clerk sits at the window of the same number."""
    for n, token in enumerate(clerks, start=1):
        httpx.post(
            f"{base}/api/v1/offices/{OFFICE}/windows/{n}/take",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )


def main() -> None:
    """Parse the arguments and ramp on each database."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--steps", default="25,50,65,100,150")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--probe", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        _probe(args.probe, args.seconds)
        return
    steps = [int(s) for s in args.steps.split(",")]
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{tmp}/overload.sqlite3", steps, args.seconds)
    pg = postgres_url()
    if args.sqlite_only or not pg:
        print("PostgreSQL: skipped")
        return
    with scratch_schema(pg, "mfcq_overload") as url:
        bench("PostgreSQL", url, steps, args.seconds)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
