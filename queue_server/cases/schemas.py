"""Case payloads: the intake form, issuance, the register and the public status."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from queue_server.cases.rules import DEFAULT_STORAGE_DAYS


def _squeeze(value: str) -> str:
    """Collapse runs of whitespace; a blank value then fails the length check."""
    squeezed = " ".join(value.split())
    if not squeezed:
        raise ValueError("must not be blank")
    return squeezed


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_squeeze)]
DocType = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_squeeze)]
DocNumber = Annotated[str, Field(min_length=1, max_length=50), AfterValidator(_squeeze)]
Authority = Annotated[str, Field(min_length=1, max_length=300), AfterValidator(_squeeze)]


class ApplicantIn(BaseModel):
    """The applicant and their identity document (R9)."""

    model_config = ConfigDict(extra="forbid")
    name: Name
    document_type: DocType
    document_number: DocNumber


class RepresentativeIn(BaseModel):
    """A representative and the document of their authority (power of attorney)."""

    model_config = ConfigDict(extra="forbid")
    name: Name
    authority_document: Authority


class ReceivedDocumentIn(BaseModel):
    """A document received: from the checklist (by id) or an extra one (by name)."""

    model_config = ConfigDict(extra="forbid")
    service_document_id: int | None = None
    name: str | None = Field(default=None, min_length=1, max_length=300)
    original: bool = True
    sheets: int = Field(ge=1, le=10_000)
    copies: int = Field(default=1, ge=1, le=100)


class IntakeIn(BaseModel):
    """The intake record filled while serving an intake ticket (R9–R11)."""

    model_config = ConfigDict(extra="forbid")
    ticket_id: int | None = None
    service: str | None = Field(default=None, max_length=32)
    variant: str | None = Field(default=None, max_length=32)
    agency: str | None = Field(default=None, max_length=32)
    applicant: ApplicantIn
    representative: RepresentativeIn | None = None
    documents: list[ReceivedDocumentIn] = Field(min_length=1, max_length=100)
    consent_personal_data: bool
    delivery: Literal["in_person", "post"] = "in_person"
    postal_address: str | None = Field(default=None, max_length=300)


class SendIn(BaseModel):
    """The case goes to the agency; its incoming number when already known."""

    model_config = ConfigDict(extra="forbid")
    agency_incoming_number: str | None = Field(default=None, min_length=1, max_length=64)


class ResultIn(BaseModel):
    """The agency's result arrived at the office (R12)."""

    model_config = ConfigDict(extra="forbid")
    outcome: Literal["granted", "refusal"] = "granted"
    note: str = Field(default="", max_length=300)
    agency_incoming_number: str | None = Field(default=None, min_length=1, max_length=64)
    ready: bool = Field(default=False, description="Also mark the result ready for issuance.")


class IssueIn(BaseModel):
    """Handing the result over (R13): identity checked, who takes it."""

    model_config = ConfigDict(extra="forbid")
    ticket_id: int | None = None
    identity_checked: bool
    representative: RepresentativeIn | None = None
    items: list[str] = Field(default_factory=list, max_length=50)


class ReasonIn(BaseModel):
    """A step that needs a reason (refusal to take, return, archive)."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=300)


class LinkTicketIn(BaseModel):
    """Link another visit (ticket) to the case."""

    model_config = ConfigDict(extra="forbid")
    ticket_id: int


class ScanIn(BaseModel):
    """What a scanner read at a window: a registration number or a status link."""

    model_config = ConfigDict(extra="forbid")
    payload: str = Field(min_length=1, max_length=300)


class CaseSettingsIn(BaseModel):
    """Per-office case settings."""

    model_config = ConfigDict(extra="forbid")
    storage_days: int = Field(default=DEFAULT_STORAGE_DAYS, ge=1, le=3650)
    courier_weekdays: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = []
    printers: dict[str, str] = Field(
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
