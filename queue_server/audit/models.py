"""Audit entries: one row per action, never updated or deleted (R16)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from queue_server.append_only import append_only
from queue_server.db import Base, BigIntPK, UTCDateTime


def _refused(_entry: Any) -> Exception:
    from queue_server.audit.exceptions import AuditIsAppendOnly

    return AuditIsAppendOnly()


# The ORM refuses too, so that no code path of ours can even try (the triggers are the
# guard against everything else).
@append_only(error=_refused)
class AuditEntry(Base):
    """Who (account or device) did what, where and when; append-only.

    The session refuses to flush a change or a deletion of an entry, and the database
    refuses UPDATE and DELETE by triggers (migration 0011_h7_audit).
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_at", "at"),
        Index("ix_audit_entries_office_at", "office_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # "user", "device", "anonymous" (a failed login) or "system" (a configuration import
    # run by the operator); the id and name at the time.
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(48), index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), nullable=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
