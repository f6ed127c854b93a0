"""Intake (R9–R11): check the application, register the case with the next number, link the ticket.

`register_intake` reads as its steps: who and what was handed in, which service,
variant, agency and documents, the deadlines, then the register entry.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.agreements.service import ensure_intake_allowed
from queue_server.auth.service import Principal
from queue_server.cases import rules
from queue_server.cases.access import require_office_staff
from queue_server.cases.deadlines import local_date, term_deadline, transfer_deadline
from queue_server.cases.exceptions import ConsentMissing
from queue_server.cases.history import record_step
from queue_server.cases.lookup import applicant_key
from queue_server.cases.models import REGISTERED, Case, CaseDocument
from queue_server.cases.numbering import format_registration_number, next_registration_seq
from queue_server.cases.office_settings import case_settings
from queue_server.cases.schemas import IntakeIn
from queue_server.cases.visits import link_ticket, serving_ticket
from queue_server.catalogue.models import Agency, Service, ServiceDocument, ServiceVariant
from queue_server.catalogue.service import get_service
from queue_server.clock import Clock
from queue_server.errors import Conflict, InvalidInput
from queue_server.notifications.models import EMAIL, SMS
from queue_server.notifications.service import subscribe_case
from queue_server.offices.models import Office
from queue_server.tickets.models import Ticket


@dataclass(frozen=True)
class _Subject:
    """What the case is about: the service, its variant and the agency that decides."""

    service: Service
    variant: ServiceVariant | None
    agency: Agency


def _check_application(data: IntakeIn) -> None:
    """R10: consent to processing of personal data; a postal delivery needs an address."""
    if not data.consent_personal_data:
        raise ConsentMissing("R10: no consent to processing of personal data")
    if data.delivery == "post" and not data.postal_address:
        raise InvalidInput(code="postal_address_required")


def resolve_variant(service: Service, code: str | None) -> ServiceVariant | None:
    """The chosen variant of the service; one must be chosen when the service has variants."""
    if code is None:
        if service.variants:
            names = ", ".join(v.code for v in service.variants)
            raise InvalidInput(code="variant_required", service=service.name_ru, names=names)
        return None
    for variant in service.variants:
        if variant.code == code:
            return variant
    raise InvalidInput(code="unknown_variant", service=service.name_ru, variant=code)


def _agency(session: Session, service: Service, code: str | None) -> Agency:
    """The agency named in the record, else the service's own."""
    if code is not None:
        agency = session.scalar(select(Agency).where(Agency.code == code))
        if agency is None:
            raise InvalidInput(code="unknown_agency", value=code)
        return agency
    if service.agency is None:
        raise InvalidInput(code="agency_required", service=service.name_ru)
    return service.agency


def _subject(session: Session, data: IntakeIn, ticket: Ticket | None) -> _Subject:
    """The intake service (named, or the ticket's), its variant and agency."""
    service_code = data.service or (ticket.service.code if ticket else None)
    if service_code is None:
        raise InvalidInput(code="service_required")
    service = get_service(session=session, code=service_code)
    if service.kind != "intake":
        raise InvalidInput(code="not_an_intake_service", service=service.name_ru)
    variant = resolve_variant(service, data.variant)
    return _Subject(service, variant, _agency(session, service, data.agency))


def checklist(service: Service, variant: ServiceVariant | None) -> list[ServiceDocument]:
    """The documents of the service's list that apply to the variant."""
    return [
        d
        for d in service.documents
        if d.variant_id is None or (variant is not None and d.variant_id == variant.id)
    ]


def _received_name(item_name: str | None, listed: ServiceDocument | None) -> str:
    if listed is not None:
        return item_name or listed.name_ru
    if item_name is None:
        raise InvalidInput(code="document_unnamed")
    return item_name


def received_documents(subject: _Subject, data: IntakeIn) -> list[CaseDocument]:
    """R9: the inventory, checked against the service's list; every required document present."""
    service, variant = subject.service, subject.variant
    applicable = {d.id: d for d in checklist(service, variant)}
    received: list[CaseDocument] = []
    seen: set[int] = set()
    for position, item in enumerate(data.documents):
        listed = None
        if item.service_document_id is not None:
            listed = applicable.get(item.service_document_id)
            if listed is None:
                raise InvalidInput(
                    code="unknown_document",
                    document=item.service_document_id,
                    service=service.name_ru + (f" ({variant.name_ru})" if variant else ""),
                )
            if listed.id in seen:
                raise InvalidInput(code="duplicate_document", name=listed.name_ru)
            seen.add(listed.id)
        received.append(
            CaseDocument(
                service_document_id=item.service_document_id,
                name=_received_name(item.name, listed),
                original=item.original,
                sheets=item.sheets,
                copies=item.copies,
                position=position,
            )
        )
    missing = [d.name_ru for d in applicable.values() if d.required and d.id not in seen]
    if missing:
        raise InvalidInput(code="documents_missing", names="; ".join(missing))
    return received


