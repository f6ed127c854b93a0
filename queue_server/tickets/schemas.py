"""Ticket payloads (the public contract of the issue and call endpoints)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from queue_server.tickets.remote_rules import (
    MAX_LATE_MINUTES,
    MAX_PER_CLIENT_PER_HOUR,
    MAX_PER_PHONE_PER_DAY,
    REMOTE_LATE_MINUTES,
    REMOTE_PER_CLIENT_PER_HOUR,
    REMOTE_PER_PHONE_PER_DAY,
)
from queue_server.types import Code, RequestModel, ShortText


class TicketIssueIn(RequestModel):
    """A kiosk's or clerk's request for a ticket."""

    service: Code
    priority_category: Code | None = None
    idempotency_key: str | None = Field(default=None, min_length=8, max_length=100)


class TicketIssuedOut(BaseModel):
    """What the kiosk prints and shows."""

    id: int
    number: str
    service: str
    service_name_ru: str
    service_name_en: str
    issued_at: datetime
    position: int
    people_ahead: int
    # Minutes to the expected call, from the office's live state; null when no open window
    # (staffed, not paused) serves the service now — then `no_open_window` is true.
    estimated_wait_minutes: int | None
    no_open_window: bool
    wait_limit_minutes: int
    status_url: str
    status_code: str
    office: str
    office_name: str
    footer: str
    # The priority category's name, printed on the ticket for the clerk; None without one.
    priority_category_name_ru: str | None = None
    # The document that proves the category, which the clerk checks; None when none is set.
    priority_category_proof_ru: str | None = None


class TicketOut(BaseModel):
    """A ticket as staff see it."""

    id: int
    number: str
    service: str
    service_name_ru: str
    status: str
    office: str
    priority_category: str | None
    booked: bool
    issued_at: datetime
    waiting_since: datetime
    deadline: datetime
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    recall_count: int
    window: int | None
    redirect_count: int


class CancelWaitingIn(RequestModel):
    """Why every waiting ticket of a service is taken out of today's queue."""

    reason: ShortText = Field(min_length=1)


class CancelWaitingOut(BaseModel):
    """How many waiting tickets were cancelled."""

    service: str
    cancelled: int
    reason: str


class RedirectIn(RequestModel):
    """Where a ticket goes next."""

    service: Code


class TransitionOut(BaseModel):
    """One stored step of a ticket's life."""

    action: str
    from_status: str | None
    to_status: str
    at: datetime
    service: str
    window: int | None
    clerk: str | None
    automatic: bool


class QueueTicketOut(BaseModel):
    """A waiting ticket in the queue view."""

    id: int
    number: str
    waiting_since: datetime
    wait_seconds: int
    deadline: datetime
    seconds_to_deadline: int
    state: str  # ok / warning / breach
    priority_category: str | None
    booked: bool


class QueueServiceOut(BaseModel):
    """One service's queue."""

    service: str
    name_ru: str
    name_en: str
    prefix: str
    kind: str
    wait_limit_minutes: int
    waiting: int
    longest_wait_seconds: int
    # The server's estimate for a ticket taken now; the kiosk warns with it near closing.
    # Null when no open window serves the service now (`no_open_window`).
    estimated_wait_minutes: int | None
    no_open_window: bool
    tickets: list[QueueTicketOut]


class QueueOut(BaseModel):
    """The office's waiting tickets per service."""

    office: str
    at: datetime
    services: list[QueueServiceOut]


class PublicStatusOut(BaseModel):
    """A ticket's status for its holder: no personal data."""

    number: str
    office_name: str
    #: The IANA zone of the office: the page shows times in it, wherever the reader is.
    office_timezone: str
    service_name_ru: str
    service_name_en: str
    status: str
    issued_at: datetime
    position: int | None
    people_ahead: int | None
    # While waiting: minutes to the expected call, or null with `no_open_window` true.
    estimated_wait_minutes: int | None
    no_open_window: bool
    window: int | None
    # A place taken from the phone (`tickets/remote.py`): while `status` is "expected", the
    # code to check in with at the kiosk, the place's time and the end of the check-in;
    # `estimated_wait_minutes` is then the wait if the applicant checked in now.
    remote: bool = False
    checkin_code: str | None = None
    due_at: datetime | None = None
    checkin_until: datetime | None = None
    # When to come: the instant of the call if the applicant checked in now (live estimate).
    come_at: datetime | None = None


# --- a place in the live queue taken from the phone (tickets/remote.py) -----------------


class RemotePlaceIn(RequestModel):
    """A place taken on the public page: the service, a phone number and the consent."""

    service: Code
    phone: str = Field(min_length=1, max_length=32)
    consent: bool = False


class RemotePlaceOut(BaseModel):
    """The place just taken: the ticket's number, its page, the code to check in with."""

    number: str
    service: str
    service_name_ru: str
    status: str
    status_code: str
    status_url: str
    checkin_code: str
    due_at: datetime
    checkin_until: datetime
    office: str
    office_name: str
    office_timezone: str


class RemoteServiceOut(BaseModel):
    """A service one may queue for from the phone, with the wait of a place taken now."""

    service: str
    name_ru: str
    name_en: str
    estimated_wait_minutes: int | None
    no_open_window: bool


class RemoteQueueOut(BaseModel):
    """What the public page shows before a place is taken."""

    office: str
    office_name: str
    office_timezone: str
    enabled: bool
    open_now: bool
    late_minutes: int
    services: list[RemoteServiceOut]


class RemotePolicyIn(RequestModel):
    """An office's remote-queue policy; `services` (when given) replaces the opened list."""

    enabled: bool = False
    per_phone_per_day: int = Field(default=REMOTE_PER_PHONE_PER_DAY, ge=1, le=MAX_PER_PHONE_PER_DAY)
    per_client_per_hour: int = Field(
        default=REMOTE_PER_CLIENT_PER_HOUR, ge=1, le=MAX_PER_CLIENT_PER_HOUR
    )
    late_minutes: int = Field(default=REMOTE_LATE_MINUTES, ge=0, le=MAX_LATE_MINUTES)
    services: list[Code] | None = Field(default=None, max_length=200)


class RemotePolicyOut(BaseModel):
    """The stored policy with the services opened to it."""

    enabled: bool
    per_phone_per_day: int
    per_client_per_hour: int
    late_minutes: int
    services: list[str]


class ExpectedPlaceOut(BaseModel):
    """A place not taken up yet, as staff see it («не прибыл»); the phone masked."""

    id: int
    number: str
    service: str
    service_name_ru: str
    status: str
    taken_at: datetime
    due_at: datetime
    checkin_until: datetime
    phone_masked: str
