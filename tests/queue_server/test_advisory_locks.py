"""Advisory locks belong to the database, not to a schema: ours are keyed by the schema too.

Deployments (and the test runs of parallel workers) may share one PostgreSQL database in
separate schemas. An office's event-ordering lock keyed by the office id alone made office 1
of one schema wait for office 1 of every other (up to the lock timeout, then a 503), and a
roll-up running in one schema made every other schema's roll-up skip its pass.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from admin.reports.scheduled import ROLLUP_LOCK
from queue_server.clock import FakeClock
from queue_server.db import Database, advisory_key
from queue_server.events.service import emit
from queue_server.offices.models import Office
from queue_server.realtime.outbox import office_order_lock
from tests.support.databases import postgres_base_url

pytestmark = pytest.mark.postgres

#: Long enough for any wait to show, short enough to keep the test quick.
LOCK_TIMEOUT = "300ms"


@pytest.fixture
def admin() -> Iterator[Engine]:
    engine = create_engine(postgres_base_url())
    yield engine
    engine.dispose()


@pytest.fixture
def two_schemas(admin: Engine) -> Iterator[tuple[str, str]]:
    names = (f"mfcq_lock_a_{uuid.uuid4().hex[:8]}", f"mfcq_lock_b_{uuid.uuid4().hex[:8]}")
    with admin.begin() as conn:
        for name in names:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
    yield names
    with admin.begin() as conn:
        for name in names:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))


def _in(conn: Connection, schema: str) -> Connection:
    conn.execute(text(f'SET LOCAL search_path TO "{schema}"'))
    conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    return conn


def test_an_office_order_lock_in_one_schema_does_not_hold_up_the_same_office_in_another(
    admin: Engine, two_schemas: tuple[str, str]
) -> None:
    a, b = two_schemas
    with (
        admin.connect() as holder,
        admin.connect() as other,
        admin.connect() as same,
        holder.begin(),
    ):
        _in(holder, a).execute(select(office_order_lock(1)))
        with other.begin():
            _in(other, b).execute(select(office_order_lock(1)))  # granted at once
        with same.begin():
            _in(same, a).execute(select(office_order_lock(2)))  # another office: granted
        # The same office in the same schema still waits (and gives up after the timeout).
        with pytest.raises(OperationalError) as refused, same.begin():
            _in(same, a).execute(select(office_order_lock(1)))
        assert getattr(refused.value.orig, "sqlstate", None) == "55P03"


def test_a_roll_up_in_one_schema_does_not_make_another_schema_skip_its_own(
    admin: Engine, two_schemas: tuple[str, str]
) -> None:
    a, b = two_schemas
    with (
        admin.connect() as holder,
        admin.connect() as other,
        admin.connect() as same,
        holder.begin(),
    ):
        take = select(func.pg_try_advisory_xact_lock(advisory_key(ROLLUP_LOCK)))
        assert _in(holder, a).scalar(take) is True
        with other.begin():
            assert _in(other, b).scalar(take) is True
        with same.begin():
            assert _in(same, a).scalar(take) is False


def test_events_are_emitted_while_another_schema_holds_the_same_office(
    postgres_url: str, clock: FakeClock, admin: Engine, two_schemas: tuple[str, str]
) -> None:
    """The write path itself: an event of office 1 here, office 1 locked in another schema."""
    db = Database.from_url(postgres_url, write_wait_seconds=0.3)
    try:
        with db.transaction() as session:
            office = Office(code="central", name="Центральный", timezone="Europe/Moscow")
            session.add(office)
            session.flush()
            office_id = office.id
        with admin.connect() as holder, holder.begin():
            _in(holder, two_schemas[0]).execute(select(office_order_lock(office_id)))
            with db.transaction() as session:
                emit(
                    session=session, clock=clock, type="test.tick", office_id=office_id, payload={}
                )
        with db.transaction(read_only=True) as session:
            assert session.scalar(text("SELECT count(*) FROM events")) == 1
    finally:
        db.dispose()
