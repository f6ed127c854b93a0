"""The real server in a child process of its own: `mfc-queue serve` or uvicorn's factory.

For the tests whose claim needs a separate process (kill -9, several processes on one
database, a crowd that must not share the server's GIL). Started with the test's
environment plus `env`, ready once /healthz answers, always stopped (`processes.stop`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.support.patience import STARTUP_SECONDS
from tests.support.processes import spawn, stop
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


class ServerProcess:
    """A server process on `port`; `command(port)` is what it runs (see the two below)."""

    def __init__(
        self,
        args: Sequence[str],
        env: Mapping[str, str],
        *,
        port: int,
        stop_timeout: float = 15,
        **popen: Any,
    ) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"
        self._stop_timeout = stop_timeout
        popen.setdefault("cwd", ROOT)
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
        self.process: subprocess.Popen[Any] = spawn(
            [sys.executable, "-m", *args], env=full_env, **popen
        )

    @classmethod
    def serve(
        cls, env: Mapping[str, str], *options: str, port: int | None = None, **popen: Any
    ) -> ServerProcess:
        """`mfc-queue serve --no-migrate` (the CLI's own start-up) with `options`."""
        port = port or free_port()
        args = ["queue_server.cli", "serve", "--no-migrate", "--port", str(port), *options]
        return cls(args, env, port=port, **popen)

    @classmethod
    def uvicorn(
        cls, env: Mapping[str, str], *options: str, port: int | None = None, **popen: Any
    ) -> ServerProcess:
        """uvicorn running the app factory (`create_app` reads its settings from `env`)."""
        port = port or free_port()
        args = ["uvicorn", "--factory", "queue_server.app:create_app"]
        args += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", *options]
        return cls(args, env, port=port, **popen)

    def wait_ready(self) -> ServerProcess:
        """Until /healthz answers (a readiness wait, bounded by STARTUP_SECONDS)."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the server process exited"
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"the server process on port {self.port} did not start")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no lifespan (a crashed host)."""
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        """SIGTERM, wait, then SIGKILL: the process is gone when this returns."""
        stop(self.process, self._stop_timeout)


@contextmanager
def running_server(server: ServerProcess) -> Iterator[ServerProcess]:
    """The server, ready, for the length of the block; stopped whatever happens in it."""
    try:
        yield server.wait_ready()
    finally:
        server.stop()
