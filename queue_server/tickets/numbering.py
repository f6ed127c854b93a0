"""Ticket numbers per office, prefix and local day: А001 … А999, then wrap."""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

from sqlalchemy import String, Table, bindparam, cast, func, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from queue_server.db import prebuilt
from queue_server.errors import Conflict
from queue_server.tickets.history import transition_insert
from queue_server.tickets.models import (
    ACTIVE_STATUSES,
    EXPECTED,
    Ticket,
    TicketCounter,
    TicketTransition,
)

NUMBERS_PER_PREFIX = 999


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)  # a mapped class's table, for mypy
    return table


def format_number(prefix: str, seq: int) -> str:
    """The printed number for the day's `seq`-th ticket of a prefix (wraps after 999)."""
    return f"{prefix}{(seq - 1) % NUMBERS_PER_PREFIX + 1:03d}"


def _bump(session: Session, office_id: int, prefix: str, day: date) -> int:
    # One atomic upsert: the row lock it takes serialises concurrent issuers on PostgreSQL;
    # on SQLite the transaction already holds the write lock (BEGIN IMMEDIATE).
    statement = _prebuilt_bump(session.get_bind().dialect.name == "postgresql")
    values = {"office_id": office_id, "prefix": prefix, "day": day}
    # On the connection, not through the ORM's execute (a third of this call's cost): the
    # upsert reads and writes no mapped object.
    return int(session.connection().execute(statement, values).scalar_one())


@functools.cache
def _prebuilt_bump(postgresql: bool) -> Any:
    """`_bump_statement`, found in the compiled cache by a short key (`db.prebuilt`)."""
    return prebuilt(_bump_statement(postgresql))


@functools.cache
def _bump_statement(postgresql: bool) -> Any:
    """The counter's upsert, built once per dialect (issued on every ticket)."""
    table = TicketCounter.__table__
    assert isinstance(table, Table)  # a mapped class's table, for mypy
    insert = pg_insert if postgresql else sqlite_insert
    return (
        insert(table)
        .values(
            office_id=bindparam("office_id"),
            prefix=bindparam("prefix"),
            day=bindparam("day"),
            last_seq=1,
        )
        .on_conflict_do_update(
            index_elements=["office_id", "prefix", "day"],
            set_={"last_seq": table.c.last_seq + 1},
        )
        .returning(table.c.last_seq)
    )


def held_numbers(session: Session, office_id: int, prefix: str, day: date) -> set[str]:
    """The numbers of the prefix still held by tickets in the queue today."""
    return set(
        session.scalars(
            select(Ticket.number).where(
                Ticket.office_id == office_id,
                Ticket.day == day,
                Ticket.prefix == prefix,
                # A place taken from the phone holds its number until it lapses.
                Ticket.status.in_((*ACTIVE_STATUSES, EXPECTED)),
            )
        )
    )


def numbers_left(*, session: Session, office_id: int, prefix: str, day: date) -> bool:
    """Whether a number of the prefix can still be given today: two cheap reads, no lock."""
    last_seq = session.scalar(
        select(TicketCounter.last_seq).where(
            TicketCounter.office_id == office_id,
            TicketCounter.prefix == prefix,
            TicketCounter.day == day,
        )
    )
    if last_seq is None or last_seq < NUMBERS_PER_PREFIX:
        return True
    return len(held_numbers(session, office_id, prefix, day)) < NUMBERS_PER_PREFIX


def exhausted(prefix: str) -> Conflict:
    """The refusal when every number of the prefix is held by a ticket still in the queue."""
    return Conflict(code="numbers_exhausted", count=NUMBERS_PER_PREFIX, prefix=prefix)


def next_number(*, session: Session, office_id: int, prefix: str, day: date) -> tuple[int, str]:
    """The next (seq, number); after a wrap, numbers still in the queue are skipped.

    After the wrap the held numbers are read once and the free one is found in memory,
    then the counter jumps to it (we hold its row lock since the bump). Walking the
    counter one number per round trip used to keep the write lock for 0.45 s on every
    refused ticket once all 999 were held.
    """
    return number_from(session, office_id, prefix, day, _bump(session, office_id, prefix, day))


def number_from(
    session: Session, office_id: int, prefix: str, day: date, seq: int
) -> tuple[int, str]:
    """(seq, number) for a counter just bumped to `seq` (its row lock held): `seq` itself
    up to 999, after the wrap the first number no ticket in the queue holds."""
    if seq <= NUMBERS_PER_PREFIX:
        return seq, format_number(prefix, seq)
    held = held_numbers(session, office_id, prefix, day)
    for candidate in range(seq, seq + NUMBERS_PER_PREFIX):
        number = format_number(prefix, candidate)
        if number not in held:
            if candidate != seq:
                session.execute(
                    update(TicketCounter)
                    .where(
                        TicketCounter.office_id == office_id,
                        TicketCounter.prefix == prefix,
                        TicketCounter.day == day,
                    )
                    .values(last_seq=candidate)
                )
            return candidate, number
    raise exhausted(prefix)


