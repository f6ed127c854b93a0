"""Complaint payloads: staff and public registration, the steps, and what goes out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictBool, StringConstraints

from queue_server.complaints.rules import CATEGORIES
from queue_server.types import (
    Code,
    Id,
    Instant,
    NoNul,
    RequestModel,
    ShortText,
    WindowNumber,
)

Category = Literal["waiting", "refused_intake", "document_error", "conduct", "other"]
assert set(Category.__args__) == set(CATEGORIES)  # type: ignore[attr-defined]

#: Who complains: not empty, a person's name.
ApplicantName = Annotated[str, StringConstraints(min_length=1, max_length=200), NoNul]
#: How to answer: a phone, an e-mail or a postal address.
Contact = Annotated[str, StringConstraints(min_length=1, max_length=200), NoNul]
#: The complaint itself, or the answer to it.
ComplaintText = Annotated[str, StringConstraints(min_length=1, max_length=5000), NoNul]
#: A ticket number, a case's registration number or a status code, as written.
Reference = Annotated[str, StringConstraints(min_length=1, max_length=64), NoNul]
#: A staff member's login.
Username = Annotated[str, StringConstraints(min_length=1, max_length=64), NoNul]


class PublicComplaintIn(RequestModel):
    """A complaint the applicant sends from the public page (R17, R10: with consent)."""

    category: Category
    applicant_name: ApplicantName
    applicant_contact: Contact
    text: ComplaintText
    consent_personal_data: StrictBool
    reference: Reference | None = None


class ComplaintIn(PublicComplaintIn):
    """A complaint a staff member registers (paper, in person), with what it concerns."""

    received_at: Instant | None = Field(
        default=None, description="When it was received; default: now."
    )
    ticket_id: Id | None = None
    case_id: Id | None = None
    window: WindowNumber | None = None
    clerk: Username | None = None
    service: Code | None = None


class ReviewIn(RequestModel):
    """Taking the complaint under review, with an optional note."""

    note: ShortText = ""


class AnswerIn(RequestModel):
    """The answer given to the applicant."""

    answer: ComplaintText


class WithdrawIn(RequestModel):
    """The applicant withdrew the complaint: why (as they said)."""

    reason: Annotated[str, StringConstraints(min_length=1, max_length=300), NoNul]


class StepOut(BaseModel):
    """One step of the complaint's life: what, who and when."""

    action: str
    from_status: str | None
    to_status: str
    at: datetime
    by: str | None
    note: str


class ComplaintOut(BaseModel):
    """A complaint with the applicant's details (its office's staff only)."""

    id: int
    number: str
    office: str
    source: str
    category: str
    category_ru: str
    status: str
    status_ru: str
    applicant_name: str
    applicant_contact: str
    text: str
    reference: str | None
    ticket_number: str | None
    case_number: str | None
    window: int | None
    clerk: str | None
    service: str | None
    service_name: str | None
    received_at: datetime
    registered_at: datetime
    registered_by: str | None
    registration_due: date
    registered_late: bool
    answer_due: date
    deadline_state: str
    answer: str | None
    closed_at: datetime | None
    answered_on_time: bool | None
    steps: list[StepOut] = []


class PublicComplaintOut(BaseModel):
    """What the applicant learns after sending: the number and when the answer is due."""

    number: str
    office_name: str
    category_ru: str
    registered_at: datetime
    answer_due: date
    answer_working_days: int


class ReportRowOut(BaseModel):
    """One line of the complaints report: a group and its counts."""

    key: str | None
    name: str
    total: int
    answered: int
    answered_on_time: int
    open: int
    overdue: int
    on_time_share: float | None


class ComplaintReportOut(BaseModel):
    """Complaints registered in a period: by office, category, clerk and service (R8, R17)."""

    start: date
    end: date
    total: int
    by_office: list[ReportRowOut]
    by_category: list[ReportRowOut]
    by_clerk: list[ReportRowOut]
    by_service: list[ReportRowOut]
