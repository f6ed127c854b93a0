"""Payloads of the clerk's workplace: the current ticket's card, the chosen call, the hold
list, transfers and the chosen-call counts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from queue_server.types import Code, Id, Name, RequestModel


class CategoryOut(BaseModel):
    """The priority category the ticket was taken in, and what the clerk must check."""

    code: str
    name_ru: str
    proof_ru: str


class BookingOut(BaseModel):
    """The booking behind the ticket (R4)."""

    code: str
    slot_start: datetime
    checked_in_at: datetime | None


class CameFromOut(BaseModel):
    """Where a redirected or transferred ticket came from."""

    action: str  # redirect / transfer
    at: datetime
    service_name_ru: str | None
    window: int | None
    clerk: str | None


class WaitOut(BaseModel):
    """How long the applicant waited against the limit (R1–R4)."""

    waited_seconds: int
    limit_minutes: int
    over: bool
    # True once the first call ended the wait (also after a hold and return).
    judged: bool


class TicketCardOut(BaseModel):
    """What the clerk must know of the current ticket."""

    id: int
    number: str
    status: str
    service: str
    service_name_ru: str
    kind: str
    window: int | None
    called_at: datetime | None
    last_called_at: datetime | None
    started_at: datetime | None
    recall_count: int
    priority: CategoryOut | None
    booking: BookingOut | None
    came_from: CameFromOut | None
    wait: WaitOut
    postponed_times: int


class ChosenCallIn(RequestModel):
    """Call this ticket to the window, with the reason (from the list; "other" needs words)."""

    ticket_id: Id
    reason: Code
    note: Name = ""


class ReasonOut(BaseModel):
    """One reason of the list."""

    code: str
    name_ru: str
    needs_note: bool


class PostponeIn(RequestModel):
    """For how many minutes the ticket goes on hold."""

    minutes: int = Field(ge=1, le=60)


class TransferIn(RequestModel):
    """A window number or a clerk's login (exactly one)."""

    window: int | None = Field(default=None, ge=1, le=999)
    clerk: Code | None = None


class HeldTicketOut(BaseModel):
    """A postponed ticket in the office's hold list."""

    id: int
    number: str
    service: str
    service_name_ru: str
    hold_until: datetime
    seconds_left: int
    window: int | None
    clerk: str | None


class ClerkOut(BaseModel):
    """A clerk of the office, a transfer target."""

    username: str
    name: str
    window: int | None


class ChosenCallCountOut(BaseModel):
    """How many chosen calls a clerk made for one reason in the period."""

    clerk: str
    reason: str
    reason_ru: str
    count: int
