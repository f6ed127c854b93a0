"""Overload tests' parts: a server in its own process, a crowd of clients in another, a probe.

Each in its own process because the claim is about what a client sees: a probe sharing a
process (and its GIL) with a hundred client coroutines or with the server would measure
its own queueing, not the server's. The crowd itself is `tests/support/crowd.py`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx

from tests.support.crowd import LoadPlan, LoadReport
from tests.support.processes import spawn, stop
from tests.support.server_process import ServerProcess, running_server
from tests.support.servers import free_port
from tests.support.world import World

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def crowd(plan: LoadPlan) -> Iterator[subprocess.Popen[str]]:
    """The crowd in a child process, yielded once it is loading the server.

    Read its report with `crowd_report`; the process is stopped whatever happens.
    """
    args = [sys.executable, "-m", "tests.support.crowd", json.dumps(asdict(plan))]
    process = spawn(args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready", "the crowd did not start"
        yield process
    finally:
        stop(process)


def crowd_report(process: subprocess.Popen[str], timeout: float) -> LoadReport:
    """Wait for the crowd to finish (it stops by itself) and parse what it saw."""
    assert process.stdout is not None
    process.wait(timeout=timeout)
    assert process.returncode == 0, "the crowd process failed"
    data = json.loads(process.stdout.read())
    data["issued"] = [tuple(pair) for pair in data["issued"]]
    return LoadReport(**data)


def probe_healthz(base: str, while_running: subprocess.Popen[Any], budget: float) -> list[float]:
    """Ask /healthz five times a second while the crowd runs; each latency (inf: no answer)."""
    latencies: list[float] = []
    with httpx.Client(base_url=base, timeout=budget) as probe:
        while while_running.poll() is None:
            start = time.monotonic()
            try:
                ok = probe.get("/healthz").status_code == 200
                latencies.append(time.monotonic() - start if ok else float("inf"))
            except httpx.HTTPError:
                latencies.append(float("inf"))
            # The probe's cadence, not a timer of the system under test.
            time.sleep(max(0.0, 0.2 - (time.monotonic() - start)))
    return latencies


@contextmanager
def server_process(world: World, **settings: str) -> Iterator[str]:
    """The real server (uvicorn, its own scheduler) in a child process on the world's data.

    Its clock runs from the world's instant (MFCQ_CLOCK_START), so the timers see the
    tickets the test made; the base URL is yielded once /healthz answers.
    """
    port = free_port()
    env = {
        "MFCQ_DATABASE_URL": world.db.engine.url.render_as_string(hide_password=False),
        "MFCQ_CLOCK_START": world.clock.now().isoformat(),
        "MFCQ_PUBLIC_URL": f"http://127.0.0.1:{port}",
        # One kiosk token stands for a hall of kiosks here: no per-device rate limit.
        "MFCQ_KIOSK_TICKETS_PER_MINUTE": "0",
        **{f"MFCQ_{name.upper()}": value for name, value in settings.items()},
    }
    # A long keep-alive: the crowd reuses connections that wait seconds for an answer.
    options = ("--timeout-keep-alive", "120", "--no-access-log")
    with running_server(ServerProcess.uvicorn(env, *options, port=port)) as server:
        yield server.url
