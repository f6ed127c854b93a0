"""Response shapes of the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditEntryOut(BaseModel):
    """One entry: when, who (account or device), what, where, to what, from which address."""

    id: int
    at: datetime
    actor_kind: str
    actor_name: str
    action: str
    action_ru: str
    office: str | None
    target: str
    address: str
    detail: dict[str, Any]


class AuditActionOut(BaseModel):
    """An action the trail records, with its Russian name."""

    key: str
    name_ru: str
