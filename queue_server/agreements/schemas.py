"""Agreement payloads."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from queue_server.catalogue.schemas import ServiceOut
from queue_server.types import Code, Day, NoNul, RequestModel, ShortText

AgreementNumber = Annotated[str, StringConstraints(min_length=1, max_length=64), NoNul]


class AgreementIn(RequestModel):
    """An agreement to create or replace: number, dates and the services it covers (R18)."""

    number: AgreementNumber
    signed_on: Day | None = None
    valid_from: Day
    valid_to: Day
    services: list[Code] = Field(min_length=1, max_length=500)
    note: ShortText = ""


class AgreementOut(BaseModel):
    """An agreement as stored, with its state on the day asked."""

    id: int
    agency: str
    agency_name: str
    number: str
    signed_on: date | None
    valid_from: date
    valid_to: date
    services: list[str]
    note: str
    state: str  # valid, expiring, expired, future
    days_left: int


class AgencyAgreementsOut(BaseModel):
    """An agency, whether it has agreements on record (none: nothing of it is taken), and
    its agreements."""

    agency: str
    agency_name: str
    has_agreements: bool
    agreements: list[AgreementOut]


class OfficeServiceOut(ServiceOut):
    """A service of an office's menu with whether documents are taken for it now (R18)."""

    accepted: bool = True
    not_accepted_reason: str | None = None
