"""Reports read from a replica (`MFCQ_REPORTS_DATABASE_URL`), exports write on the primary.

The replica here is a snapshot of the primary's SQLite file taken before a ticket was
issued and called: a report served with the replica set equals the snapshot's report and
differs from the primary's, while an export's audit entry (R16) lands on the primary.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import func, select

from queue_server.audit.models import AuditEntry
from queue_server.clock import FakeClock
from queue_server.db import Database
from tests.support.app import make_client
from tests.support.world import World, build_world


def _snapshot(source_url: str, target: Path) -> str:
    prefix = "sqlite:///"
    with sqlite3.connect(source_url[len(prefix) :]) as src, sqlite3.connect(target) as dst:
        src.backup(dst)  # the committed state, WAL included
    return f"{prefix}{target}"


def _audit_exports(db: Database) -> int:
    with db.transaction(read_only=True) as session:
        return int(
            session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "export")
            )
            or 0
        )


def test_reports_come_from_the_replica_and_exports_are_audited_on_the_primary(
    sqlite_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    primary = Database.from_url(sqlite_url)
    world = build_world(primary, clock)
    replica_url = _snapshot(sqlite_url, tmp_path / "replica.sqlite3")
    day = clock.now().date().isoformat()
    params = {"from": day, "to": day, "office": "central"}

    def report(db: Database) -> dict[str, object]:
        with make_client(World(db, clock, world.tokens)) as api:
            answer = api.get("/api/v1/reports", params=params, headers=world.auth("manager"))
            assert answer.status_code == 200, answer.text
            body: dict[str, object] = answer.json()
            return body

    with make_client(world) as api:
        issued = api.post(
            "/api/v1/offices/central/tickets",
            json={"service": "passport"},
            headers=world.auth("kiosk"),
        )
        assert issued.status_code == 201, issued.text
        taken = api.post("/api/v1/offices/central/windows/1/take", headers=world.auth("clerk1"))
        assert taken.status_code == 200, taken.text
        called = api.post(
            "/api/v1/offices/central/windows/1/call-next", headers=world.auth("clerk1")
        )
        assert called.status_code == 200, called.text

    with_replica = Database.from_url(sqlite_url, reports_url=replica_url)
    snapshot = Database.from_url(replica_url)
    try:
        via_replica = report(with_replica)
        assert via_replica == report(snapshot)
        assert via_replica != report(primary)

        before = _audit_exports(primary)
        with make_client(World(with_replica, clock, world.tokens)) as api:
            export = api.get(
                "/api/v1/reports/export.csv", params=params, headers=world.auth("manager")
            )
            assert export.status_code == 200, export.text
        assert _audit_exports(primary) == before + 1
        assert _audit_exports(snapshot) == 0
    finally:
        for db in (with_replica, snapshot, primary):
            db.dispose()