def insert_numbered(
    session: Session, ticket: Ticket, transition: dict[str, Any]
) -> tuple[int, int | None]:
    """PostgreSQL: the counter's bump, the ticket and its first transition in one statement.

    Returns (seq, ticket id). The office's serialisation point (the counter's row lock) is
    then held for the rest of the transaction only: the event and the commit, two round
    trips instead of four. Past 999 (the wrap) nothing is inserted but the bump, and the
    id is None: the caller numbers the ticket with `number_from` under the lock it holds.
    `ticket` is transient, every column but id, seq and number set.
    """
    params = {f"t_{name}": value for name, value in column_values(ticket).items()}
    params.update({f"s_{name}": value for name, value in transition.items()})
    params.update(office_id=ticket.office_id, prefix=ticket.prefix, day=ticket.day)
    statement = _numbered_statement(tuple(transition))
    seq, ticket_id = session.connection().execute(statement, params).one()
    return int(seq), ticket_id


#: The ticket's columns the numbered insert sets from parameters (`t_<name>`).
_TICKET_COLUMNS = tuple(
    c.key for c in _table(Ticket).columns if c.key not in ("id", "seq", "number")
)


@functools.cache
def _numbered_statement(transition_columns: tuple[str, ...]) -> Any:
    """`insert_numbered`'s statement, built once (a request only binds its values)."""
    tickets, transitions = _table(Ticket), _table(TicketTransition)
    bump = _bump_statement(True).cte("bump")
    values = [bindparam(f"t_{name}", type_=tickets.c[name].type) for name in _TICKET_COLUMNS]
    number = bindparam("prefix", type_=String) + func.lpad(cast(bump.c.last_seq, String), 3, "0")
    numbered = select(
        *(v.label(name) for v, name in zip(values, _TICKET_COLUMNS, strict=True)),
        bump.c.last_seq.label("seq"),
        number.label("number"),
    ).where(bump.c.last_seq <= NUMBERS_PER_PREFIX)
    inserted = (
        tickets.insert()
        .from_select([*_TICKET_COLUMNS, "seq", "number"], numbered)
        .returning(tickets.c.id)
        .cte("ticket")
    )
    first_step = transitions.insert().from_select(
        ["ticket_id", *transition_columns],
        select(
            inserted.c.id,
            *(
                bindparam(f"s_{k}", type_=transitions.c[k].type).label(k)
                for k in transition_columns
            ),
        ),
    )
    return prebuilt(
        select(bump.c.last_seq, inserted.c.id)
        .select_from(bump.outerjoin(inserted, true()))
        .add_cte(first_step.cte("first_step"))
    )


def insert_ticket_and_step(session: Session, ticket: Ticket, transition: dict[str, Any]) -> int:
    """SQLite: a numbered ticket and its first transition, two Core statements built once.

    SQLite has no INSERT inside WITH, so the ticket and its transition cannot join the
    counter's bump as on PostgreSQL (`insert_numbered`); as statements of their own they
    still cost a fraction of an ORM flush each. Returns the ticket's id. `ticket` is
    transient, every column but id set.
    """
    row = {f"t_{name}": value for name, value in column_values(ticket).items()}
    row.update(t_seq=ticket.seq, t_number=ticket.number)
    connection = session.connection()
    ticket_id = int(connection.execute(_ticket_insert(), row).scalar_one())
    step = {f"s_{name}": value for name, value in transition.items()}
    connection.execute(transition_insert(tuple(transition)), {"s_ticket_id": ticket_id, **step})
    return ticket_id


@functools.cache
def _ticket_insert() -> Any:
    tickets = _table(Ticket)
    names = (*_TICKET_COLUMNS, "seq", "number")
    values = {name: bindparam(f"t_{name}", type_=tickets.c[name].type) for name in names}
    return prebuilt(tickets.insert().values(values).returning(tickets.c.id))


def column_values(ticket: Ticket) -> dict[str, Any]:
    """The row of a transient ticket, its columns' defaults filled in on the object too
    (so that nothing is left to load once it is attached), without id, seq and number."""
    row: dict[str, Any] = {}
    state = ticket.__dict__
    columns = _table(Ticket).c
    for name in _TICKET_COLUMNS:
        if name not in state:
            default = columns[name].default
            value = None
            if default is not None and getattr(default, "is_scalar", False):
                value = default.arg  # type: ignore[attr-defined]
            setattr(ticket, name, value)
        row[name] = state[name]
    return row