def _deadlines(
    session: Session, office: Office, subject: _Subject, today: date
) -> tuple[date, date | None]:
    """R11: (transfer to the agency, the agency's own deadline when the service has a term)."""
    settings = case_settings(session=session, office_id=office.id)
    transfer = transfer_deadline(
        session=session,
        office=office,
        registered_on=today,
        courier_weekdays=list(settings.courier_weekdays or []),
    )
    term = rules.agency_term(subject.service, subject.variant)
    if term is None:
        return transfer, None
    due = term_deadline(session=session, office=office, registered_on=today, working_days=term)
    return transfer, due


def _register_entry(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    principal: Principal,
    data: IntakeIn,
    subject: _Subject,
    documents: list[CaseDocument],
) -> Case:
    """R9: the case row with the next number of the office's register, dated now."""
    now = clock.now()
    today = local_date(office, now)
    transfer_due, due_date = _deadlines(session, office, subject, today)
    seq = next_registration_seq(session=session, office_id=office.id, year=today.year)
    applicant, representative = data.applicant, data.representative
    case = Case(
        office_id=office.id,
        year=today.year,
        seq=seq,
        registration_number=format_registration_number(office.id, today.year, seq),
        status_code=secrets.token_urlsafe(16),
        status=REGISTERED,
        service_id=subject.service.id,
        variant_id=subject.variant.id if subject.variant else None,
        agency_id=subject.agency.id,
        applicant_name=applicant.name,
        applicant_document_type=applicant.document_type,
        applicant_document_number=applicant.document_number,
        applicant_key=applicant_key(applicant.name, applicant.document_number),
        representative_name=representative.name if representative else None,
        representative_authority=representative.authority_document if representative else None,
        consent_personal_data=True,
        delivery=data.delivery,
        postal_address=data.postal_address,
        registered_at=now,
        registered_by=principal.id,
        transfer_due=transfer_due,
        due_date=due_date,
        documents=documents,
    )
    session.add(case)
    session.flush()
    return case


def register_intake(
    *, session: Session, clock: Clock, office: Office, principal: Principal, data: IntakeIn
) -> Case:
    """Register an intake case with the next number of the office's register (R9–R11)."""
    require_office_staff(principal, office.id)
    _check_application(data)
    ticket = None
    if data.ticket_id is not None:
        ticket = serving_ticket(
            session=session,
            ticket_id=data.ticket_id,
            office=office,
            principal=principal,
            kind="intake",
        )
    subject = _subject(session, data, ticket)
    ensure_intake_allowed(  # R18: only under an agreement in force that covers the service
        session=session,
        service=subject.service,
        agency_id=subject.agency.id,
        day=local_date(office, clock.now()),
    )
    documents = received_documents(subject, data)
    case = _register_entry(
        session=session,
        clock=clock,
        office=office,
        principal=principal,
        data=data,
        subject=subject,
        documents=documents,
    )
    if ticket is not None:
        link_ticket(
            session=session,
            clock=clock,
            case=case,
            ticket=ticket,
            purpose="intake",
            clerk_id=principal.id,
        )
    if data.notify_phone:
        subscribe_case(
            session=session,
            clock=clock,
            case=case,
            channel=SMS,
            phone=data.notify_phone,
            consent=data.consent_personal_data,
        )
    if data.notify_email:
        subscribe_case(
            session=session,
            clock=clock,
            case=case,
            channel=EMAIL,
            email=data.notify_email,
            consent=data.consent_personal_data,
        )
    record_step(
        session,
        clock,
        case,
        action="register",
        from_status=None,
        clerk_id=principal.id,
        detail={"ticket": ticket.number if ticket else None},
    )
    return case


def request_digest(data: IntakeIn) -> str:
    """A digest of the intake request, to tell a repeated request from a different one."""
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replayed(session: Session, office: Office, key: str, digest: str) -> Case | None:
    """The case this key already registered, after checking it came with the same request."""
    case = session.scalar(
        select(Case).where(Case.office_id == office.id, Case.idempotency_key == key)
    )
    if case is not None and case.request_digest != digest:
        raise Conflict(code="idempotency_key_reused")
    return case


def register_intake_once(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    principal: Principal,
    data: IntakeIn,
    idempotency_key: str | None,
) -> tuple[Case, bool]:
    """Register the intake once per idempotency key; returns (case, created)."""
    if idempotency_key is None:
        case = register_intake(
            session=session, clock=clock, office=office, principal=principal, data=data
        )
        return case, True
    require_office_staff(principal, office.id)
    digest = request_digest(data)
    existing = _replayed(session, office, idempotency_key, digest)
    if existing is not None:
        return existing, False
    try:
        # The savepoint covers the register counter too: when a concurrent press with the
        # same key wins (PostgreSQL: the unique index waits for its commit), our number is
        # given back, so the register keeps no gap (001 §3.10).
        with session.begin_nested():
            case = register_intake(
                session=session, clock=clock, office=office, principal=principal, data=data
            )
            case.idempotency_key, case.request_digest = idempotency_key, digest
            session.flush()
    except IntegrityError:
        existing = _replayed(session, office, idempotency_key, digest)
        if existing is None:
            raise
        return existing, False
    return case, True
