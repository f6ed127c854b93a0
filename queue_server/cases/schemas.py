"""Case payloads: the intake form, issuance, the register and the public status."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StrictBool

from queue_server.cases.rules import DEFAULT_STORAGE_DAYS
from queue_server.messages import check_failed
from queue_server.types import Code, Id, Instant, NoNul, RequestModel, ShortText


def _squeeze(value: str) -> str:
    """Collapse runs of whitespace; a blank value then fails the length check."""
    squeezed = " ".join(value.split())
    if not squeezed:
        raise check_failed("blank")
    return squeezed


Name = Annotated[str, Field(min_length=1, max_length=200), NoNul, AfterValidator(_squeeze)]
DocType = Annotated[str, Field(min_length=1, max_length=100), NoNul, AfterValidator(_squeeze)]
DocNumber = Annotated[str, Field(min_length=1, max_length=50), NoNul, AfterValidator(_squeeze)]
Authority = Annotated[str, Field(min_length=1, max_length=300), NoNul, AfterValidator(_squeeze)]
#: A receipt printer's place: a window number, or "*" for every window.
PrinterSlot = Annotated[str, Field(pattern=r"^(\*|[1-9][0-9]{0,2})$")]


class ApplicantIn(RequestModel):
    """The applicant and their identity document (R9)."""

    name: Name
    document_type: DocType
    document_number: DocNumber


class RepresentativeIn(RequestModel):
    """A representative and the document of their authority (power of attorney)."""

    name: Name
    authority_document: Authority


class ReceivedDocumentIn(RequestModel):
    """A document received: from the checklist (by id) or an extra one (by name)."""

    service_document_id: Id | None = None
    name: str | None = Field(default=None, min_length=1, max_length=300)
    original: StrictBool = True
    sheets: int = Field(ge=1, le=10_000)
    copies: int = Field(default=1, ge=1, le=100)


class IntakeIn(RequestModel):
    """The intake record filled while serving an intake ticket (R9–R11)."""

    ticket_id: Id | None = None
    service: Code | None = None
    variant: Code | None = None
    agency: Code | None = None
    applicant: ApplicantIn
    representative: RepresentativeIn | None = None
    documents: list[ReceivedDocumentIn] = Field(min_length=1, max_length=100)
    consent_personal_data: StrictBool
    delivery: Literal["in_person", "post"] = "in_person"
    postal_address: str | None = Field(default=None, max_length=300)
    # The applicant's phone for the "result is ready" SMS (kept until issuance).
    notify_phone: str | None = Field(default=None, max_length=32)
    notify_email: str | None = Field(default=None, max_length=254)


class SendIn(RequestModel):
    """The case goes to the agency; its incoming number when already known."""

    agency_incoming_number: str | None = Field(default=None, min_length=1, max_length=64)


class ResultIn(RequestModel):
    """The agency's result arrived at the office (R12)."""

    outcome: Literal["granted", "refusal"] = "granted"
    note: str = Field(default="", max_length=300)
    agency_incoming_number: str | None = Field(default=None, min_length=1, max_length=64)
    ready: StrictBool = Field(default=False, description="Also mark the result ready for issuance.")
    prepared_at: Instant | None = Field(
        default=None, description="When the agency prepared the result (R12: hand-over time)."
    )


class ExplanationRequestIn(RequestModel):
    """R11: the agency is late; staff ask it why (how: letter, phone, the note says)."""

    note: ShortText = ""


class IssueIn(RequestModel):
    """Handing the result over (R13): identity checked, who takes it."""

    ticket_id: Id | None = None
    identity_checked: StrictBool
    representative: RepresentativeIn | None = None
    items: list[ShortText] = Field(default_factory=list, max_length=50)


class ReasonIn(RequestModel):
    """A step that needs a reason (refusal to take, return, archive)."""

    reason: str = Field(min_length=1, max_length=300)


class LinkTicketIn(RequestModel):
    """Link another visit (ticket) to the case."""

    ticket_id: Id


class ScanIn(RequestModel):
    """What a scanner read at a window: a registration number or a status link."""

    payload: str = Field(min_length=1, max_length=300)


