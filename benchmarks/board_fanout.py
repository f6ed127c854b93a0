#!/usr/bin/env python
"""Call-to-board latency with 100 and 1000 connected boards, next to a bare broadcast.

For each board count it starts two servers as processes:

* the queue server (uvicorn, SQLite by default) with N boards subscribed over
  /ws/offices/{code}/events; a clerk calls the next ticket over HTTP and the time from
  sending the call to each board receiving `ticket.called` is measured;
* a bare WebSocket broadcast (Starlette on the same uvicorn, one endpoint that sends a
  message to every socket in a loop, no database): the baseline.

Prints p50/p99 call-to-delivery latency over every (call, board) pair and the server's
resident memory idle and with the boards connected. The boards are asyncio clients in a
process of their own (not the caller's), timed on the monotonic clock both processes
share; the goal is a p99 within 2× the bare broadcast's at 1,000 boards.

Run: `python benchmarks/board_fanout.py` (options: --boards 100,1000 --calls 30
--database-url URL for PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from queue_server.auth.models import User  # noqa: E402
from queue_server.auth.service import add_device, create_token, hash_password  # noqa: E402
from queue_server.clock import SystemClock  # noqa: E402
from queue_server.config_io import ConfigFile, import_config  # noqa: E402
from queue_server.db import Database  # noqa: E402
from queue_server.migrate import upgrade  # noqa: E402
from queue_server.offices.models import Office  # noqa: E402

ALL_DAY = {d: ["00:00", "23:59"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def free_port() -> int:
    """A free TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def rss_kib(pid: int) -> int:
    """Resident memory of a process in KiB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@dataclass
class Seeded:
    """Tokens of the benchmark office."""

    kiosk: str
    clerk: str
    board: str


def seed(url: str) -> Seeded:
    """A 24/7 office with one service and window, a clerk, a kiosk and a board."""
    upgrade(url)
    db = Database.from_url(url)
    config = {
        "services": {"s": {"name_ru": "Услуга", "prefix": "А", "kind": "intake"}},
        "offices": {
            "bench": {
                "name": "Bench",
                "opening_hours": ALL_DAY,
                "windows": {"1": {"services": [{"service": "s"}]}},
            }
        },
    }
    clock = SystemClock()
    with db.transaction() as session:
        import_config(session=session, data=ConfigFile.model_validate(config))
        office = session.scalar(select(Office).where(Office.code == "bench"))
        assert office is not None
        from queue_server.offices.schemas import OfficeDayIn
        from queue_server.offices.service import put_office_day

        today = clock.now().date()
        for offset in (-1, 0, 1):  # holidays must not close the benchmark office
            put_office_day(
                session=session,
                office=office,
                day=today + timedelta(days=offset),
                data=OfficeDayIn(is_open=True),
            )
        _, kiosk = add_device(session=session, clock=clock, office=office, kind="kiosk", name="k")
        _, board = add_device(session=session, clock=clock, office=office, kind="board", name="b")
        user = User(
            username="clerk",
            password_hash=hash_password("bench-password"),
            role="clerk",
            office_id=office.id,
        )
        session.add(user)
        session.flush()
        clerk = create_token(session=session, clock=clock, user=user, ttl=timedelta(hours=2))
    db.dispose()
    return Seeded(kiosk=kiosk, clerk=clerk, board=board)


# --- the baseline: a bare broadcast -----------------------------------------------------


def baseline_app() -> object:
    """Starlette with one WebSocket endpoint and a POST that broadcasts to every socket."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    sockets: set[WebSocket] = set()

    async def subscribe(websocket: WebSocket) -> None:
        await websocket.accept()
        sockets.add(websocket)
        try:
            while True:
                await websocket.receive_text()
        except WebSocketDisconnect:
            pass
        finally:
            sockets.discard(websocket)

    async def broadcast(request: Request) -> JSONResponse:
        text = (await request.body()).decode()
        for websocket in list(sockets):
            await websocket.send_text(text)
        return JSONResponse({"sent": len(sockets)})

    return Starlette(
        routes=[WebSocketRoute("/ws", subscribe), Route("/broadcast", broadcast, methods=["POST"])]
    )


# --- servers as processes ---------------------------------------------------------------


