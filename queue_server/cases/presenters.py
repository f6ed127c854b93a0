"""Response shapes of the case API, built from rows already loaded (no queries here)."""

from __future__ import annotations

from fastapi import Response

from queue_server.auth.models import User
from queue_server.cases.lookup import CaseRecord
from queue_server.cases.models import READY, STORED, Case, CaseSettings, CaseStep, Issuance
from queue_server.cases.schemas import (
    CaseOut,
    CaseSettingsOut,
    CaseSummaryOut,
    DocumentOut,
    FormDocumentOut,
    FormVariantOut,
    IntakeFormOut,
    IssuanceOut,
    PublicCaseOut,
    PublicCaseStep,
    StepOut,
    TicketCaseOut,
    VisitOut,
)
from queue_server.catalogue.models import Service
from queue_server.offices.models import Office


def status_url(public_url: str, case: Case) -> str:
    """The public progress page of the case (R15)."""
    return f"{public_url.rstrip('/')}/c/{case.status_code}"


def user_name(user: User | None) -> str:
    """How a clerk is named on screens and receipts."""
    return (user.full_name or user.username) if user else "—"


def summary_out(case: Case) -> CaseSummaryOut:
    """A register line without personal data."""
    return CaseSummaryOut(
        id=case.id,
        registration_number=case.registration_number,
        status=case.status,
        office=case.office.code,
        service=case.service.code,
        service_name_ru=case.service.name_ru,
        variant=case.variant.code if case.variant else None,
        agency=case.agency.code,
        registered_at=case.registered_at,
        transfer_due=case.transfer_due,
        due_date=case.due_date,
        storage_until=case.storage_until,
    )


def _issuance_out(issuance: Issuance) -> IssuanceOut:
    return IssuanceOut(
        issued_at=issuance.issued_at,
        clerk=user_name(issuance.clerk),
        identity_checked=issuance.identity_checked,
        recipient_name=issuance.recipient_name,
        representative_authority=issuance.representative_authority,
        items=list(issuance.items),
        ticket_id=issuance.ticket_id,
    )


def case_out(record: CaseRecord, public_url: str) -> CaseOut:
    """A case with the applicant's details, for the staff of its office (R16)."""
    case = record.case
    return CaseOut(
        **summary_out(case).model_dump(),
        variant_name_ru=case.variant.name_ru if case.variant else None,
        agency_name=case.agency.name,
        applicant_name=case.applicant_name,
        applicant_document_type=case.applicant_document_type,
        applicant_document_number=case.applicant_document_number,
        representative_name=case.representative_name,
        representative_authority=case.representative_authority,
        consent_personal_data=case.consent_personal_data,
        delivery=case.delivery,
        postal_address=case.postal_address,
        agency_incoming_number=case.agency_incoming_number,
        outcome=case.outcome,
        status_code=case.status_code,
        status_url=status_url(public_url, case),
        registered_by=user_name(case.registrar),
        documents=[
            DocumentOut(
                name=d.name,
                original=d.original,
                sheets=d.sheets,
                copies=d.copies,
                service_document_id=d.service_document_id,
            )
            for d in case.documents
        ],
        visits=[
            VisitOut(
                ticket_id=t.id, number=t.number, purpose=v.purpose, at=v.at, service=t.service.code
            )
            for v, t in record.visits
        ],
        issuance=_issuance_out(record.issuance) if record.issuance else None,
        explanation_requested_at=case.explanation_requested_at,
        result_prepared_at=case.result_prepared_at,
        result_handover_late=case.result_handover_late,
    )


def public_case_out(case: Case, steps: list[CaseStep]) -> PublicCaseOut:
    """A case's progress for the public status page (R15): no personal data."""
    return PublicCaseOut(
        registration_number=case.registration_number,
        office_name=case.office.name,
        office_timezone=case.office.timezone,
        service_name_ru=case.service.name_ru,
        status=case.status,
        registered_at=case.registered_at,
        due_date=case.due_date,
        ready_for_issuance=case.status in (READY, STORED),
        steps=[PublicCaseStep(status=s.to_status, at=s.at) for s in steps],
    )


def step_out(step: CaseStep, clerk: str | None) -> StepOut:
    """One step of the case history with the clerk's name."""
    return StepOut(
        action=step.action,
        from_status=step.from_status,
        to_status=step.to_status,
        at=step.at,
        clerk=clerk,
        automatic=step.automatic,
        detail=step.detail,
    )


def ticket_case_out(case: Case, purpose: str) -> TicketCaseOut:
    """A record a ticket produced or served (R8)."""
    return TicketCaseOut(
        case_id=case.id,
        registration_number=case.registration_number,
        purpose=purpose,
        status=case.status,
    )


def intake_form_out(service: Service) -> IntakeFormOut:
    """The variants and the document checklist (with ids) the intake form shows."""
    return IntakeFormOut(
        service=service.code,
        name_ru=service.name_ru,
        agency=service.agency.code if service.agency else None,
        agency_name=service.agency.name if service.agency else None,
        term_working_days=service.term_working_days,
        variants=[
            FormVariantOut(code=v.code, name_ru=v.name_ru, term_working_days=v.term_working_days)
            for v in service.variants
        ],
        documents=[
            FormDocumentOut(
                id=d.id,
                name_ru=d.name_ru,
                needs_original=d.needs_original,
                needs_copy=d.needs_copy,
                required=d.required,
                variant=d.variant.code if d.variant else None,
            )
            for d in service.documents
        ],
    )


def settings_out(office: Office, row: CaseSettings) -> CaseSettingsOut:
    """The office's case settings as stored."""
    return CaseSettingsOut(
        office=office.code,
        storage_days=row.storage_days,
        courier_weekdays=list(row.courier_weekdays or []),
        printers=dict(row.printers or {}),
    )


def pdf_response(body: bytes, *, kind: str, case: Case) -> Response:
    """A receipt PDF shown inline, named after the case (`receipt-1-2026-000001.pdf`)."""
    filename = f"{kind}-" + case.registration_number.replace("/", "-") + ".pdf"
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


def printed_out(what: str, printer_url: str) -> dict[str, str]:
    """What was printed and on which printer (the URL without its options)."""
    return {"printed": what, "printer": printer_url.split("?")[0]}
