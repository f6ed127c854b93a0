"""`mfc-queue demo` comes up whole: server, kiosk agent on a simulated printer, LED driver."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.patience import REQUEST_SECONDS, STARTUP_SECONDS
from tests.support.processes import spawn, stop


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, deadline: float) -> httpx.Response:
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return response
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer: {last}")


def print_a_receipt_at_a_window(base: str, workdir: Path) -> None:
    """A clerk registers an intake and prints both copies of its receipt: the demo's
    windows print on the simulated receipt printer, saved under
    var/demo-receipts/<start of the run>/windows."""
    api = f"{base}/api/v1"
    token = httpx.post(
        f"{api}/auth/token",
        data={"username": "ivanova", "password": "demo-password"},
        timeout=REQUEST_SECONDS,
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    settings = httpx.get(f"{api}/offices/demo/case-settings", headers=auth, timeout=REQUEST_SECONDS)
    if settings.status_code == 200:  # managers only; a clerk just prints
        assert settings.json()["printers"]["*"].startswith("tcp://127.0.0.1:")
    form = httpx.get(
        f"{api}/services/snils/intake-form", headers=auth, timeout=REQUEST_SECONDS
    ).json()
    case = httpx.post(
        f"{api}/offices/demo/cases",
        json={
            "service": "snils",
            "applicant": {
                "name": "Смирнова Ольга Петровна",
                "document_type": "Паспорт РФ",
                "document_number": "45 11 222333",
            },
            "documents": [
                {"service_document_id": d["id"], "original": True, "sheets": 1, "copies": 1}
                for d in form["documents"]
            ],
            "consent_personal_data": True,
        },
        headers=auth,
        timeout=REQUEST_SECONDS,
    )
    assert case.status_code == 201, case.text
    printed = httpx.post(
        f"{api}/cases/{case.json()['id']}/receipt/print", headers=auth, timeout=REQUEST_SECONDS
    )
    assert printed.status_code == 200, printed.text
    receipts = workdir / "var" / "demo-receipts"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and len(list(receipts.glob("*/windows/receipt-*.txt"))) < 2:
        time.sleep(0.2)
    texts = [
        p.read_text(encoding="utf-8") for p in sorted(receipts.glob("*/windows/receipt-*.txt"))
    ]
    assert len(texts) == 2 and all(case.json()["registration_number"] in t for t in texts)


def test_demo_serves_every_page_and_starts_its_devices(tmp_path: Path) -> None:
    port, kiosk_port = free_port(), free_port()
    env = {**os.environ, "MFCQ_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"}
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        proc = spawn(
            [
                sys.executable,
                "-m",
                "queue_server.cli",
                "demo",
                "--no-browser",
                # The simulated past takes a minute on a loaded machine before the server
                # starts; it has tests of its own (test_demo_history.py, test_cli.py).
                "--no-history",
                "--port",
                str(port),
                "--kiosk-port",
                str(kiosk_port),
            ],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/healthz", deadline)
            printed = log.read_text(encoding="utf-8")
            board = re.search(r"waiting-room board:\s+(\S+)", printed)
            assert board is not None, printed
            for url in (
                f"http://127.0.0.1:{kiosk_port}/",
                board.group(1),
                f"{base}/clerk",
                f"{base}/admin/login",
                f"{base}/book/demo",
            ):
                wait_for(url, deadline)
            # The LED driver's socket shows in the server's log once it has connected.
            while time.monotonic() < deadline and "/ws/events" not in log.read_text(
                encoding="utf-8"
            ):
                time.sleep(0.2)
            assert "/ws/events" in log.read_text(encoding="utf-8")
            print_a_receipt_at_a_window(base, tmp_path)
        finally:
            stop(proc, timeout=20)
    # The kiosk agent and LED driver went with it: none is left behind holding a pty.
    time.sleep(0.5)  # a killed parent's children get their SIGTERM asynchronously
    found = subprocess.run(
        ["pgrep", "-f", "--", f"--server http://127.0.0.1:{port}"], capture_output=True, text=True
    )
    assert found.returncode in (0, 1), found.stderr  # 1: nothing matched
    assert found.stdout.split() == []
