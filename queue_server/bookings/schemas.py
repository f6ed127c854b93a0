"""Booking payloads: the public booking contract, staff views, policy and rules."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, StrictBool

from queue_server.tickets.schemas import TicketIssuedOut
from queue_server.types import Code, Instant, Name, RequestModel


class BookingIn(RequestModel):
    """A booking made by staff for an applicant (phone optional)."""

    service: Code
    slot_start: Instant
    applicant_name: Name = ""
    phone: str = Field(default="", max_length=32)
    email: str = Field(default="", max_length=254)


class PublicBookingIn(RequestModel):
    """A booking from the public page: one of the listed slots, name and phone."""

    service: Code
    slot_start: Instant
    applicant_name: str = Field(min_length=1, max_length=200)
    phone: str = Field(min_length=1, max_length=32)
    email: str = Field(default="", max_length=254, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RescheduleIn(RequestModel):
    """The new slot of a booking."""

    slot_start: Instant


class CheckInIn(RequestModel):
    """Check-in options of the kiosk."""

    # Outside the check-in window, issue a live-queue ticket instead of refusing.
    live_if_refused: StrictBool = False


class BookingOut(BaseModel):
    """A booking with its code (staff)."""

    code: str
    service: str
    slot_start: datetime
    status: str
    checked_in_at: datetime | None
    applicant_name: str = ""
    phone: str = ""
    email: str = ""
    source: str = "staff"


class PublicBookingOut(BaseModel):
    """A booking as its holder sees it, by code only; contact details are masked."""

    code: str
    code_display: str
    status: str
    office: str
    office_name: str
    office_address: str
    service: str
    service_name_ru: str
    service_name_en: str
    slot_start: datetime
    slot_local: str
    checkin_opens: datetime
    checkin_closes: datetime
    applicant_name: str
    phone_masked: str
    email_masked: str
    manage_url: str
    qr_url: str


class SlotOut(BaseModel):
    """One slot: its time and free places (never who booked it)."""

    start: datetime
    end: datetime
    local_time: str
    free: int


class DaySlotsOut(BaseModel):
    """A service's slots on a date."""

    office: str
    service: str
    day: date
    is_open: bool
    reason: str
    slots: list[SlotOut]


class BookableServiceOut(BaseModel):
    """A service that can be booked at an office."""

    service: str
    name_ru: str
    name_en: str
    norm_minutes: int


class PublicOfficeOut(BaseModel):
    """What the booking page needs about an office."""

    office: str
    name: str
    address: str
    timezone: str
    today: date
    horizon_days: int
    services: list[BookableServiceOut]


class CheckInOut(TicketIssuedOut):
    """The ticket of a check-in; `booked` False when a live ticket was given instead."""

    booked: bool
    notice: str | None = None
    notice_code: str | None = None


class BookingPolicyIn(RequestModel):
    """An office's booking rules and notifier."""

    slot_minutes: int = Field(default=15, ge=5, le=240)
    horizon_days: int = Field(default=30, ge=1, le=365)
    max_per_person_per_day: int = Field(default=2, ge=1, le=50)
    reminder_minutes_before: int = Field(default=24 * 60, ge=0, le=14 * 24 * 60)
    notifier: str = Field(default="log", pattern="^(log|webhook|channels)$")
    webhook_url: str = Field(default="", max_length=500, pattern=r"^$|^https?://")
    webhook_token: str = Field(default="", max_length=200)
    webhook_timeout_seconds: int = Field(default=5, ge=1, le=60)


class BookingPolicyOut(BookingPolicyIn):
    """The stored policy (the token is not shown back)."""

    webhook_token: str = Field(default="", exclude=True)
    webhook_token_set: bool = False


class ServiceRuleIn(RequestModel):
    """Whether a service can be booked at the office and a fixed capacity per slot."""

    bookable: StrictBool = True
    capacity_per_slot: int | None = Field(default=None, ge=0, le=1000)


class ReportRowOut(BaseModel):
    """Bookings of one date and service, by status (no-shows counted here)."""

    day: date
    service: str
    total: int
    booked: int
    checked_in: int
    cancelled: int
    no_show: int
