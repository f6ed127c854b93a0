"""What the HTTP benchmarks share: the code measured, a real uvicorn, the clients, the figures.

Used by `issue_and_call.py`, `write_path.py` and `overload.py`:

- `ROOT`: the checkout measured — this one, or another (`MFCQ_BENCH_CODE=<dir>`, e.g. an
  export of the commit before a change, to measure before and after in the same
  sitting); it is put first on `sys.path` when this module is imported, so import this
  module before anything of `queue_server`;
- `start_server` / `stop_server` / `uvicorn`: the server (or another app) in a process
  of its own, waited for until it answers;
- `run`: `n` requests by `concurrency` closed-loop clients; `Stats`: their latencies and
  rate, printed as one row;
- `postgres_url` / `scratch_schema`: a PostgreSQL schema of its own for one run, removed
  afterwards.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(os.environ.get("MFCQ_BENCH_CODE") or Path(__file__).resolve().parent.parent)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SERVER_APP = "queue_server.app:create_app"
ALL_DAY = {d: ["00:00", "23:59"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@dataclass
class Stats:
    """Latencies (seconds) of one scenario and the wall time it took."""

    name: str
    latencies: list[float]
    wall: float

    @property
    def rate(self) -> float:
        """Requests per second."""
        return len(self.latencies) / self.wall if self.wall else 0.0

    def pct(self, q: float) -> float:
        """The `q` quantile in milliseconds (the sample at that rank, no interpolation)."""
        lat = sorted(self.latencies)
        return lat[min(len(lat) - 1, int(len(lat) * q))] * 1000 if lat else float("nan")

    def line(self, note: str = "") -> str:
        """One printed row."""
        return (
            f"  {self.name:<26} {len(self.latencies):6d} req {self.rate:8.1f}/s"
            f"  p50 {self.pct(0.5):7.2f} ms  p99 {self.pct(0.99):7.2f} ms  {note}"
        ).rstrip()


def load() -> str:
    """The 1-minute load average, as printed beside every figure."""
    return f"{os.getloadavg()[0]:.1f}"


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(url: str) -> dict[str, str]:
    """The server's settings for a benchmark: the database, the bare-insert endpoint, and
    no per-kiosk rate (one kiosk token stands for a hall of kiosks)."""
    return {
        "MFCQ_DATABASE_URL": url,
        "MFCQ_BENCHMARK_ENDPOINTS": "true",
        "MFCQ_KIOSK_TICKETS_PER_MINUTE": "0",
    }


def start_server(
    env: dict[str, str],
    *,
    app: str = SERVER_APP,
    app_dir: Path = ROOT,
    args: tuple[str, ...] = (),
    ready: str = "/healthz",
    timeout: float = 60.0,
) -> tuple[subprocess.Popen[bytes], str]:
    """uvicorn serving `app` in its own process; (process, base URL) once `ready` answers."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--app-dir", str(app_dir)]
    command += ["--port", str(port), "--log-level", "warning", "--no-access-log", *args]
    if app == SERVER_APP:
        command.append("--factory")
    env = {**os.environ, "MFCQ_PUBLIC_URL": f"http://127.0.0.1:{port}", **env}
    proc = subprocess.Popen(command, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + ready, timeout=1).is_success:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    stop_server(proc)
    raise RuntimeError(f"the server did not start within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the server; kill it if it does not stop within 15 s."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def uvicorn(env: dict[str, str], **options: object) -> Iterator[str]:
    """`start_server` for the length of a block; yields the base URL."""
    proc, base = start_server(env, **options)  # type: ignore[arg-type]
    try:
        yield base
    finally:
        stop_server(proc)


# --- load ---------------------------------------------------------------------------

Request = Callable[[httpx.AsyncClient, int, int], Awaitable[httpx.Response]]


async def run(base: str, name: str, n: int, concurrency: int, request: Request, ok: int) -> Stats:
    """`n` requests by `concurrency` clients, each sending its next one when answered;
    `request(client, worker, i)` sends the worker's `i`-th; each answer must be `ok`."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        latencies: list[float] = []

        async def worker(w: int) -> None:
            for i in range(n // concurrency + (1 if w < n % concurrency else 0)):
                start = time.perf_counter()
                r = await request(client, w, i)
                latencies.append(time.perf_counter() - start)
                assert r.status_code == ok, (name, r.status_code, r.text)

        start = time.perf_counter()
        await asyncio.gather(*(worker(w) for w in range(concurrency)))
        return Stats(name, latencies, time.perf_counter() - start)


def post(path: str, token: str | None = None, body: dict[str, object] | None = None) -> Request:
    """The same POST every time."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def request(client: httpx.AsyncClient, _w: int, _i: int) -> httpx.Response:
        return await client.post(path, headers=headers, json=body)

    return request


# --- PostgreSQL -----------------------------------------------------------------------


def postgres_url() -> str | None:
    """MFCQ_TEST_POSTGRES_URL with the psycopg driver named, or None when unset."""
    pg = os.environ.get("MFCQ_TEST_POSTGRES_URL")
    if pg and pg.startswith("postgresql://"):
        pg = "postgresql+psycopg://" + pg[len("postgresql://") :]
    return pg or None


@contextmanager
def scratch_schema(pg: str, prefix: str = "mfcq_bench") -> Iterator[str]:
    """A schema of its own on `pg` for the block; yields a URL whose connections use it."""
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
