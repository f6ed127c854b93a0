"""Ticket numbers per office, prefix and local day: А001 … А999, then wrap."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Table, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from queue_server.errors import Conflict
from queue_server.tickets.models import ACTIVE_STATUSES, Ticket, TicketCounter

NUMBERS_PER_PREFIX = 999


def format_number(prefix: str, seq: int) -> str:
    """The printed number for the day's `seq`-th ticket of a prefix (wraps after 999)."""
    return f"{prefix}{(seq - 1) % NUMBERS_PER_PREFIX + 1:03d}"


def _bump(session: Session, office_id: int, prefix: str, day: date) -> int:
    # One atomic upsert: the row lock it takes serialises concurrent issuers on PostgreSQL;
    # on SQLite the transaction already holds the write lock (BEGIN IMMEDIATE).
    table = TicketCounter.__table__
    assert isinstance(table, Table)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(table)
        .values(office_id=office_id, prefix=prefix, day=day, last_seq=1)
        .on_conflict_do_update(
            index_elements=["office_id", "prefix", "day"],
            set_={"last_seq": table.c.last_seq + 1},
        )
        .returning(table.c.last_seq)
    )
    return int(session.execute(stmt).scalar_one())


def next_number(*, session: Session, office_id: int, prefix: str, day: date) -> tuple[int, str]:
    """The next (seq, number); after a wrap, numbers still in the queue are skipped."""
    for _ in range(NUMBERS_PER_PREFIX):
        seq = _bump(session, office_id, prefix, day)
        number = format_number(prefix, seq)
        if seq <= NUMBERS_PER_PREFIX:
            return seq, number
        in_use = session.scalar(
            select(
                exists().where(
                    Ticket.office_id == office_id,
                    Ticket.day == day,
                    Ticket.number == number,
                    Ticket.status.in_(ACTIVE_STATUSES),
                )
            )
        )
        if not in_use:
            return seq, number
    raise Conflict(
        f"All {NUMBERS_PER_PREFIX} numbers of prefix {prefix} are held by tickets still in the "
        "queue; no new number can be given until some are served.",
        code="numbers_exhausted",
    )