class Server:
    """A uvicorn process; `kind` is "queue" or "baseline"."""

    def __init__(self, kind: str, database_url: str = "") -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "MFCQ_DATABASE_URL": database_url,
            "MFCQ_SCHEDULER_INTERVAL": "0",
            "MFCQ_KIOSK_TICKETS_PER_MINUTE": "0",  # one kiosk token issues them all
            "MFCQ_PUBLIC_URL": self.base,
        }
        if kind == "queue":
            target = ["queue_server.app:create_app", "--factory"]
        else:
            target = ["benchmarks.board_fanout:baseline_app", "--factory"]
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                *target,
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-access-log",
                "--backlog",
                "4096",
            ],
            env=env,
            cwd=ROOT,
        )
        for _ in range(400):
            try:
                httpx.get(f"{self.base}/healthz", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        self.process.kill()
        raise RuntimeError(f"{kind} server did not start")

    def rss(self) -> int:
        """Its resident memory in KiB."""
        return rss_kib(self.process.pid)

    def stop(self) -> None:
        """Terminate and wait."""
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- boards, in a process of their own ----------------------------------------------------
#
# The boards run in another process than the caller, as real boards run on other machines:
# sharing the caller's event loop and GIL inflated the p99 (every board's receive competed
# with the next call). Both processes read the same monotonic clock (CLOCK_MONOTONIC on
# Linux is system-wide), so a call's send time here and a board's receive time there
# subtract directly.


def board_process(url: str, n: int, queue_server: bool, conn: Connection) -> None:
    """The child: n sockets; reports when every board saw a marker, then every receive time."""
    asyncio.run(_boards_main(url, n, queue_server, conn))


async def _boards_main(url: str, n: int, queue_server: bool, conn: Connection) -> None:
    received: dict[str, list[float]] = defaultdict(list)
    settled: dict[str, int] = defaultdict(int)

    def called(marker: str | None) -> None:
        if marker is None:
            return
        times = received[marker]
        times.append(time.perf_counter())
        if len(times) == n:
            conn.send(("called", marker))

    def no_show(marker: str) -> None:
        settled[marker] += 1
        if settled[marker] == n:
            conn.send(("settled", marker))

    async def read(ws: ClientConnection) -> None:
        async for raw in ws:
            message = json.loads(raw)
            if not queue_server:
                called(message.get("marker"))
            elif message.get("type") == "ping":
                await ws.send(json.dumps({"type": "pong"}))
            elif message.get("type") == "ticket.called":
                called(message["payload"]["number"])
            elif message.get("type") == "ticket.no_show":
                no_show(message["payload"]["number"])

    sockets: list[ClientConnection] = []
    for start in range(0, n, 100):  # in batches, to stay within the listen backlog
        sockets.extend(
            await asyncio.gather(
                *[
                    connect(url, open_timeout=60, ping_interval=None, max_size=None)
                    for _ in range(start, min(n, start + 100))
                ]
            )
        )
    if queue_server:  # every board gets its hello before the clock starts
        for ws in sockets:
            hello = json.loads(await ws.recv())
            assert hello["type"] == "hello", hello
    tasks = [asyncio.create_task(read(ws)) for ws in sockets]
    conn.send(("ready", ""))
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # "close"
    for task in tasks:
        task.cancel()
    await asyncio.gather(*[ws.close() for ws in sockets], return_exceptions=True)
    conn.send(("times", dict(received)))


class BoardProcess:
    """The parent's handle on the boards' process."""

    def __init__(self, url: str, n: int, queue_server: bool) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=board_process, args=(url, n, queue_server, child), daemon=True
        )
        self.process.start()
        self.sent: dict[str, float] = {}

    async def wait_for(self, kind: str, marker: str = "") -> Any:
        """The child's next message of this kind (and marker)."""
        while True:
            got_kind, value = await asyncio.wait_for(asyncio.to_thread(self.conn.recv), 120)
            if got_kind == kind and (not marker or value == marker):
                return value

    def mark(self, marker: str) -> None:
        """The call carrying `marker` is sent now."""
        self.sent[marker] = time.perf_counter()

    async def close(self) -> list[float]:
        """Close the boards; every (call, board) latency in seconds."""
        self.conn.send("close")
        times: dict[str, list[float]] = await self.wait_for("times")
        self.process.join(timeout=30)
        return [t - self.sent[m] for m, ts in times.items() if m in self.sent for t in ts]


@dataclass
class Result:
    """Figures of one run."""

    name: str
    boards: int
    latencies: list[float]
    rss_idle: int
    rss_connected: int
    requests: list[float] = field(default_factory=list)

    def p(self, q: float) -> float:
        """Quantile in milliseconds."""
        data = sorted(self.latencies)
        if q == 0.5:
            return statistics.median(data) * 1000
        return data[min(len(data) - 1, int(len(data) * q))] * 1000


