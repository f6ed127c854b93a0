"""Windows (clerk workplaces) and the services each one serves."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queue_server.catalogue.models import Service
from queue_server.db import Base


class Window(Base):
    """A numbered workplace; at most one clerk holds it, a clerk holds at most one."""

    __tablename__ = "windows"
    __table_args__ = (UniqueConstraint("office_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The unique constraint is the guard: two windows cannot share a clerk.
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, unique=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    pause_reason: Mapped[str] = mapped_column(String(200), default="")
    # RS-485 address of the window's LED display (display_board LED driver).
    led_address: Mapped[int | None] = mapped_column(Integer, nullable=True)

    services: Mapped[list[WindowService]] = relationship(
        cascade="all, delete-orphan", order_by="WindowService.order", lazy="selectin"
    )


class WindowService(Base):
    """A service a window serves; lower `order` tiers are served first (primary, secondary…)."""

    __tablename__ = "window_services"
    __table_args__ = (UniqueConstraint("window_id", "service_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    order: Mapped[int] = mapped_column(Integer, default=1)

    service: Mapped[Service] = relationship(lazy="joined")
