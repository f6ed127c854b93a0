"""Device state reports and ticket print jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictBool

from queue_server.tickets.schemas import TicketIssuedOut
from queue_server.types import DeviceDetail, RequestModel


class DeviceStateIn(RequestModel):
    """What a device reports about itself: ok, warning (still works) or error (out of order)."""

    state: Literal["ok", "warning", "error"]
    # e.g. {"printer": "paper_out", "message": "..."}; it goes to every subscribed page, so
    # it is small (4 KB of JSON), shallow and holds finite numbers only.
    detail: DeviceDetail = Field(default_factory=dict)


class DeviceStateOut(BaseModel):
    """A device's last reported state."""

    id: int
    name: str
    kind: str
    office: str
    state: str | None
    detail: dict[str, Any] | None
    at: datetime | None
    changed: bool = False


class BoardSettingsIn(RequestModel):
    """A board's settings: running text (empty: no band), language, voice, paging."""

    running_text: str = Field(default="", max_length=500)
    recent: int = Field(default=8, ge=1, le=20)
    voice: StrictBool = True
    lang: Literal["ru", "en"] = "ru"
    page_seconds: int = Field(default=8, ge=3, le=60)


class BoardSettingsOut(BoardSettingsIn):
    """A board's settings as stored (defaults filled in)."""

    device_id: int
    name: str


class PrintFailedIn(RequestModel):
    """Why the kiosk could not print a ticket it issued."""

    reason: str = Field(min_length=1, max_length=200)


class PrintJobOut(BaseModel):
    """A ticket's owed paper copy."""

    id: int
    ticket_id: int
    number: str
    device: str
    status: str
    reason: str
    failures: int
    failed_at: datetime | None
    requested_at: datetime | None
    requested_by: str | None
    printed_at: datetime | None


class PrintJobTicketOut(PrintJobOut):
    """A print job with what to print (the kiosk's view)."""

    ticket: TicketIssuedOut
