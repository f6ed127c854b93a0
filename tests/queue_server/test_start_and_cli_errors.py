"""The start page, the command line's one-line Russian errors, and what a demo restart keeps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from fastapi.testclient import TestClient

from queue_server.auth.service import resolve_token
from queue_server.cli import _receipts_folder, main
from queue_server.clock import FakeClock
from queue_server.db import Database
from queue_server.demo import DEVICES, seed_demo
from tests.support.servers import live_server
from tests.support.world import World

ROOT = Path(__file__).resolve().parents[2]


# --- the start page ----------------------------------------------------------------------


def test_start_page_links_every_page(api: TestClient, world: World) -> None:
    response = api.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    for link in ("/clerk", "/admin/login", "/board/central", "/admin/dashboard/central"):
        assert f'href="{link}"' in page, link
    assert 'href="/book/central"' in page
    assert 'href="http://testserver:81/"' in page  # the kiosk: this host at port + 1
    assert "Электронная очередь" in page


def test_start_page_kiosk_link_follows_the_setting(world: World) -> None:
    from tests.support.app import make_client

    with make_client(world, kiosk_url="http://kiosk.local:9001/") as client:
        assert 'href="http://kiosk.local:9001/"' in client.get("/").text


def test_start_page_in_chromium(world: World, page: Any) -> None:
    """The page a person opens first: every link is there and the page has no script error."""
    with live_server(world) as server:
        page.goto(f"{server.url}/")
        assert page.title() == "Электронная очередь МФЦ"
        kiosk = page.get_attribute("#link-kiosk", "href")
        assert kiosk == f"http://127.0.0.1:{server.port + 1}/"
        for selector, target in (
            ("#link-clerk", "/clerk"),
            ("#link-admin", "/admin/login"),
            ("#link-reports", "/admin/reports"),
        ):
            assert page.get_attribute(selector, "href") == target
        office = page.locator("section.office[data-office=central]")
        hrefs = office.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert hrefs == ["/board/central", "/admin/dashboard/central", "/book/central"]
        page.click("#link-clerk")
        page.wait_for_url(f"{server.url}/clerk")


# --- the command line: one clear Russian line, not a traceback -----------------------------


def _mfc_queue(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """`mfc-queue …` as a person runs it: a process of its own, in `cwd`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MFCQ_")}
    # The project on the path (it may not be installed), the shifted clock's kept if set.
    environment["PYTHONPATH"] = os.pathsep.join(
        p for p in (os.environ.get("PYTHONPATH"), str(ROOT)) if p
    )
    environment.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "queue_server.cli", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def _one_russian_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "Traceback" not in output
    assert lines[0].startswith("ошибка: "), output
    return lines[0]


def test_outside_the_project_folder_the_cli_says_so(tmp_path: Path) -> None:
    """The default database is var/… under the current folder; elsewhere there is none."""
    code, output = _mfc_queue("case", "show", "01-2026-000001", cwd=tmp_path)
    assert code == 2
    line = _one_russian_line(output)
    assert "папки проекта" in line and "MFCQ_DATABASE_URL" in line


def test_an_unprepared_database_names_init_db(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    result = CliRunner().invoke(main, ["--database-url", url, "config", "export"])
    assert result.exit_code == 2
    line = _one_russian_line(result.output)
    assert "mfc-queue init-db" in line


def test_bad_settings_are_one_line(tmp_path: Path) -> None:
    code, output = _mfc_queue("init-db", cwd=tmp_path, env={"MFCQ_TOKEN_TTL_MINUTES": "много"})
    assert code == 2
    line = _one_russian_line(output)
    assert "неверная настройка" in line and "должно быть целым числом" in line


def test_a_bad_config_file_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    assert CliRunner().invoke(main, ["--database-url", url, "init-db"]).exit_code == 0
    broken = tmp_path / "broken.json"
    broken.write_text('{"offices": {', encoding="utf-8")
    result = CliRunner().invoke(main, ["--database-url", url, "config", "import", str(broken)])
    assert result.exit_code == 2
    assert "не JSON" in _one_russian_line(result.output)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"offices": {"o1": {"name": 5}}}), encoding="utf-8")
    result = CliRunner().invoke(main, ["--database-url", url, "config", "import", str(wrong)])
    assert result.exit_code == 2
    line = _one_russian_line(result.output)
    assert "название" in line and "должно быть строкой" in line


# --- the demo: tokens survive a restart, receipts go to a folder per run -------------------


def test_a_reseeded_demo_keeps_its_device_tokens(any_db: Database, clock: FakeClock) -> None:
    """An open board keeps working across `make demo` restarts: the same tokens, still valid."""
    with any_db.transaction() as session:
        first = seed_demo(session=session, clock=clock)
    with any_db.transaction() as session:
        second = seed_demo(session=session, clock=clock)
    assert set(first.devices) == {name for _, name in DEVICES}
    assert second.devices == first.devices
    with any_db.transaction(read_only=True) as session:
        board = resolve_token(session=session, clock=clock, token=first.devices["board-hall"])
        assert board.role == "board"


def test_receipts_of_each_demo_run_go_to_their_own_folder(tmp_path: Path) -> None:
    base = tmp_path / "demo-receipts"
    first = _receipts_folder(base, "Europe/Moscow")
    second = _receipts_folder(base, "Europe/Moscow")
    assert first != second and first.parent == second.parent == base
    assert first.is_dir() and second.is_dir()
