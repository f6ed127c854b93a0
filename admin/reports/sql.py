"""Portable SQL pieces: durations and local calendar fields on SQLite and PostgreSQL.

Datetimes are stored as naive UTC (queue_server.db.UTCDateTime). Each construct below
compiles to the native arithmetic of the backend, so a report runs as one statement and
both backends return the same integers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from queue_server.db import elapsed_seconds


class seconds_between(FunctionElement[int]):
    """Whole seconds from the first datetime to the second (rounded), NULL if either is."""

    type = Integer()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between)
def _seconds(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = list(element.clauses)
    return f"CAST(ROUND({compiler.process(elapsed_seconds(start, end), **kw)}) AS INTEGER)"


class local_hour(FunctionElement[int]):
    """Hour of day (0–23) of a UTC datetime shifted by an offset in seconds."""

    type = Integer()
    inherit_cache = True
    name = "local_hour"


@compiles(local_hour, "sqlite")
def _hour_sqlite(element: local_hour, compiler: SQLCompiler, **kw: Any) -> str:
    at, offset = list(element.clauses)
    return (
        f"CAST(strftime('%H', {compiler.process(at, **kw)}, "
        f"({compiler.process(offset, **kw)}) || ' seconds') AS INTEGER)"
    )


@compiles(local_hour, "postgresql")
def _hour_pg(element: local_hour, compiler: SQLCompiler, **kw: Any) -> str:
    at, offset = list(element.clauses)
    return (
        f"CAST(EXTRACT(HOUR FROM {compiler.process(at, **kw)} + "
        f"({compiler.process(offset, **kw)}) * INTERVAL '1 second') AS INTEGER)"
    )


class local_isodow(FunctionElement[int]):
    """ISO weekday (Monday 1 … Sunday 7) of a UTC datetime shifted by an offset in seconds."""

    type = Integer()
    inherit_cache = True
    name = "local_isodow"


@compiles(local_isodow, "sqlite")
def _dow_sqlite(element: local_isodow, compiler: SQLCompiler, **kw: Any) -> str:
    at, offset = list(element.clauses)
    # strftime %w: Sunday 0 … Saturday 6.
    return (
        f"((CAST(strftime('%w', {compiler.process(at, **kw)}, "
        f"({compiler.process(offset, **kw)}) || ' seconds') AS INTEGER) + 6) % 7 + 1)"
    )


@compiles(local_isodow, "postgresql")
def _dow_pg(element: local_isodow, compiler: SQLCompiler, **kw: Any) -> str:
    at, offset = list(element.clauses)
    return (
        f"CAST(EXTRACT(ISODOW FROM {compiler.process(at, **kw)} + "
        f"({compiler.process(offset, **kw)}) * INTERVAL '1 second') AS INTEGER)"
    )


class local_date(FunctionElement[date]):
    """Local calendar date of a UTC datetime shifted by an offset in seconds."""

    type = Date()
    inherit_cache = True
    name = "local_date"


@compiles(local_date, "sqlite")
def _date_sqlite(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    at, offset = list(element.clauses)
    return f"date({compiler.process(at, **kw)}, ({compiler.process(offset, **kw)}) || ' seconds')"


@compiles(local_date, "postgresql")
def _date_pg(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    at, offset = list(element.clauses)
    return (
        f"CAST({compiler.process(at, **kw)} + "
        f"({compiler.process(offset, **kw)}) * INTERVAL '1 second' AS DATE)"
    )


class days_between(FunctionElement[int]):
    """Whole calendar days from the first date to the second (negative if before)."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (
        f"CAST(ROUND(julianday({compiler.process(end, **kw)}) - "
        f"julianday({compiler.process(start, **kw)})) AS INTEGER)"
    )


@compiles(days_between, "postgresql")
def _days_pg(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (
        f"(CAST({compiler.process(end, **kw)} AS DATE) - "
        f"CAST({compiler.process(start, **kw)} AS DATE))"
    )
