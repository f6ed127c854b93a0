"""R6 on a configuration import: a short schedule refuses the whole file, unless the file
gives the office's reason, which is recorded on the office and in the audit trail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from queue_server.audit.models import AuditEntry
from queue_server.catalogue.models import Agency, Service
from queue_server.cli import main
from queue_server.config_io import ConfigFile, import_config
from queue_server.db import Database
from queue_server.offices.exceptions import ScheduleBelowMinimum
from queue_server.offices.models import Office
from tests.support.world import World

FULL = {d: ["08:00", "19:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
SHORT = {**FULL, "thu": None, "fri": ["09:00", "15:00"]}  # three full days


def _config(**offices: dict[str, Any]) -> dict[str, Any]:
    return {
        "agencies": {"fns": {"name": "ФНС"}},
        "services": {"inn": {"name_ru": "ИНН", "prefix": "И", "kind": "intake", "agency": "fns"}},
        "offices": offices,
    }


def _counts(world: World) -> tuple[int, int, int]:
    with world.db.transaction(read_only=True) as session:
        return (
            int(session.scalar(select(func.count()).select_from(Office)) or 0),
            int(session.scalar(select(func.count()).select_from(Service)) or 0),
            int(session.scalar(select(func.count()).select_from(Agency)) or 0),
        )


def test_r6_a_short_schedule_refuses_the_whole_import_in_russian(world: World) -> None:
    """R6: one office under 5 days × 7 hours: nothing of the file is written, the refusal
    names the office and quotes the rule."""
    before = _counts(world)
    data = ConfigFile.model_validate(
        _config(
            east={"name": "МФЦ Восточный", "opening_hours": FULL},
            small={"name": "МФЦ Малый", "opening_hours": SHORT},
        )
    )
    with pytest.raises(ScheduleBelowMinimum) as refused, world.db.transaction() as session:
        import_config(session=session, data=data, clock=world.clock)
    error = refused.value
    assert error.code == "schedule_below_minimum"
    assert error.message == (
        "Конфигурация не загружена: офис должен работать не менее 5 дней в неделю, не менее "
        "7 часов в день, без перерыва на обед; таких дней в графике: «МФЦ Малый» (small) — 3. "
        "Исправьте часы работы или укажите в файле для офиса причину отступления от "
        "требования. Ничего не изменено."
    )
    assert _counts(world) == before


def test_r6_r16_a_reason_in_the_file_lets_it_stand_and_is_recorded(world: World) -> None:
    """R6, R16: with the office's reason the import passes; the office keeps the reason,
    «импорт конфигурации» and the time, and the audit trail has the override; importing
    the same file again keeps it, full hours clear it."""
    short = {"name": "МФЦ Малый", "opening_hours": SHORT, "schedule_override_reason": "ремонт"}
    with world.db.transaction() as session:
        import_config(
            session=session, data=ConfigFile.model_validate(_config(small=short)), clock=world.clock
        )
    with world.db.transaction(read_only=True) as session:
        office = session.scalars(select(Office).where(Office.code == "small")).one()
        assert (office.schedule_override_reason, office.schedule_override_by) == (
            "ремонт",
            "импорт конфигурации",
        )
        assert office.schedule_override_at == world.clock.now()
        entries = session.scalars(select(AuditEntry)).all()
        assert [(e.actor_kind, e.actor_name, e.action, e.target, e.detail) for e in entries] == [
            (
                "system",
                "импорт конфигурации",
                "office_changed",
                "small",
                {"schedule_override_reason": "ремонт"},
            )
        ]
    # The same hours again, without the reason (an export of the office carries it anyway):
    # the override stays, nothing new in the trail.
    world.clock.advance(hours=1)
    again = {"name": "МФЦ Малый", "opening_hours": SHORT}
    with world.db.transaction() as session:
        import_config(
            session=session, data=ConfigFile.model_validate(_config(small=again)), clock=world.clock
        )
    with world.db.transaction(read_only=True) as session:
        office = session.scalars(select(Office).where(Office.code == "small")).one()
        assert office.schedule_override_reason == "ремонт"
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1
    full = {"name": "МФЦ Малый", "opening_hours": FULL}
    with world.db.transaction() as session:
        import_config(
            session=session, data=ConfigFile.model_validate(_config(small=full)), clock=world.clock
        )
    with world.db.transaction(read_only=True) as session:
        office = session.scalars(select(Office).where(Office.code == "small")).one()
        assert office.schedule_override_reason is None and office.schedule_override_by is None


def test_r6_the_command_line_import_refuses_with_one_russian_line(tmp_path: Path) -> None:
    """R6: `mfc-queue config import` of a short schedule exits 2 with the rule's text and
    leaves the database as it was."""
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    runner = CliRunner()
    assert runner.invoke(main, ["--database-url", url, "init-db"]).exit_code == 0
    path = tmp_path / "short.json"
    body = _config(small={"name": "МФЦ Малый", "opening_hours": SHORT})
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    done = runner.invoke(main, ["--database-url", url, "config", "import", str(path)])
    assert done.exit_code == 2, done.output
    assert "не менее 5 дней в неделю" in done.output and "«МФЦ Малый» (small) — 3" in done.output
    assert "Traceback" not in done.output and len(done.output.strip().splitlines()) == 1
    db = Database.from_url(url)
    with db.transaction(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Service)) == 0
    db.dispose()
