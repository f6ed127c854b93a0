"""The regional stack on this machine: a fresh PostgreSQL database, PgBouncer, `mfc-queue serve`
processes and nginx, each started by the test as the test user on free ports, with its
files in a temporary folder, and always stopped.

PgBouncer and nginx are rendered from the files the project ships (`deploy/`), so the
shipped configuration is what the tests run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support.databases import postgres_base_url
from tests.support.patience import STARTUP_SECONDS
from tests.support.processes import spawn, stop
from tests.support.server_process import ServerProcess
from tests.support.servers import free_port

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ROOT = DEPLOY.parent


def binary(name: str) -> str:
    """The path of a Debian package's program, or skip (fail under MFCQ_TEST_STRICT)."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found is None:
        reason = f"{name} is not installed (Debian package {name})"
        if os.environ.get("MFCQ_TEST_STRICT"):  # CI installs it: never skip there
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@contextmanager
def scratch_folder() -> Iterator[Path]:
    """A temporary folder other users can read (PgBouncer drops root for `postgres`)."""
    folder = Path(tempfile.mkdtemp(prefix="mfcq-stack-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def fresh_database() -> Iterator[tuple[str, str]]:
    """A new PostgreSQL database beside the test one: (its name, its SQLAlchemy URL).

    A database of its own, not a schema: PgBouncer passes no `search_path` option on, and
    the NOTIFY channels of one database are not heard in another.
    """
    base = postgres_base_url()
    name = f"mfcq_stack_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - depends on the machine
        admin.dispose()
        if os.environ.get("MFCQ_TEST_STRICT"):
            raise
        pytest.skip(f"cannot create a PostgreSQL database for the stack: {exc}")
    try:
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
        yield name, url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def render_ini(template: str, overrides: dict[str, dict[str, str | None]]) -> str:
    """The ini `template` with keys of its sections replaced (or added, or removed: None)."""
    lines = template.splitlines()
    out: list[str] = []
    section = None
    pending = {s: dict(v) for s, v in overrides.items()}

    def flush(current: str | None) -> None:
        for key, value in pending.pop(current or "", {}).items():
            if value is not None:
                out.append(f"{key} = {value}")

    for line in lines:
        header = re.match(r"\s*\[(\w+)\]\s*$", line)
        if header:
            flush(section)
            section = header.group(1)
            out.append(line)
            continue
        entry = re.match(r"\s*([\w.*-]+)\s*=", line)
        if entry and section in overrides and entry.group(1) in overrides[section]:
            value = pending.get(section, {}).pop(entry.group(1), None)
            if value is not None:
                out.append(f"{entry.group(1)} = {value}")
            continue
        out.append(line)
    flush(section)
    return "\n".join(out) + "\n"


class PgBouncer:
    """PgBouncer from deploy/pgbouncer/pgbouncer.ini: transaction mode, to `database`."""

    def __init__(self, folder: Path, database: str) -> None:
        self.port = free_port()
        template = (DEPLOY / "pgbouncer" / "pgbouncer.ini").read_text(encoding="utf-8")
        assert "pool_mode = transaction" in template
        userlist = folder / "userlist.txt"
        userlist.write_text('"postgres" ""\n', encoding="utf-8")
        ini = render_ini(
            template,
            {
                "databases": {
                    "mfcq": f"host=127.0.0.1 port=5432 dbname={database} user=postgres",
                },
                "pgbouncer": {
                    "listen_port": str(self.port),
                    # The test's PostgreSQL trusts local connections; the user must still
                    # be listed in the auth file.
                    "auth_type": "trust",
                    "auth_file": str(userlist),
                    "logfile": None,  # stderr
                    "pidfile": None,
                    "admin_users": "postgres",
                    "stats_users": "postgres",
                },
            },
        )
        self.ini = folder / "pgbouncer.ini"
        self.ini.write_text(ini, encoding="utf-8")
        for path in (self.ini, userlist):
            path.chmod(0o644)
        args = [binary("pgbouncer"), str(self.ini)]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            args[1:1] = ["-u", "postgres"]
        self.log = folder / "pgbouncer.log"
        with self.log.open("wb") as log:
            self.process = spawn(args, stdout=subprocess.DEVNULL, stderr=log)
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/mfcq"
        _wait_for_port(self.port, self.process, self.log)

    def stats(self) -> dict[str, dict[str, Any]]:
        """`SHOW STATS` of the admin console, by database."""
        import psycopg

        conninfo = f"host=127.0.0.1 port={self.port} dbname=pgbouncer user=postgres"
        # The admin console speaks the simple query protocol only.
        with psycopg.connect(
            conninfo, autocommit=True, cursor_factory=psycopg.ClientCursor
        ) as conn:
            cursor = conn.execute("SHOW STATS")
            names = [c.name for c in cursor.description or []]
            return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}

    def stop(self) -> None:
        """Terminate it."""
        stop(self.process)


class Nginx:
    """nginx with deploy/nginx/mfc-queue.conf, its upstream the given server ports."""

    def __init__(self, folder: Path, upstream_ports: list[int]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        site = (DEPLOY / "nginx" / "mfc-queue.conf").read_text(encoding="utf-8")
        servers = re.findall(r"^\s*server 127\.0\.0\.1:\d+ .*;$", site, flags=re.M)
        assert len(servers) == len(upstream_ports), "the shipped upstream lists two processes"
        for line, port in zip(servers, upstream_ports, strict=True):
            site = site.replace(line, re.sub(r":\d+ ", f":{port} ", line), 1)
        site, listens = re.subn(r"listen 80;", f"listen 127.0.0.1:{self.port};", site)
        assert listens == 1
        (folder / "mfc-queue.conf").write_text(site, encoding="utf-8")
        temp = folder / "nginx-temp"
        temp.mkdir()
        temp.chmod(0o777)  # the worker (nobody, when the test runs as root) writes here
        paths = " ".join(
            f"{kind}_temp_path {temp / kind};" for kind in ("client_body", "proxy", "fastcgi")
        )
        paths += f" uwsgi_temp_path {temp / 'uwsgi'}; scgi_temp_path {temp / 'scgi'};"
        (folder / "nginx.conf").write_text(
            f"daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'nginx-error.log'} warn;\n"
            "events { worker_connections 512; }\n"
            f"http {{\n  access_log off;\n  {paths}\n  include {folder / 'mfc-queue.conf'};\n}}\n",
            encoding="utf-8",
        )
        self.error_log = folder / "nginx-error.log"
        self.process = spawn(
            [
                binary("nginx"),
                "-p",
                str(folder),
                "-c",
                str(folder / "nginx.conf"),
                "-e",
                str(self.error_log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        _wait_for_port(self.port, self.process, self.error_log)

    def stop(self) -> None:
        """Stop it (SIGTERM: fast shutdown)."""
        stop(self.process)


def start_server(env: dict[str, str], *, workers: int = 1, clock_start: str = "") -> ServerProcess:
    """`mfc-queue serve` in a process of its own (with `workers` processes under it)."""
    port = free_port()
    full_env = {
        "MFCQ_PUBLIC_URL": f"http://127.0.0.1:{port}",
        **({"MFCQ_CLOCK_START": clock_start} if clock_start else {}),
        **env,
    }
    return ServerProcess.serve(
        full_env,
        "--workers",
        str(workers),
        port=port,
        stop_timeout=20,
        stdout=subprocess.DEVNULL,
    )


def _wait_for_port(port: int, process: subprocess.Popen[Any], log: Path) -> None:
    import socket

    name = log.stem
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"{name} exited at start: {err[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{name} did not listen on {port}")
