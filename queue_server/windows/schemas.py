"""Window payloads."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class WindowServiceIn(BaseModel):
    """A service of the window; order 1 is primary, 2 secondary…"""

    model_config = ConfigDict(extra="forbid")
    service: str
    order: int = Field(default=1, ge=1, le=9)


class WindowIn(BaseModel):
    """A window to create or replace."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=100)
    active: bool = True
    led_address: int | None = Field(default=None, ge=1, le=254)
    services: list[WindowServiceIn] = Field(min_length=1)


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


class PauseIn(BaseModel):
    """Why a window pauses."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=200)
