"""Device state reports and ticket print jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from queue_server.tickets.schemas import TicketIssuedOut


class DeviceStateIn(BaseModel):
    """What a device reports about itself: ok, warning (still works) or error (out of order)."""

    model_config = ConfigDict(extra="forbid")
    state: Literal["ok", "warning", "error"]
    # e.g. {"printer": "paper_out", "message": "..."}; small, flat, shown on the dashboard.
    detail: dict[str, Any] = Field(default_factory=dict)


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


class PrintFailedIn(BaseModel):
    """Why the kiosk could not print a ticket it issued."""

    model_config = ConfigDict(extra="forbid")
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
