"""Complaint numbers: sequential per office and calendar year, without gaps."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from queue_server.complaints.models import ComplaintCounter


def format_complaint_number(office_code: str, year: int, seq: int) -> str:
    """The number people read and quote: «Ж-central-2026/0001»."""
    return f"Ж-{office_code}-{year}/{seq:04d}"


def next_complaint_seq(*, session: Session, office_id: int, year: int) -> int:
    """Take the next number of the office's complaints register for the year.

    One atomic upsert, as for the case register: the counter row's lock serialises
    concurrent registrations on PostgreSQL; a failed registration rolls it back with the
    complaint, so the register keeps no gap.
    """
    table = ComplaintCounter.__table__
    assert isinstance(table, Table)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(table)
        .values(office_id=office_id, year=year, last_seq=1)
        .on_conflict_do_update(
            index_elements=["office_id", "year"], set_={"last_seq": table.c.last_seq + 1}
        )
        .returning(table.c.last_seq)
    )
    return int(session.execute(stmt).scalar_one())
