"""The configuration each server process keeps in memory for the write path.

Issuing a ticket and calling the next one read the same few configuration rows every
time: the office, the service, the priority category, which services an active window
serves, the office's calendar overrides. Those change a few times a day; tickets are
issued thousands of times. Each app keeps them here (`Runtime.config`), and the write path
reads none of them from the database.

Freshness: every configuration write (an office, its calendar, a service, a category, a
window or what it serves; from the API, the admin pages, a config import or a test's
world) stamps `config_version` with a new random stamp in the same transaction (the
`after_flush` hook below, installed for every `Database`). The issue and call-next paths
read that stamp inside a statement they make anyway, and a stamp different from the
cache's means "reload before going on". So a service edited through the API, in any
process, is seen by the very next issue in every process, with no extra round trip and
without relying on a notification that could be lost. A clerk taking, pausing or leaving
a window is not configuration (the window row's state columns): it does not stamp.

The objects kept are detached ORM rows, **read only**: nothing may change them, and they
are never added to a session (a ticket gets its service's id, not the object, while a
session holds it).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, event, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.sql.selectable import ScalarSelect

from queue_server.catalogue.models import PriorityCategory, Service
from queue_server.offices.models import ConfigVersion, Office, OfficeDay
from queue_server.windows.models import Window, WindowService

#: The tables whose rows the cache holds (a write to any of them stamps a new version).
CONFIG_TABLES = frozenset(
    {"offices", "office_days", "services", "priority_categories", "windows", "window_services"}
)
#: A window's columns that clerks change all day: the window's state, not configuration.
WINDOW_STATE = frozenset({"clerk_id", "paused", "pause_reason"})
#: Calendar overrides kept: from two days before the day loaded to this many after it
#: (`next_opening` looks 60 local days ahead).
DAYS_AHEAD = 62


def stamp_now() -> ScalarSelect[Any]:
    """The current stamp as a scalar subquery, to ride along in another statement."""
    return select(ConfigVersion.stamp).where(ConfigVersion.id == 1).scalar_subquery()


# --- stamping every configuration write --------------------------------------------


def install_config_stamp_hook() -> None:
    """Stamp a new configuration version in every flush that writes configuration; idempotent."""
    if not event.contains(Session, "after_flush", _stamp_if_configuration):
        event.listen(Session, "after_flush", _stamp_if_configuration)


def _is_configuration(obj: Any, session: Session, dirty: bool) -> bool:
    table = getattr(obj, "__tablename__", None)
    if table not in CONFIG_TABLES:
        return False
    if not dirty:
        return True
    state = inspect(obj)
    if table == "windows":
        return any(
            state.attrs[attr.key].history.has_changes()
            for attr in state.mapper.column_attrs
            if attr.key not in WINDOW_STATE
        )
    return session.is_modified(obj, include_collections=False)


def _stamp_if_configuration(session: Session, _flush: UOWTransaction) -> None:
    # after_flush still lists what the flush wrote (new, dirty, deleted).
    changed = any(_is_configuration(o, session, False) for o in session.new) or any(
        _is_configuration(o, session, False) for o in session.deleted
    )
    if not changed:
        changed = any(_is_configuration(o, session, True) for o in session.dirty)
    if not changed:
        return
    connection = session.connection()
    table = ConfigVersion.__table__
    assert isinstance(table, Table)
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    stamp = secrets.randbits(62)
    connection.execute(
        insert(table)
        .values(id=1, stamp=stamp)
        .on_conflict_do_update(index_elements=["id"], set_={"stamp": stamp})
    )


# --- the snapshot ---------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigSnapshot:
    """The configuration at one stamp (detached, read-only rows)."""

    stamp: int | None
    offices: dict[str, Office]
    services: dict[str, Service]
    services_by_id: dict[int, Service]
    categories: dict[str, PriorityCategory]  # active ones, by code
    categories_by_id: dict[int, PriorityCategory]  # all, by id
    offered: frozenset[tuple[int, int]]  # (office id, service id) an active window serves
    first_day: date
    last_day: date
    days: dict[int, dict[date, OfficeDay]] = field(default_factory=dict)

    def covers(self, day: date) -> bool:
        """Whether the overrides kept reach `next_opening`'s horizon from this local day."""
        return self.first_day <= day and day + timedelta(days=60) <= self.last_day

    def overrides(self, office_id: int) -> dict[date, OfficeDay]:
        """The office's calendar overrides kept (by local date)."""
        return self.days.get(office_id, {})


