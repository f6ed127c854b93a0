"""Registering a complaint (R17): check it, link what it concerns, number it, set its terms.

`register_complaint` reads as its steps: consent, receipt time, what and whom it
concerns, then the register entry with the next number and the first step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.auth.throttle import address_key_of, count_in_window
from queue_server.cases.models import Case
from queue_server.catalogue.models import Service
from queue_server.clock import Clock
from queue_server.complaints import rules
from queue_server.complaints.access import require_office_staff
from queue_server.complaints.deadlines import complaint_terms, local_date
from queue_server.complaints.exceptions import (
    ComplaintConsentMissing,
    ComplaintLinkInvalid,
    ReceivedAtInvalid,
    TooManyComplaints,
)
from queue_server.complaints.history import record_step
from queue_server.complaints.models import REGISTERED, Complaint
from queue_server.complaints.numbering import format_complaint_number, next_complaint_seq
from queue_server.complaints.rules import CATEGORY_RU
from queue_server.complaints.schemas import ComplaintIn, PublicComplaintIn
from queue_server.offices.models import Office
from queue_server.tickets.models import Ticket
from queue_server.windows.models import Window


@dataclass
class _Links:
    """What and whom the complaint concerns (each may be unknown)."""

    ticket: Ticket | None = None
    case: Case | None = None
    window_id: int | None = None
    clerk_id: int | None = None
    service_id: int | None = None

    def take_from_ticket(self, ticket: Ticket) -> None:
        """The ticket's window, clerk and service, where not named already."""
        self.ticket = ticket
        self.window_id = self.window_id or ticket.window_id
        self.clerk_id = self.clerk_id or ticket.clerk_id
        self.service_id = self.service_id or ticket.service_id

    def take_from_case(self, case: Case) -> None:
        """The case's service and the clerk who registered it, where not named already."""
        self.case = case
        self.clerk_id = self.clerk_id or case.registered_by
        self.service_id = self.service_id or case.service_id


def _check_consent(data: PublicComplaintIn) -> None:
    """R10: the complaint holds personal data; without consent nothing is registered."""
    if not data.consent_personal_data:
        raise ComplaintConsentMissing()


def _received_at(data: ComplaintIn, now: datetime) -> datetime:
    """When the complaint came in: as stated by staff (paper, post), never in the future."""
    if data.received_at is None:
        return now
    if data.received_at > now:
        raise ReceivedAtInvalid()
    return data.received_at


def _named_links(session: Session, office: Office, data: ComplaintIn) -> _Links:
    """The links staff named explicitly; each must exist in this office."""
    links = _Links()
    if data.clerk is not None:
        clerk = session.scalar(select(User).where(User.username == data.clerk))
        if clerk is None or clerk.office_id != office.id:
            raise ComplaintLinkInvalid(key="complaint_link_invalid.clerk", username=data.clerk)
        links.clerk_id = clerk.id
    if data.window is not None:
        window = session.scalar(
            select(Window).where(Window.office_id == office.id, Window.number == data.window)
        )
        if window is None:
            raise ComplaintLinkInvalid(key="complaint_link_invalid.window", window=data.window)
        links.window_id = window.id
    if data.service is not None:
        service = session.scalar(select(Service).where(Service.code == data.service))
        if service is None:
            raise ComplaintLinkInvalid(key="complaint_link_invalid.service", service=data.service)
        links.service_id = service.id
    if data.ticket_id is not None:
        ticket = session.get(Ticket, data.ticket_id)
        if ticket is None or ticket.office_id != office.id:
            raise ComplaintLinkInvalid(key="complaint_link_invalid.ticket")
        links.take_from_ticket(ticket)
    if data.case_id is not None:
        case = session.get(Case, data.case_id)
        if case is None or case.office_id != office.id:
            raise ComplaintLinkInvalid(key="complaint_link_invalid.case")
        links.take_from_case(case)
    return links


