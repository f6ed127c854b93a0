"""Registration numbers: sequential per office and year, without gaps (001 §3.10, R9)."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from queue_server.cases.models import CaseCounter


def format_registration_number(office_id: int, year: int, seq: int) -> str:
    """The printed number: office, year and sequence, ASCII only so it fits a barcode."""
    return f"{office_id}-{year}/{seq:06d}"


def next_registration_seq(*, session: Session, office_id: int, year: int) -> int:
    """Take the next sequence of the office's register for the year.

    One atomic upsert, as for ticket numbers: on PostgreSQL the counter row lock
    serialises concurrent registrations until commit; on SQLite the transaction
    already holds the write lock. The number is taken in the same transaction as
    the case row, so a failed registration rolls the counter back: no gaps.
    """
    table = CaseCounter.__table__
    assert isinstance(table, Table)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(table)
        .values(office_id=office_id, year=year, last_seq=1)
        .on_conflict_do_update(
            index_elements=["office_id", "year"],
            set_={"last_seq": table.c.last_seq + 1},
        )
        .returning(table.c.last_seq)
    )
    return int(session.execute(stmt).scalar_one())