def load_snapshot(session: Session, *, stamp: int | None, around: date) -> ConfigSnapshot:
    """Read the configuration (five queries) for the stamp read in the same transaction."""
    offices = {o.code: o for o in session.scalars(select(Office))}
    services = list(session.scalars(select(Service)))
    categories = list(session.scalars(select(PriorityCategory)))
    offered = frozenset(
        (office_id, service_id)
        for office_id, service_id in session.execute(
            select(Window.office_id, WindowService.service_id)
            .join(WindowService, WindowService.window_id == Window.id)
            .where(Window.active.is_(True))
            .distinct()
        )
    )
    first, last = around - timedelta(days=2), around + timedelta(days=DAYS_AHEAD)
    days: dict[int, dict[date, OfficeDay]] = {}
    for row in session.scalars(select(OfficeDay).where(OfficeDay.day.between(first, last))):
        days.setdefault(row.office_id, {})[row.day] = row
    # Out of the session at once: a rollback of this transaction (a refusal raised later
    # in it) would otherwise expire the rows every thread reads.
    loaded: tuple[Any, ...] = (
        *offices.values(),
        *services,
        *categories,
        *(d for m in days.values() for d in m.values()),
    )
    for instance in loaded:
        session.expunge(instance)
    return ConfigSnapshot(
        stamp=stamp,
        offices=offices,
        services={s.code: s for s in services},
        services_by_id={s.id: s for s in services},
        categories={c.code: c for c in categories if c.active},
        categories_by_id={c.id: c for c in categories},
        offered=offered,
        first_day=first,
        last_day=last,
        days=days,
    )


class ConfigCache:
    """One app's configuration, reloaded when the stamp read differs.

    Owned by the app's `Runtime` (one per started app), never a module global: two apps
    in one process (tests, a benchmark) each keep their own, so neither can be served
    rows the other loaded from another database.
    """

    def __init__(self) -> None:
        self._snapshot: ConfigSnapshot | None = None
        self._lock = threading.Lock()
        self.loads = 0  # how many times it was read from the database (tests, benchmarks)

    def current(self) -> ConfigSnapshot | None:
        """The snapshot held now (maybe stale: check its stamp against the database's)."""
        return self._snapshot

    def fresh(self, session: Session, *, stamp: int | None, now: datetime) -> ConfigSnapshot:
        """The snapshot for `stamp` (read in this session's transaction), loaded if needed.

        One load at a time: after a configuration change every request in flight finds
        the snapshot stale, and each loading its own copy made the process do the load as
        many times over, all at once. The others wait for the one loading and take its
        snapshot when its stamp is theirs (the same stamp is the same configuration). The
        load only reads, so it never waits for a lock a waiting request holds.
        """
        today = now.date()
        snapshot = self._snapshot
        if snapshot is not None and snapshot.stamp == stamp and snapshot.covers(today):
            return snapshot
        with self._lock:
            snapshot = self._snapshot
            if snapshot is not None and snapshot.stamp == stamp and snapshot.covers(today):
                return snapshot
            loaded = load_snapshot(session, stamp=stamp, around=today)
            self._snapshot = loaded
            self.loads += 1
        return loaded

    def read_stamp(self, session: Session) -> int | None:
        """The stamp, read on its own (when no other statement could carry it)."""
        return session.scalar(select(stamp_now()))
