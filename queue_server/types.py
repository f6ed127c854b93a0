"""Shared types of requests: every id, code, text, time and JSON value has its limits here.

The limits hold the same on SQLite and PostgreSQL: SQLite would store a 10,000-character
code or an id beyond 64 bits where PostgreSQL refuses it, so the schemas refuse it first,
with a 422, and the database never sees it. The types use `annotated_types` and
`StringConstraints` rather than `Field`, so one type serves a body field, a path parameter
and a query parameter alike, and its limits show in the OpenAPI.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time
from typing import Annotated, Any

from annotated_types import Interval
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

#: PostgreSQL's `integer` (the id and number columns): larger values fail in the database.
MAX_ID = 2**31 - 1
#: The outbox's `bigint` ids.
MAX_BIG_ID = 2**63 - 1
#: Dates and times a queue can mean: far ends (year 1, 9999) overflow in time-zone and
#: calendar arithmetic; nothing the office does lies outside this century.
MIN_DAY = date(2000, 1, 1)
MAX_DAY = date(2099, 12, 31)
#: A device's self-report goes to every subscribed page: small, shallow, finite numbers.
DETAIL_MAX_BYTES = 4096
DETAIL_MAX_DEPTH = 4


def refuse_nul(value: str) -> str:
    """Refuse the NUL character: PostgreSQL cannot store it, and no person types it."""
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "текст не может содержать символ NUL (0x00)")
    return value


def _in_range(value: date) -> date:
    day = value.date() if isinstance(value, datetime) else value
    if not MIN_DAY <= day <= MAX_DAY:
        raise PydanticCustomError(
            "date_out_of_range",
            "дата должна быть между {low} и {high}",
            {"low": MIN_DAY.isoformat(), "high": MAX_DAY.isoformat()},
        )
    return value


def _bounded_detail(value: dict[str, Any]) -> dict[str, Any]:
    _check_json(value, depth=1)
    try:
        size = len(json.dumps(value, ensure_ascii=False, allow_nan=False).encode())
    except ValueError as exc:  # NaN or Infinity somewhere
        raise PydanticCustomError("not_finite", "числа должны быть конечными") from exc
    if size > DETAIL_MAX_BYTES:
        raise PydanticCustomError(
            "detail_too_large",
            "не больше {limit} байт в JSON (получено {size})",
            {"limit": DETAIL_MAX_BYTES, "size": size},
        )
    return value


def _check_json(value: Any, *, depth: int) -> None:
    if depth > DETAIL_MAX_DEPTH:
        raise PydanticCustomError(
            "detail_too_deep", "вложенность не больше {limit}", {"limit": DETAIL_MAX_DEPTH}
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("not_finite", "числа должны быть конечными")
    if isinstance(value, str):
        refuse_nul(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_nul(key)
            _check_json(item, depth=depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth=depth + 1)


NoNul = AfterValidator(refuse_nul)


# --- numbers ------------------------------------------------------------------------------

#: A row id in a path, query or body.
Id = Annotated[int, Interval(ge=1, le=MAX_ID)]
#: An outbox event id (replay after it); 0 means "from the start".
EventId = Annotated[int, Interval(ge=0, le=MAX_BIG_ID)]
#: A window's number as painted over it.
WindowNumber = Annotated[int, Interval(ge=1, le=999)]
#: A position in a list (menu order); negative sorts first.
Position = Annotated[int, Interval(ge=-10_000, le=10_000)]

# --- codes and texts ----------------------------------------------------------------------

#: A code chosen by staff (office, service, agency, group, category, variant, question).
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,32}$")]
#: An unguessable code an applicant holds (status link, booking), as typed or scanned.
HolderCode = Annotated[str, StringConstraints(min_length=1, max_length=64), NoNul]
#: A person's or thing's name.
Name = Annotated[str, StringConstraints(max_length=200), NoNul]
#: A one-line text: a reason, a note, a title.
ShortText = Annotated[str, StringConstraints(max_length=300), NoNul]
#: A longer text: a document's note on the kiosk.
LongText = Annotated[str, StringConstraints(max_length=2000), NoNul]
#: What a search box sends.
SearchText = Annotated[str, StringConstraints(max_length=300), NoNul]

# --- times --------------------------------------------------------------------------------

#: A date a queue can mean (see MIN_DAY, MAX_DAY).
Day = Annotated[date, AfterValidator(_in_range)]
#: A wall-clock time of the office's own zone ("08:00", "19:00:00"): no offset, as the
#: office's time zone gives it; not JSON Schema's "time" format, which requires one.
LocalTime = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$",
            "description": "Local time of the office, HH:MM[:SS]",
        }
    ),
]
#: An instant, always with its offset: a time without one is ambiguous across zones.
Instant = Annotated[AwareDatetime, AfterValidator(_in_range)]

# --- JSON ---------------------------------------------------------------------------------

#: A small JSON object a device sends about itself (shown on the dashboard).
DeviceDetail = Annotated[dict[str, Any], AfterValidator(_bounded_detail)]


# --- bodies -------------------------------------------------------------------------------


class RequestModel(BaseModel):
    """Base of every request body: unknown fields refused, no NUL in any text or key."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul_anywhere(cls, data: Any) -> Any:
        where = _nul_path(data, "")
        if where is not None:
            raise PydanticCustomError(
                "nul_character",
                "текст не может содержать символ NUL (0x00): {where}",
                {"where": where or "."},
            )
        return data


def _nul_path(value: Any, path: str) -> str | None:
    """Where the first NUL character is in raw JSON data (keys included), or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and "\x00" in key:
                return f"{path}.{key!r}".lstrip(".")
            items.append((f"{path}.{key}", item))
    elif isinstance(value, list):
        items = [(f"{path}[{i}]", item) for i, item in enumerate(value)]
    for where, item in items:
        found = _nul_path(item, where)
        if found is not None:
            return found.lstrip(".")
    return None