async def run_queue(url: str, tokens: Seeded, n: int, calls: int) -> Result:
    """Calls through the queue server with n boards subscribed."""
    server = Server("queue", url)
    try:
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
            kiosk = {"Authorization": f"Bearer {tokens.kiosk}"}
            clerk = {"Authorization": f"Bearer {tokens.clerk}"}
            taken = await http.post("/api/v1/offices/bench/windows/1/take", headers=clerk)
            assert taken.status_code == 200, taken.text
            numbers = []
            requests: list[float] = []
            for _ in range(calls):
                r = await http.post(
                    "/api/v1/offices/bench/tickets", json={"service": "s"}, headers=kiosk
                )
                assert r.status_code == 201, r.text
                numbers.append(r.json()["number"])
            await asyncio.sleep(0.5)
            idle = server.rss()
            ws_url = f"ws://127.0.0.1:{server.port}/ws/offices/bench/events?token={tokens.board}"
            boards = BoardProcess(ws_url, n, True)
            await boards.wait_for("ready")
            await asyncio.sleep(0.5)
            connected = server.rss()
            for number in numbers:  # one window, one service: called in issue order
                boards.mark(number)
                r = await http.post("/api/v1/offices/bench/windows/1/call-next", headers=clerk)
                requests.append(time.perf_counter() - boards.sent[number])
                assert r.status_code == 200, r.text
                called = r.json()
                assert called["number"] == number, (called, number)
                await boards.wait_for("called", number)
                r = await http.post(f"/api/v1/tickets/{called['id']}/no-show", headers=clerk)
                assert r.status_code == 200, r.text
                # The next call starts once the no-show has reached every board too, so
                # each call's fan-out is measured alone, as the baseline's is.
                await boards.wait_for("settled", number)
            latencies = await boards.close()
            return Result("mfc-queue hub", n, latencies, idle, connected, requests)
    finally:
        server.stop()


async def run_baseline(n: int, calls: int) -> Result:
    """The same number of messages through a bare broadcast."""
    server = Server("baseline")
    try:
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
            await asyncio.sleep(0.5)
            idle = server.rss()
            boards = BoardProcess(f"ws://127.0.0.1:{server.port}/ws", n, False)
            await boards.wait_for("ready")
            await asyncio.sleep(0.5)
            connected = server.rss()
            for i in range(calls):
                marker = f"m{i}"
                body = json.dumps({"type": "ticket.called", "id": i, "marker": marker})
                boards.mark(marker)
                r = await http.post("/broadcast", content=body)
                assert r.status_code == 200
                await boards.wait_for("called", marker)
            latencies = await boards.close()
            return Result("bare broadcast", n, latencies, idle, connected)
    finally:
        server.stop()


def main() -> None:
    """Run both servers for each board count and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boards", default="100,1000")
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.boards.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        results: list[tuple[Result, Result]] = []
        for n in sizes:
            url = args.database_url or f"sqlite:///{tmp}/fanout-{n}.sqlite3"
            tokens = seed(url)
            base = asyncio.run(run_baseline(n, args.calls))
            hub = asyncio.run(run_queue(url, tokens, n, args.calls))
            results.append((base, hub))
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\nboard fan-out: {args.calls} calls per size, {backend}, {os.cpu_count()} CPUs")
    print(
        f"{'boards':>6}  {'server':<15} {'p50 ms':>8} {'p99 ms':>8} {'p50 ×base':>9}"
        f" {'p99 ×base':>9}"
        f"  {'RSS idle MiB':>12} {'RSS boards MiB':>14} {'KiB/board':>9}"
    )
    for base, hub in results:
        for r in (base, hub):
            ratio = r.p(0.5) / base.p(0.5)
            ratio99 = r.p(0.99) / base.p(0.99)
            per_board = (r.rss_connected - r.rss_idle) / r.boards
            print(
                f"{r.boards:>6}  {r.name:<15} {r.p(0.5):>8.1f} {r.p(0.99):>8.1f} {ratio:>9.2f}"
                f" {ratio99:>9.2f}"
                f"  {r.rss_idle / 1024:>12.1f} {r.rss_connected / 1024:>14.1f} {per_board:>9.1f}"
            )
        if hub.requests:
            print(
                f"{'':>6}  (call-next HTTP response alone: p50 "
                f"{statistics.median(hub.requests) * 1000:.1f} ms — the database part)"
            )


if __name__ == "__main__":
    main()