class CaseSettingsIn(RequestModel):
    """Per-office case settings."""

    storage_days: int = Field(default=DEFAULT_STORAGE_DAYS, ge=1, le=3650)
    courier_weekdays: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=list, max_length=7
    )
    printers: dict[PrinterSlot, Annotated[str, Field(max_length=500), NoNul]] = Field(
        max_length=100,
        default_factory=dict,
        description='Window number (or "*" for every window) → printer URL.',
    )


class CaseSettingsOut(CaseSettingsIn):
    """Per-office case settings as stored."""

    office: str


class DocumentOut(BaseModel):
    """A received document."""

    name: str
    original: bool
    sheets: int
    copies: int
    service_document_id: int | None


class VisitOut(BaseModel):
    """A ticket that served the case."""

    ticket_id: int
    number: str
    purpose: str
    at: datetime
    service: str


class TicketCaseOut(BaseModel):
    """A record a ticket produced or served (R8)."""

    case_id: int
    registration_number: str
    purpose: str
    status: str


class StepOut(BaseModel):
    """One step of the case history."""

    action: str
    from_status: str | None
    to_status: str
    at: datetime
    clerk: str | None
    automatic: bool
    detail: dict[str, object]


class IssuanceOut(BaseModel):
    """The issuance record."""

    issued_at: datetime
    clerk: str
    identity_checked: bool
    recipient_name: str
    representative_authority: str | None
    items: list[str]
    ticket_id: int | None


class CaseSummaryOut(BaseModel):
    """A register line without personal data."""

    id: int
    registration_number: str
    status: str
    office: str
    service: str
    service_name_ru: str
    variant: str | None
    agency: str
    registered_at: datetime
    transfer_due: date
    due_date: date | None
    storage_until: date | None


class CaseOut(CaseSummaryOut):
    """A case as the staff of its office see it (R16)."""

    variant_name_ru: str | None
    agency_name: str
    applicant_name: str
    applicant_document_type: str
    applicant_document_number: str
    representative_name: str | None
    representative_authority: str | None
    consent_personal_data: bool
    delivery: str
    postal_address: str | None
    agency_incoming_number: str | None
    outcome: str | None
    status_code: str
    status_url: str
    registered_by: str
    documents: list[DocumentOut]
    visits: list[VisitOut]
    issuance: IssuanceOut | None
    explanation_requested_at: datetime | None = None
    result_prepared_at: datetime | None = None
    result_handover_late: bool | None = None


class OverdueCaseOut(BaseModel):
    """A case past a deadline, for the overdue list (no personal data): R11."""

    id: int
    registration_number: str
    status: str
    service: str
    agency: str
    transfer_due: date
    due_date: date | None
    late: str  # transfer / agency
    days_late: int
    explanation_requested_at: datetime | None
    explanation_requested_by: str | None


class HandoverRowOut(BaseModel):
    """R12: results of one agency received in a period, and how long they took to arrive."""

    agency: str
    agency_name: str
    received: int
    with_prepared_time: int
    late: int
    average_hours: float | None


class LookupOut(BaseModel):
    """Cases found for issuance, each with whether it can be issued now."""

    cases: list[CaseOut]


class PublicCaseStep(BaseModel):
    """A step of the public progress (R15): what and when, nobody's name."""

    status: str
    at: datetime


class PublicCaseOut(BaseModel):
    """The public status of a case: progress only, no personal data (R15, R16)."""

    registration_number: str
    office_name: str
    #: The IANA zone of the office: pages show every time in it, wherever the reader is.
    office_timezone: str
    service_name_ru: str
    status: str
    registered_at: datetime
    due_date: date | None
    ready_for_issuance: bool
    steps: list[PublicCaseStep]


class FormDocumentOut(BaseModel):
    """A document of the service's checklist, with the id the intake form sends back."""

    id: int
    name_ru: str
    needs_original: bool
    needs_copy: bool
    required: bool
    variant: str | None


class FormVariantOut(BaseModel):
    """A variant of the service and its term in working days."""

    code: str
    name_ru: str
    term_working_days: int | None


class IntakeFormOut(BaseModel):
    """What the intake form needs to know about a service."""

    service: str
    name_ru: str
    agency: str | None
    agency_name: str | None
    term_working_days: int | None
    variants: list[FormVariantOut]
    documents: list[FormDocumentOut]
