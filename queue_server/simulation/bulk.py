"""Rows written in bulk straight through the database driver (the demo's past).

SQLAlchemy's Core `executemany` spends most of a bulk insert building each row's
parameters (about 25 µs a row for the month of the demo's past: 80,000 rows) and, with
RETURNING, batches the rows into multi-row statements to read their ids back. Here:

- the ids are taken before the insert, in the writing transaction (`new_ids`): on
  SQLite the next ones after the table's largest (a write transaction holds the
  database's write lock, so nobody else takes them); on PostgreSQL from the column's own
  sequence, so the server's later inserts go on after them;
- the values are converted by each column type's own bind processor (`processors`), the
  conversion SQLAlchemy itself applies, so the stored values are the ones an ORM insert
  would store; callers that write a template's rows many times convert them once and
  only move their instants (`history.py`);
- one `INSERT` per table goes to the driver's `executemany` with the tuples as they are;
  on PostgreSQL (psycopg) one `COPY … FROM STDIN` instead, which spares the server a
  statement per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnDefault, Table, func, select
from sqlalchemy.orm import Session

Processor = Callable[[Any], Any] | None

_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


class BulkRows:
    """Bulk inserts on the connection of `session`'s open transaction."""

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()
        self.dialect = self.connection.dialect
        mark = _MARKS.get(self.dialect.paramstyle)
        if mark is None:
            raise ValueError(f"unsupported parameter style {self.dialect.paramstyle}")
        self._mark = mark

    def processors(self, table: Table, columns: Sequence[str]) -> list[Processor]:
        """Each column's bind processor on this database (None: the value as it is)."""
        return [
            table.c[name].type.dialect_impl(self.dialect).bind_processor(self.dialect)
            for name in columns
        ]

    def new_ids(self, table: Table, count: int) -> list[int]:
        """`count` fresh ids of `table` (an integer `id` column), taken for this transaction."""
        if count <= 0:
            return []
        if self.dialect.name == "sqlite":
            top = self.connection.execute(select(func.max(table.c.id))).scalar() or 0
            return list(range(top + 1, top + count + 1))
        if self.dialect.name == "postgresql":
            rows = self.connection.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                (table.name, count),
            )
            return [int(r[0]) for r in rows]
        raise ValueError(f"no bulk ids for {self.dialect.name}")

    def insert(self, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Insert the rows, already converted (`processors`), in one `executemany`."""
        values = [tuple(row) for row in rows]
        if not values:
            return 0
        quote = self.dialect.identifier_preparer
        target = "{} ({})".format(
            quote.format_table(table), ", ".join(quote.quote(name) for name in columns)
        )
        if self.dialect.driver == "psycopg":
            # COPY: one stream for the rows, where an executemany is a statement per row
            # for the server to parse, plan and execute (PostgreSQL's share of the copy).
            raw = self.connection.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return len(values)
        marks = ", ".join([self._mark] * len(columns))
        self.connection.exec_driver_sql(f"INSERT INTO {target} VALUES ({marks})", values)
        return len(values)

    def insert_dicts(
        self, model: Any, rows: list[dict[str, Any]], *, with_ids: bool = False
    ) -> list[int]:
        """Insert plain rows of a mapped class (converted here); with `with_ids` each gets
        a fresh id, and the ids come back in the rows' order. A column no row gives takes
        its scalar default or NULL; a column with a computed default must be given."""
        if not rows:
            return []
        table: Table = model.__table__
        given = {key for row in rows for key in row}
        columns = [c.name for c in table.columns if c.name != "id" or with_ids or "id" in given]
        fallback: dict[str, Any] = {}
        for name in columns:
            column = table.c[name]
            if name == "id" or (name in given and all(name in row for row in rows)):
                continue
            default = column.default
            if default is None:
                fallback[name] = None
            elif isinstance(default, ColumnDefault) and default.is_scalar:
                fallback[name] = default.arg
            else:
                raise ValueError(f"{table.name}.{name}: give a value (its default is computed)")
        ids = self.new_ids(table, len(rows)) if with_ids else []
        processors = self.processors(table, columns)
        out = []
        for n, row in enumerate(rows):
            values = []
            for name, process in zip(columns, processors, strict=True):
                value = ids[n] if with_ids and name == "id" else row.get(name, fallback.get(name))
                values.append(value if process is None else process(value))
            out.append(values)
        self.insert(table, columns, out)
        return ids
