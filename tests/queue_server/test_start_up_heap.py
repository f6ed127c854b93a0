"""A started server leaves what its start-up built out of the garbage collector's walks.

Without it, a full collection walked the 250,000 objects of the modules, mappers, routes and
statements every few hundred requests and stopped every request for 90–140 ms each time
(`benchmarks/README.md`, session 12). Run in a fresh interpreter: in the test process some
other test's app may have frozen the heap already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_PROBE = """
import gc, json, sys
from fastapi.testclient import TestClient
from queue_server.app import create_app
from queue_server.settings import Settings

app = create_app(Settings(database_url=sys.argv[1], scheduler_interval=0))
counts = [gc.get_freeze_count()]
with TestClient(app) as client:
    assert client.get("/healthz").status_code == 200
    counts.append(gc.get_freeze_count())
marker = ["made after the first start-up"]
with TestClient(app) as client:  # started again in the same process
    # Still the collector's (frozen objects are not in its lists).
    counts.append(any(o is marker for o in gc.get_objects()))
print(json.dumps(counts))
"""


def test_the_start_up_heap_is_frozen_once_a_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/heap.sqlite3"
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, url],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert done.returncode == 0, done.stderr
    before, started, still_collected = json.loads(done.stdout.strip().splitlines()[-1])
    assert before == 0
    assert started > 100_000  # the modules, mappers and routes, not a handful of objects
    assert still_collected  # a second start-up froze nothing more