def _resolve_reference(
    session: Session, office: Office, reference: str | None, received_on: date, links: _Links
) -> None:
    """The ticket or case the applicant wrote, when it is one of this office's (else text only)."""
    if reference is None:
        return
    text = reference.strip()
    if links.case is None:
        case = session.scalar(
            select(Case).where(
                Case.office_id == office.id,
                (Case.registration_number == text) | (Case.status_code == text),
            )
        )
        if case is not None:
            links.take_from_case(case)
            return
    if links.ticket is None:
        ticket = session.scalar(
            select(Ticket).where(Ticket.office_id == office.id, Ticket.status_code == text)
        ) or session.scalar(
            select(Ticket)
            .where(
                Ticket.office_id == office.id,
                Ticket.number == text.upper(),
                Ticket.day <= received_on,
            )
            .order_by(Ticket.day.desc(), Ticket.id.desc())
            .limit(1)
        )
        if ticket is not None:
            links.take_from_ticket(ticket)


def _register_entry(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    data: PublicComplaintIn,
    source: str,
    received_at: datetime,
    links: _Links,
    registered_by: int | None,
) -> Complaint:
    """R17: the register entry with the next number of the office's year and its terms."""
    now = clock.now()
    today = local_date(office, now)
    received_on = local_date(office, received_at)
    terms = complaint_terms(
        session=session,
        office=office,
        received_on=received_on,
        registered_on=today,
        category=data.category,
    )
    seq = next_complaint_seq(session=session, office_id=office.id, year=today.year)
    complaint = Complaint(
        office_id=office.id,
        year=today.year,
        seq=seq,
        number=format_complaint_number(office.code, today.year, seq),
        source=source,
        category=data.category,
        status=REGISTERED,
        applicant_name=data.applicant_name.strip(),
        applicant_contact=data.applicant_contact.strip(),
        text=data.text.strip(),
        consent_personal_data=True,
        reference=data.reference,
        ticket_id=links.ticket.id if links.ticket else None,
        case_id=links.case.id if links.case else None,
        window_id=links.window_id,
        clerk_id=links.clerk_id,
        service_id=links.service_id,
        received_at=received_at,
        registered_at=now,
        registered_by=registered_by,
        registration_due=terms.registration_due,
        registered_late=today > terms.registration_due,
        answer_due=terms.answer_due,
        warn_from=terms.warn_from,
    )
    session.add(complaint)
    session.flush()
    record_step(
        session,
        clock,
        complaint,
        action="register",
        from_status=None,
        user_id=registered_by,
        note=f"категория: {CATEGORY_RU[data.category]}",
    )
    return complaint


def register_complaint(
    *, session: Session, clock: Clock, office: Office, principal: Principal, data: ComplaintIn
) -> Complaint:
    """A staff member registers a complaint received in person, on paper or by post (R17)."""
    require_office_staff(principal, office.id)
    _check_consent(data)
    received_at = _received_at(data, clock.now())
    links = _named_links(session, office, data)
    _resolve_reference(session, office, data.reference, local_date(office, received_at), links)
    return _register_entry(
        session=session,
        clock=clock,
        office=office,
        data=data,
        source="staff",
        received_at=received_at,
        links=links,
        registered_by=principal.id,
    )


def _count_sender(session: Session, address: str, now: datetime, per_hour: int) -> None:
    """Count the complaint against its client address, or refuse it past `per_hour` (429).

    The count is in the request's transaction: a refused or failed complaint is not
    counted, and the upsert's row lock makes parallel sends from one address queue up.
    """
    if per_hour <= 0:
        return
    key = address_key_of(address, kind="public-complaint")
    sent, start = count_in_window(session, key, now, rules.PUBLIC_FORM_WINDOW)
    if sent > per_hour:
        wait = start + rules.PUBLIC_FORM_WINDOW - now
        raise TooManyComplaints(retry_after=max(1, math.ceil(wait.total_seconds())))


def receive_public_complaint(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    data: PublicComplaintIn,
    address: str = "",
    per_hour: int = 0,
) -> Complaint:
    """The applicant's complaint from the public page: registered at once, on receipt (R17).

    At most `per_hour` complaints per client address an hour (0: no limit).
    """
    now = clock.now()
    _count_sender(session, address, now, per_hour)
    _check_consent(data)
    links = _Links()
    _resolve_reference(session, office, data.reference, local_date(office, now), links)
    return _register_entry(
        session=session,
        clock=clock,
        office=office,
        data=data,
        source="public",
        received_at=now,
        links=links,
        registered_by=None,
    )
