"""The configured world of the tests: two offices, their staff, devices and tokens."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.pool import QueuePool

from queue_server.agreements.service import agree_for_every_agency
from queue_server.auth.models import User
from queue_server.auth.service import add_device, create_token, hash_password
from queue_server.clock import FakeClock
from queue_server.config_io import ConfigFile, import_config
from queue_server.db import Database
from queue_server.offices.calendar import local_now
from queue_server.offices.models import Office
from tests.support.databases import PostgresSchema, postgres_base_url

# Monday 23 November 2026, 10:00 in Moscow: the office is open. Every test lives on this
# fake instant (or moves its clock from it); no server of a test runs on the wall clock.
MONDAY_10 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)

PASSWORD = "password123"
# Hashing is deliberately slow; hash once per session, not per user per test.
PASSWORD_HASH = hash_password(PASSWORD)

WEEKDAYS_8_19 = {d: ["08:00", "19:00"] for d in ("mon", "tue", "wed", "thu", "fri")}

CONFIG: dict[str, Any] = {
    "agencies": {"mvd": {"name": "МВД"}},
    "service_groups": {"docs": {"name_ru": "Документы", "position": 1}},
    "priority_categories": {
        "disabled": {"name_ru": "Инвалиды", "rank": 1},
        "large_family": {"name_ru": "Многодетные", "rank": 2},
    },
    "services": {
        "passport": {
            "name_ru": "Паспорт",
            "prefix": "А",
            "kind": "intake",
            "group": "docs",
            "agency": "mvd",
            "documents": [{"name_ru": "Заявление"}],
        },
        "results": {"name_ru": "Выдача результатов", "prefix": "К", "kind": "issuance"},
        "consult": {"name_ru": "Консультация", "prefix": "М", "kind": "consultation"},
        "archive": {
            "name_ru": "Архив (нигде не обслуживается)",
            "prefix": "Я",
            "kind": "consultation",
        },
    },
    "offices": {
        "central": {
            "name": "МФЦ Центральный",
            "opening_hours": {**WEEKDAYS_8_19, "sat": ["10:00", "14:00"], "sun": None},
            "windows": {
                "1": {
                    "services": [
                        {"service": "passport", "order": 1},
                        {"service": "consult", "order": 2},
                    ]
                },
                "2": {"services": [{"service": "passport"}, {"service": "results"}]},
                "3": {"services": [{"service": "results"}]},
                "4": {"services": [{"service": "consult"}]},
            },
        },
        "north": {
            "name": "МФЦ Северный",
            "opening_hours": WEEKDAYS_8_19,
            "windows": {"1": {"services": [{"service": "passport"}]}},
        },
    },
}

USERS = [
    ("admin", "admin", None),
    ("manager", "manager", "central"),
    ("clerk1", "clerk", "central"),
    ("clerk2", "clerk", "central"),
    ("clerk3", "clerk", "central"),
    ("north_clerk", "clerk", "north"),
    ("north_manager", "manager", "north"),
]

DEVICES = [
    ("central", "kiosk", "kiosk"),
    ("central", "board", "board"),
    ("north", "kiosk", "north_kiosk"),
]


@dataclass
class World:
    """The configured offices with tokens for every user and device."""

    db: Database
    clock: FakeClock
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        """Authorization headers of a user or device."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def build_world(db: Database, clock: FakeClock) -> World:
    """Configure two offices, their staff and devices."""
    world = World(db=db, clock=clock)
    with db.transaction() as session:
        import_config(session=session, data=ConfigFile.model_validate(CONFIG))
        offices = {o.code: o for o in session.scalars(select(Office))}
        # R18: the agency serves under an agreement over its services (a year's, begun a
        # month before the world's day), as the demo's agencies do.
        today = local_now(offices["central"], clock.now()).date()
        agree_for_every_agency(session=session, clock=clock, today=today, announce=False)
        for username, role, office_code in USERS:
            user = User(
                username=username,
                full_name=username.title(),
                password_hash=PASSWORD_HASH,
                role=role,
                office_id=offices[office_code].id if office_code else None,
            )
            session.add(user)
            session.flush()
            world.tokens[username] = create_token(
                session=session,
                clock=clock,
                user=user,
                ttl=timedelta(days=1000),  # tests jump the clock by months
            )
        for office_code, kind, name in DEVICES:
            _device, token = add_device(
                session=session, clock=clock, office=offices[office_code], kind=kind, name=name
            )
            world.tokens[name] = token
    return world


class WorldTemplates:
    """The world built once per session and backend, copied into each test's database.

    Building it (the configuration import, users, tokens, devices) costs more than most
    tests; a test whose clock is still on MONDAY_10 and whose database nobody has touched
    gets a copy of the rows instead: the SQLite file, or the PostgreSQL template schema's
    rows with its sequences. Tokens are the template's (each test has its own database).
    """

    def __init__(self, sqlite_template: Path, folder: Path) -> None:
        self._sqlite_template = sqlite_template
        self._folder = folder
        self._sqlite: tuple[Path, dict[str, str]] | None = None
        self._postgres: tuple[PostgresSchema, str, dict[str, str]] | None = None

    def world(self, db: Database, clock: FakeClock) -> World:
        """The configured world on `db` (fresh and empty), copied when it can be."""
        pool = db.engine.pool
        untouched = isinstance(pool, QueuePool) and pool.checkedin() + pool.checkedout() == 0
        if clock.now() != MONDAY_10 or not untouched:
            return build_world(db, clock)
        if db.is_sqlite:
            path, tokens = self._sqlite_world()
            target = Path(str(db.engine.url.database))
            db.dispose()
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copy(path, target)
        else:
            statement, tokens = self._postgres_world()
            with db.engine.begin() as conn:
                conn.exec_driver_sql(statement)
        return World(db=db, clock=clock, tokens=dict(tokens))

    def _sqlite_world(self) -> tuple[Path, dict[str, str]]:
        if self._sqlite is None:
            path = self._folder / "world.sqlite3"
            shutil.copy(self._sqlite_template, path)
            db = Database.from_url(f"sqlite:///{path}")
            try:
                tokens = build_world(db, FakeClock(MONDAY_10)).tokens
            finally:
                db.dispose()
            self._sqlite = (path, tokens)
        return self._sqlite[0], self._sqlite[1]

    def _postgres_world(self) -> tuple[str, dict[str, str]]:
        if self._postgres is None:
            schema = PostgresSchema(postgres_base_url())
            db = Database.from_url(schema.url)
            try:
                tokens = build_world(db, FakeClock(MONDAY_10)).tokens
            finally:
                db.dispose()
            self._postgres = (schema, schema.copy_statement(), tokens)
        return self._postgres[1], self._postgres[2]

    def close(self) -> None:
        """Drop the PostgreSQL template schema."""
        if self._postgres is not None:
            self._postgres[0].drop()
            self._postgres = None
