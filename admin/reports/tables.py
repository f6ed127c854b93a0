"""What every report family returns: tables of rows with bilingual headings.

The pages, the exports and the charts read these; their JSON form is in `presenters`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from admin.reports.scope import Scope


@dataclass(frozen=True)
class Column:
    """A column of a report table: key in the row, Russian and English headings."""

    key: str
    label_ru: str
    label_en: str
    kind: str = "text"  # text, int, number, seconds, share
    # Codes → what people read (offices, weekdays, kinds, statuses); None: shown as is.
    names: Mapping[Any, str] | None = field(default=None, compare=False, hash=False)


@dataclass
class Table:
    """One table of a report: what the pages, the exports and the charts show."""

    key: str
    title_ru: str
    title_en: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""  # in Russian, as the report's readers read it
    note_en: str = ""


@dataclass
class Report:
    """The tables of one report, in the order they are shown."""

    scope: Scope
    generated_at: datetime
    tables: dict[str, Table]


def int_or_none(value: Any) -> int | None:
    """A database number as int (PostgreSQL sums are numeric), NULL kept as None."""
    return None if value is None else int(value)
