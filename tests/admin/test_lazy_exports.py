"""A started server has not loaded the libraries that only exports and charts need.

matplotlib (with numpy), openpyxl and fpdf2 (with fontTools) weigh some 60 MiB in every
worker; they are imported by the first chart, XLSX or PDF. Checked in a fresh process,
through the app's lifespan and a request, then again after an export loads them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The what-if's simulator too (`queue_server.simulation.whatif`): loaded by the first what-if.
HEAVY = (
    "matplotlib",
    "numpy",
    "openpyxl",
    "fpdf",
    "fontTools",
    "aiosmtplib",
    "queue_server.simulation.whatif",
    "admin.reports.whatif",
)

PROBE = """
import json, sys
from fastapi.testclient import TestClient
from queue_server.app import create_app
from queue_server.migrate import upgrade
from queue_server.settings import Settings

url = "sqlite:///" + sys.argv[1]
upgrade(url)
settings = Settings(database_url=url, scheduler_interval=0)
heavy = {heavy!r}
with TestClient(create_app(settings)) as client:
    assert client.get("/healthz").status_code == 200
    idle = sorted(m for m in heavy if m in sys.modules)
print(json.dumps({{"idle": idle}}))
"""


def test_a_started_server_has_no_export_libraries_loaded(tmp_path: Path) -> None:
    probe = PROBE.format(heavy=HEAVY)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "idle.sqlite3")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"idle": []}


def test_an_export_still_draws_its_chart_and_pdf() -> None:
    """The lazy imports are there when an export needs them (a fresh process again)."""
    probe = (
        "import sys\n"
        "from admin.reports.charts import render_chart\n"
        "from admin.reports.exports import to_pdf\n"
        f"assert not any(m in sys.modules for m in {HEAVY!r})\n"
        "from datetime import date, datetime, UTC\n"
        "from admin.reports.scope import Scope\n"
        "from admin.reports.tables import Report, Table\n"
        "tables = {k: Table(k, k, k, [], []) for k in "
        "('wait_by_hour', 'wait_by_service', 'wait_heatmap')}\n"
        "report = Report(Scope((), date(2026, 1, 1), date(2026, 1, 1)), "
        "datetime(2026, 1, 1, tzinfo=UTC), tables)\n"
        "assert render_chart(report, 'wait_by_hour', fmt='svg').startswith(b'<?xml')\n"
        "assert to_pdf(report).startswith(b'%PDF')\n"
        "assert 'matplotlib' in sys.modules and 'fpdf' in sys.modules\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
