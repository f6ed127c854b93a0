"""Auth payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Form
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field, StrictBool, StringConstraints

from queue_server.types import Code, Name, NoNul, RequestModel

#: A password as typed: bounded (Argon2 hashes it whatever its length) and without NUL.
Password = Annotated[str, StringConstraints(min_length=8, max_length=200), NoNul]
#: What the login form sends: any text a person may type, bounded, without NUL.
LoginText = Annotated[str, StringConstraints(max_length=200), NoNul]


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


class LoginForm(OAuth2PasswordRequestForm):
    """The OAuth2 password form with bounded texts: NUL or megabytes are a 422, not a 500."""

    def __init__(
        self,
        *,
        username: Annotated[LoginText, Form()],
        password: Annotated[LoginText, Form(json_schema_extra={"format": "password"})],
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        scope: Annotated[LoginText, Form()] = "",
        client_id: Annotated[LoginText | None, Form()] = None,
        client_secret: Annotated[LoginText | None, Form()] = None,
    ) -> None:
        super().__init__(
            username=username,
            password=password,
            grant_type=grant_type,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )


class UserIn(RequestModel):
    """A staff account to create."""

    username: str = Field(pattern=r"^[A-Za-z0-9_.@-]{3,64}$")
    password: Password
    role: Literal["admin", "manager", "clerk"]
    full_name: Name = ""
    office: Code | None = None


class UserPatch(RequestModel):
    """Changes to a staff account; fields left out stay as they are."""

    full_name: Name | None = None
    role: Literal["admin", "manager", "clerk"] | None = None
    office: Code | None = None
    # Set to clear the office (admins and regional managers); office stays otherwise.
    no_office: StrictBool = False
    active: StrictBool | None = None


class PasswordIn(RequestModel):
    """A new password for an account (its tokens are revoked)."""

    password: Password


class UserOut(BaseModel):
    """A staff account."""

    id: int
    username: str
    role: str
    full_name: str
    office: str | None
    active: bool


class DeviceIn(RequestModel):
    """A device to register."""

    kind: Literal["kiosk", "board", "led", "rating"]
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
