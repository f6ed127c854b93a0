"""Agreements between the MFC and an agency: number, dates and the services covered (R18)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queue_server.catalogue.models import Agency, Service
from queue_server.db import Base, UTCDateTime


class Agreement(Base):
    """One agreement of an agency; it lets the MFC take the listed services while valid."""

    __tablename__ = "agency_agreements"
    __table_args__ = (UniqueConstraint("agency_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(64))
    signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The 30-day expiry warning is raised as an event once per agreement.
    expiry_warned: Mapped[bool] = mapped_column(Boolean, default=False)

    agency: Mapped[Agency] = relationship(viewonly=True)
    services: Mapped[list[AgreementService]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class AgreementService(Base):
    """A service an agreement covers."""

    __tablename__ = "agency_agreement_services"
    __table_args__ = (UniqueConstraint("agreement_id", "service_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agency_agreements.id", ondelete="CASCADE"), index=True
    )
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))

    service: Mapped[Service] = relationship(viewonly=True, lazy="joined")
