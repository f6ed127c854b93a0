"""Ticket payloads (the public contract of the issue and call endpoints)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

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
    estimated_wait_minutes: int
    wait_limit_minutes: int
    status_url: str
    status_code: str
    office: str
    office_name: str
    footer: str


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
    estimated_wait_minutes: int
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
    service_name_ru: str
    service_name_en: str
    status: str
    issued_at: datetime
    position: int | None
    people_ahead: int | None
    estimated_wait_minutes: int | None
    window: int | None
