"""Request and response shapes of the ratings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from annotated_types import Interval
from pydantic import BaseModel

from queue_server.ratings.rules import MARK_MAX, MARK_MIN
from queue_server.types import Id, RequestModel

Mark = Annotated[int, Interval(ge=MARK_MIN, le=MARK_MAX)]


class MarksIn(RequestModel):
    """Marks 1–5 on the five criteria; any may be left out, but not all."""

    waiting: Mark | None = None
    courtesy: Mark | None = None
    comfort: Mark | None = None
    information: Mark | None = None
    service_time: Mark | None = None


class WindowMarksIn(MarksIn):
    """Marks given at a window; `ticket_id` is the ticket the screen showed."""

    ticket_id: Id | None = None


class CriterionOut(BaseModel):
    """One criterion: its key and its Russian question."""

    key: str
    name_ru: str


class RatableOut(BaseModel):
    """What the rating form needs: the ticket, whether it may be rated, the criteria."""

    ticket_id: int | None
    number: str | None
    can_rate: bool
    rated: bool
    message: str
    criteria: list[CriterionOut]


class RatingOut(BaseModel):
    """One stored rating, as the reports and the export list it."""

    id: int
    ticket_id: int
    number: str
    day: date
    rated_at: datetime
    office: str
    service: str
    window: int | None
    clerk: str | None
    source: str
    waiting: int | None
    courtesy: int | None
    comfort: int | None
    information: int | None
    service_time: int | None
    low: bool


GroupBy = Literal["office", "service", "window", "clerk"]


class RatingGroupOut(BaseModel):
    """Averages of one group (office, service, window or clerk) over the period."""

    key: str
    ratings: int
    low: int
    low_share: float | None
    waiting: float | None
    courtesy: float | None
    comfort: float | None
    information: float | None
    service_time: float | None
    overall: float | None


class RatingReportOut(BaseModel):
    """The ratings report of a period: groups, and the low marks with their tickets."""

    start: date
    end: date
    by: str
    offices: list[str]
    criteria: list[CriterionOut]
    groups: list[RatingGroupOut]
    low: list[RatingOut]
