"""Booking payloads (minimal; the booking issue completes them)."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class BookingIn(BaseModel):
    """A booking made by staff for an applicant."""

    model_config = ConfigDict(extra="forbid")
    service: str = Field(min_length=1, max_length=32)
    slot_start: AwareDatetime
    applicant_name: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=32)


class BookingOut(BaseModel):
    """A booking with its code."""

    code: str
    service: str
    slot_start: datetime
    status: str
    checked_in_at: datetime | None
