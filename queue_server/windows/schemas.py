"""Window payloads."""

from __future__ import annotations

from pydantic import BaseModel, Field, StrictBool

from queue_server.types import Code, RequestModel


class WindowServiceIn(RequestModel):
    """A service of the window; order 1 is primary, 2 secondary…"""

    service: Code
    order: int = Field(default=1, ge=1, le=9)


class WindowIn(RequestModel):
    """A window to create or replace."""

    name: str = Field(default="", max_length=100)
    active: StrictBool = True
    led_address: int | None = Field(default=None, ge=1, le=254)
    services: list[WindowServiceIn] = Field(min_length=1, max_length=50)


class CurrentTicketOut(BaseModel):
    """The ticket a window is dealing with."""

    id: int
    number: str
    status: str
    service: str


class WindowOut(BaseModel):
    """A window with who holds it and what it is doing."""

    number: int
    name: str
    active: bool
    led_address: int | None
    services: list[WindowServiceIn]
    clerk: str | None
    paused: bool
    pause_reason: str
    current_ticket: CurrentTicketOut | None


class PauseIn(RequestModel):
    """Why a window pauses."""

    reason: str = Field(min_length=1, max_length=200)
