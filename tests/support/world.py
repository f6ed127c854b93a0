"""The configured world of the tests: two offices, their staff, devices and tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from queue_server.auth.models import User
from queue_server.auth.service import add_device, create_token, hash_password
from queue_server.clock import FakeClock
from queue_server.config_io import ConfigFile, import_config
from queue_server.db import Database
from queue_server.offices.models import Office

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
