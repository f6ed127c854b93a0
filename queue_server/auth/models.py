"""Staff accounts, their bearer tokens, and device tokens for kiosks and boards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from queue_server.db import Base, UTCDateTime

ROLES = ("admin", "manager", "clerk")
#: A "rating" device is the rating screen at a window (R8).
DEVICE_KINDS = ("kiosk", "board", "led", "rating")


class User(Base):
    """A staff account; office None means every office (admins, regional managers)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    office_id: Mapped[int | None] = mapped_column(
        ForeignKey("offices.id", ondelete="SET NULL"), nullable=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ApiToken(Base):
    """A bearer token of a staff member; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Device(Base):
    """A kiosk, board or LED driver of one office, with its long-lived token."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Last state the device reported (kiosk: printer health), for the admin dashboard.
    state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    state_detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    state_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A board's own settings (running text, language, voice, paging), kept on the server
    # so that a replaced screen or a reloaded page shows the same board.
    settings: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class DemoDeviceToken(Base):
    """The plain token of a device of the demo office, so that `mfc-queue demo` restarts
    with the same tokens and an open board keeps working. Written only by the demo seed
    (`queue_server/demo.py`); a real office's tokens exist only as hashes.
    """

    __tablename__ = "demo_device_tokens"

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(String(100))


class LoginFailures(Base):
    """Failed logins of one account or one client address within the current window.

    In the database, not in a process: every worker behind nginx counts the same failures.
    The key is a SHA-256 of `account:<name>` or `address:<ip>`, so whatever was typed as a
    user name (any length, any characters) is never stored.
    """

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
