"""Auth payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TokenOut(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeOut(BaseModel):
    """Who the token belongs to."""

    kind: str
    id: int
    role: str
    office: str | None
    name: str


class UserIn(BaseModel):
    """A staff account to create."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(pattern=r"^[A-Za-z0-9_.@-]{3,64}$")
    password: str = Field(min_length=8, max_length=200)
    role: Literal["admin", "manager", "clerk"]
    full_name: str = Field(default="", max_length=200)
    office: str | None = None


class UserPatch(BaseModel):
    """Changes to a staff account; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")
    full_name: str | None = Field(default=None, max_length=200)
    role: Literal["admin", "manager", "clerk"] | None = None
    office: str | None = None
    # Set to clear the office (admins and regional managers); office stays otherwise.
    no_office: bool = False
    active: bool | None = None


class PasswordIn(BaseModel):
    """A new password for an account (its tokens are revoked)."""

    model_config = ConfigDict(extra="forbid")
    password: str = Field(min_length=8, max_length=200)


class UserOut(BaseModel):
    """A staff account."""

    id: int
    username: str
    role: str
    full_name: str
    office: str | None
    active: bool


class DeviceIn(BaseModel):
    """A device to register."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["kiosk", "board", "led"]
    name: str = Field(min_length=1, max_length=100)


class DeviceOut(BaseModel):
    """A registered device; the token is shown only when it is created."""

    id: int
    kind: str
    name: str
    office: str
    token: str | None = None
    state: str | None = None
    state_at: datetime | None = None
    created_at: datetime | None = None
