"""The mfc-queue command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from queue_server.auth.models import Device, User
from queue_server.catalogue.models import Service
from queue_server.cli import main
from queue_server.db import Database
from queue_server.simulation import demo_days
from queue_server.windows.models import Window


def run(url: str, *args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["--database-url", url, *args], input=input, catch_exceptions=False
    )
    return result.exit_code, result.output


def test_demo_seeds_a_realistic_office(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    # A small simulated past keeps the test short (the demo's own Monday has 380).
    code, out = run(
        url, "demo", "--seed-only", "--no-browser", "--port", "8123", "--history-applicants", "40"
    )
    assert code == 0, out
    assert re.search(r"demo history: \d+ past days, \d+ tickets, \d+ cases", out), out
    assert (
        "http://127.0.0.1:8123/docs" in out
        and "kiosk-1: dev_" in out
        and "ivanova / demo-password" in out
    )
    db = Database.from_url(url)
    with db.transaction(read_only=True) as s:
        services = s.scalars(select(Service)).all()
        assert len(services) == 12
        assert {sv.kind for sv in services} == {"intake", "issuance", "consultation"}
        assert sum(1 for sv in services if len(sv.variants) >= 2) >= 2
        assert all(sv.documents for sv in services if sv.kind == "intake")
        assert s.scalar(select(func.count()).select_from(Window)) == 6
        assert s.scalar(select(func.count()).select_from(User).where(User.role == "clerk")) == 6
        kinds = [d.kind for d in s.scalars(select(Device).where(Device.revoked.is_(False)))]
        assert sorted(kinds) == ["board", "kiosk", "kiosk", "led"]
    db.dispose()
    # A second run refreshes the demo without duplicating it, its past included.
    code, out = run(url, "demo", "--seed-only", "--no-browser")
    assert code == 0, out
    assert "demo history: already in place" in out


def test_the_demos_own_past_comes_from_the_shipped_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make demo` as it is: the demo's own configuration, so the template days come
    from the shipped file (not simulated) and the month is copied with its cases and
    ratings; the other test's `--history-applicants` simulates them instead."""

    def must_not_simulate(**_kwargs: object) -> None:
        raise AssertionError("the demo's own template days are in the shipped file")

    monkeypatch.setattr(demo_days, "simulate_templates", must_not_simulate)
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    code, out = run(url, "demo", "--seed-only", "--no-browser")
    assert code == 0, out
    found = re.search(
        r"demo history: (\d+) past days, (\d+) tickets, (\d+) cases, (\d+) ratings", out
    )
    assert found, out
    days, tickets, cases, ratings = (int(n) for n in found.groups())
    assert days >= 20 and tickets > 250 * days and cases > 0 and ratings > 0


def test_create_user_and_device_add(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert run(url, "init-db")[0] == 0
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"offices": {"o1": {"name": "Офис 1"}}}), encoding="utf-8")
    assert run(url, "config", "import", str(config)) == (
        0,
        "agencies: 0, service_groups: 0, "
        "priority_categories: 0, services: 0, offices: 1, windows: 0\n",
    )
    code, out = run(
        url,
        "create-user",
        "anna",
        "--role",
        "clerk",
        "--office",
        "o1",
        input="secret-pass\nsecret-pass\n",
    )
    assert code == 0 and "created clerk anna" in out
    code, out = run(url, "device", "add", "--office", "o1", "--kind", "kiosk", "--name", "k1")
    assert code == 0 and out.strip().startswith("dev_")
    code, out = run(url, "device", "add", "--office", "nope", "--kind", "kiosk", "--name", "k1")
    assert code == 2 and "офиса с кодом «nope» нет" in out
    code, out = run(
        url, "create-user", "bob", "--role", "clerk", input="secret-pass\nsecret-pass\n"
    )
    assert code == 2 and "приписан к офису" in out


def test_config_export_then_import_round_trips(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    target = f"sqlite:///{tmp_path / 'b.sqlite3'}"
    run(source, "demo", "--seed-only", "--no-browser", "--no-history")
    code, exported = run(source, "config", "export")
    assert code == 0
    path = tmp_path / "export.json"
    path.write_text(exported, encoding="utf-8")
    run(target, "init-db")
    code, out = run(target, "config", "import", str(path))
    assert code == 0 and "services: 12" in out and "windows: 6" in out
    assert run(target, "config", "export")[1] == exported


def test_config_import_reports_a_bad_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    run(url, "init-db")
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"services": {"s": {"name_ru": "x", "prefix": "7", "kind": "intake"}}})
    )
    code, out = run(url, "config", "import", str(bad))
    assert code == 2 and "одна буква" in out and "Traceback" not in out
    assert len(out.strip().splitlines()) == 1, out
