"""A place in the live queue taken from the phone (issue 17), held until the applicant arrives.

Where the office allows it (its remote-queue policy, off by default) and for the services
it opens to it, an applicant takes a place on the public page `/q/{office}` with a phone
number and their consent, in opening hours (R6), within a per-phone daily limit and a
per-network hourly rate. The ticket is numbered at once but stays `expected`: out of the
queue, never called, no wait running. Its `due_at` is the instant the live estimate gave
for its call; the applicant checks in at the kiosk with the place's code (as with a
booking code) or a clerk confirms the arrival, and the ticket joins the queue as a booking
checked in at that time would (`remote_rules.py`, the dispatcher's classes). A place not
taken up within `late_minutes` after its time lapses into a no-show. The phone and the
network's key are kept until the end of the office's day, and shown masked to staff.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from queue_server.auth.service import Principal
from queue_server.bookings.service import (
    format_code,
    mask_phone,
    new_code,
    normalize_code,
    normalize_phone,
)
from queue_server.catalogue.models import Service
from queue_server.catalogue.service import get_service
from queue_server.clock import Clock
from queue_server.errors import Conflict, Forbidden, InvalidInput, NotFound
from queue_server.events.service import emit
from queue_server.messages import Term
from queue_server.offices.calendar import closing_at, local_now
from queue_server.offices.models import Office
from queue_server.offices.service import overrides_for
from queue_server.tickets import remote_rules as rules
from queue_server.tickets.estimates import LiveQueue, WaitEstimate, load_live_queue
from queue_server.tickets.exceptions import TooManyRemotePlaces
from queue_server.tickets.history import record_transition, ticket_payload
from queue_server.tickets.issuing import ensure_offered, ensure_open, served_at_office
from queue_server.tickets.models import (
    CANCELLED,
    EXPECTED,
    RemoteQueuePolicy,
    RemoteQueueService,
    RemoteTicket,
    Ticket,
)
from queue_server.tickets.moves import lock_ticket
from queue_server.tickets.numbering import next_number
from queue_server.tickets.rules import QueuedTicket
from queue_server.tickets.statemachine import target_state
from queue_server.tickets.waits import start_wait

KIOSK, CLERK = "kiosk", "clerk"


def client_key(address: str | None) -> str | None:
    """The key a client address is counted under for the rate (its hash, not the address)."""
    if not address:
        return None
    return hashlib.sha256(f"remote-queue:{address}".encode()).hexdigest()[:32]


# --- the office's settings -------------------------------------------------------------


def policy_for(*, session: Session, office: Office, lock: bool = False) -> RemoteQueuePolicy:
    """The office's remote-queue policy (off until a manager turns it on); its row is
    created on the first locked use (a write), a read gets the defaults unsaved.

    With `lock`, the row is locked: places of one office are taken one at a time, so the
    per-phone limit and the network rate are checked and written under the same lock.
    """
    stmt = select(RemoteQueuePolicy).where(RemoteQueuePolicy.office_id == office.id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    policy = session.scalar(stmt)
    if policy is None:
        policy = RemoteQueuePolicy(
            office_id=office.id,
            enabled=False,
            per_phone_per_day=rules.REMOTE_PER_PHONE_PER_DAY,
            per_client_per_hour=rules.REMOTE_PER_CLIENT_PER_HOUR,
            late_minutes=rules.REMOTE_LATE_MINUTES,
        )
        if not lock:
            return policy  # a read (a GET, a page) writes nothing: the defaults, unsaved
        session.add(policy)
        session.flush()
        policy = session.scalars(stmt).one()  # locked now
    return policy


def opened_service_ids(*, session: Session, office: Office) -> set[int]:
    """The services the office opened to remote queueing."""
    return set(
        session.scalars(
            select(RemoteQueueService.service_id).where(RemoteQueueService.office_id == office.id)
        )
    )


def open_services(*, session: Session, office: Office) -> list[Service]:
    """The services one may queue for from the phone now: opened, active, served here."""
    ids = opened_service_ids(session=session, office=office)
    if not ids:
        return []
    services = session.scalars(
        select(Service).where(Service.id.in_(ids), Service.active.is_(True)).order_by(Service.code)
    ).all()
    return [s for s in services if served_at_office(session=session, office=office, service=s)]


def update_policy(
    *, session: Session, office: Office, changes: dict[str, Any], services: list[str] | None
) -> RemoteQueuePolicy:
    """Change the office's policy and, when given, the services opened to it (managers)."""
    policy = policy_for(session=session, office=office, lock=True)
    for name, value in changes.items():
        setattr(policy, name, value)
    if services is not None:
        wanted = {get_service(session=session, code=code).id for code in services}
        current = opened_service_ids(session=session, office=office)
        for service_id in current - wanted:
            row = session.get(RemoteQueueService, (office.id, service_id))
            if row is not None:
                session.delete(row)
        for service_id in wanted - current:
            session.add(RemoteQueueService(office_id=office.id, service_id=service_id))
    session.flush()
    return policy


# --- the estimate with the places not taken up yet -------------------------------------


def _as_queued(ticket: Ticket, *, since: datetime, due_at: datetime) -> QueuedTicket:
    limit = timedelta(minutes=ticket.service.wait_limit_minutes)
    return QueuedTicket(
        id=ticket.id,
        service_id=ticket.service_id,
        waiting_since=since,
        deadline=since + limit,
        due_at=due_at,
        priority_rank=ticket.priority_rank,
    )


def live_with_places(
    *, session: Session, office: Office, now: datetime, exclude: int | None = None
) -> LiveQueue:
    """The live queue with every place not taken up yet expected at its time, as the
    dispatcher will treat it once its applicant arrives (called first from then on); the
    live queue reads them itself (`estimates._remote_places`). `exclude`: a place left
    out (the one asked about, put in the queue by the caller)."""
    live = load_live_queue(session=session, office=office, now=now)
    if exclude is None:
        return live
    return replace(
        live,
        arrivals=[t for t in live.arrivals if t.id != exclude],
        remote=[t for t in live.remote if t.id != exclude],
    )


def new_place_estimates(
    *, session: Session, office: Office, now: datetime, services: list[Service]
) -> dict[int, WaitEstimate]:
    """Per service: the wait of a place taken now (the places already taken counted)."""
    if not services:
        return {}
    live = live_with_places(session=session, office=office, now=now)
    return live.estimate_for_new_tickets(services)


@dataclass(frozen=True)
class PlaceStatus:
    """What the holder of a place not taken up yet is told: the code to check in with,
    when the turn comes if they checked in now, until when the check-in is open."""

    checkin_code: str
    due_at: datetime
    checkin_until: datetime
    estimate: WaitEstimate

    def come_at(self, now: datetime) -> datetime | None:
        """When to be at the office: the call's instant if one checked in now (None while
        no open window serves the service)."""
        if self.estimate.minutes is None:
            return None
        return now + timedelta(minutes=self.estimate.minutes)


def place_status(
    *, session: Session, office: Office, ticket: Ticket, remote: RemoteTicket, now: datetime
) -> PlaceStatus:
    """The place's status, with the live estimate of its call if the applicant arrived now."""
    assert ticket.due_at is not None
    live = live_with_places(session=session, office=office, now=now, exclude=ticket.id)
    mine = _as_queued(ticket, since=rules.wait_start(ticket.due_at, now), due_at=ticket.due_at)
    replay = LiveQueue(
        office=office,
        now=now,
        waiting=[*live.waiting, mine],
        windows=live.windows,
        seconds_of=live.seconds_of,
        arrivals=live.arrivals,
        remote=live.remote,
    )
    return PlaceStatus(
        checkin_code=format_code(remote.checkin_code),
        due_at=ticket.due_at,
        checkin_until=remote.expires_at,
        estimate=replay.estimate(ticket.id),
    )


# --- taking a place --------------------------------------------------------------------


def _count_phone_today(session: Session, office: Office, day: Any, phone: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(RemoteTicket)
            .where(
                RemoteTicket.office_id == office.id,
                RemoteTicket.day == day,
                RemoteTicket.phone == phone,
            )
        )
        or 0
    )


def _ensure_within_rate(
    session: Session, office: Office, key: str | None, limit: int, now: datetime
) -> None:
    if key is None or limit <= 0:
        return
    recent = session.scalars(
        select(RemoteTicket.taken_at)
        .where(
            RemoteTicket.office_id == office.id,
            RemoteTicket.client_key == key,
            RemoteTicket.taken_at > now - rules.REMOTE_RATE_WINDOW,
        )
        .order_by(RemoteTicket.taken_at.desc())
        .limit(limit)
    ).all()
    if len(recent) >= limit:
        frees_at = recent[-1] + rules.REMOTE_RATE_WINDOW
        raise TooManyRemotePlaces(retry_after=max(1, math.ceil((frees_at - now).total_seconds())))


def take_place(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    service_code: str,
    phone: str,
    consent: bool,
    client_address: str | None,
) -> tuple[Ticket, RemoteTicket]:
    """Take a place in the live queue from the phone; every refusal writes nothing."""
    policy = policy_for(session=session, office=office)
    if not policy.enabled:
        raise Conflict(code="remote_queue_off")
    service = get_service(session=session, code=service_code)
    if service.id not in opened_service_ids(session=session, office=office):
        raise InvalidInput(code="remote_service_closed", service=service.name_ru)
    ensure_offered(session=session, office=office, service=service)
    if not consent:
        raise InvalidInput(code="consent_required")
    digits = normalize_phone(phone)
    now = clock.now()
    ensure_open(session=session, office=office, now=now)
    policy = policy_for(session=session, office=office, lock=True)
    day = local_now(office, now).date()
    key = client_key(client_address)
    _ensure_within_rate(session, office, key, policy.per_client_per_hour, now)
    if _count_phone_today(session, office, day, digits) >= policy.per_phone_per_day:
        raise Conflict(code="remote_phone_limit", limit=policy.per_phone_per_day)
    estimate = new_place_estimates(session=session, office=office, now=now, services=[service])[
        service.id
    ]
    if estimate.minutes is None:
        raise Conflict(code="remote_no_open_window", service=service.name_ru)
    due_at = rules.place_time(now, estimated_wait_minutes=estimate.minutes)
    today = overrides_for(session=session, office_id=office.id, start=day, end=day)
    closes = closing_at(office, now, today)
    if closes is not None and due_at >= closes:
        raise Conflict(
            code="remote_after_closing",
            service=service.name_ru,
            time=f"{local_now(office, closes):%H:%M}",
        )
    seq, number = next_number(session=session, office_id=office.id, prefix=service.prefix, day=day)
    ticket = Ticket(
        office_id=office.id,
        service=service,
        day=day,
        prefix=service.prefix,
        seq=seq,
        number=number,
        status=EXPECTED,
        status_code=secrets.token_urlsafe(12),
        due_at=due_at,
        issued_at=now,
    )
    # No wait runs before the arrival; the arrival starts it afresh (`arrive`).
    start_wait(
        ticket,
        limit_minutes=service.wait_limit_minutes,
        warning_share=office.warning_ratio,
        since=due_at,
    )
    session.add(ticket)
    session.flush()
    remote = RemoteTicket(
        ticket_id=ticket.id,
        office_id=office.id,
        day=day,
        checkin_code=new_code(),
        phone=digits,
        client_key=key,
        taken_at=now,
        consent_at=now,
        expires_at=rules.checkin_closes(due_at, late_minutes=policy.late_minutes),
    )
    session.add(remote)
    session.flush()
    record_transition(
        session,
        ticket,
        action="issue",
        from_status=None,
        at=now,
        clerk_id=None,
        detail={"remote": True},
    )
    emit(
        session=session,
        clock=clock,
        type="ticket.remote_taken",
        office_id=office.id,
        payload=ticket_payload(ticket, remote=True, due_at=due_at.isoformat()),
    )
    return ticket, remote


# --- arriving --------------------------------------------------------------------------


def remote_of(session: Session, ticket_id: int) -> RemoteTicket | None:
    """The remote part of a ticket, if it was taken from the phone."""
    return session.get(RemoteTicket, ticket_id)


def _arrive(
    session: Session,
    clock: Clock,
    ticket: Ticket,
    remote: RemoteTicket,
    *,
    via: str,
    clerk_id: int | None,
) -> Ticket:
    office = session.get(Office, ticket.office_id)
    assert office is not None and ticket.due_at is not None
    now = clock.now()
    from_status = ticket.status
    ticket.status = target_state("arrive", ticket.status, ticket.number)
    start_wait(
        ticket,
        limit_minutes=ticket.service.wait_limit_minutes,
        warning_share=office.warning_ratio,
        since=rules.wait_start(ticket.due_at, now),
    )
    remote.arrived_at, remote.arrived_via = now, via
    record_transition(
        session,
        ticket,
        action="arrive",
        from_status=from_status,
        at=now,
        clerk_id=clerk_id,
        detail={"via": via},
    )
    emit(
        session=session,
        clock=clock,
        type="ticket.arrived",
        office_id=ticket.office_id,
        payload=ticket_payload(ticket, remote=True, via=via),
    )
    return ticket


def _refuse_given_up(office: Office, ticket: Ticket, remote: RemoteTicket) -> None:
    if ticket.status != EXPECTED:
        raise Conflict(
            code="remote_place_given_up",
            number=ticket.number,
            state=Term("ticket_state", ticket.status),
        )


def check_in(
    *, session: Session, clock: Clock, office: Office, principal: Principal, code: str
) -> Ticket:
    """The applicant checks in at the kiosk with the place's code: the ticket joins the queue.

    The same code again gives the same ticket (a second tap, a reprint). A kiosk or staff
    of another office gets the answer of an unknown code.
    """
    if not principal.may_act_in(office.id):
        raise NotFound(code="remote_place_not_found")
    principal.require_staff_or_device("kiosk")
    remote = session.scalar(
        select(RemoteTicket).where(
            RemoteTicket.office_id == office.id,
            RemoteTicket.checkin_code == normalize_code(code),
        )
    )
    if remote is None:
        raise NotFound(code="remote_place_not_found")
    ticket = lock_ticket(session, session.get_one(Ticket, remote.ticket_id))
    session.refresh(remote)
    if remote.arrived_at is not None:
        return ticket
    _refuse_given_up(office, ticket, remote)
    now = clock.now()
    if not rules.may_still_check_in(now, expires_at=remote.expires_at):
        raise Conflict(
            code="remote_checkin_too_late", at=f"{local_now(office, remote.expires_at):%H:%M}"
        )
    clerk_id = principal.id if principal.is_staff else None
    return _arrive(session, clock, ticket, remote, via=KIOSK, clerk_id=clerk_id)


def confirm_arrival(
    *, session: Session, clock: Clock, ticket: Ticket, principal: Principal
) -> Ticket:
    """A clerk sees the applicant of a place taken from the phone: the ticket joins the queue.

    The clerk's word stands even after the check-in closed, as long as the place has not
    lapsed yet; once confirmed, confirming again changes nothing.
    """
    principal.require_office(ticket.office_id)
    if principal.kind != "user":
        raise Forbidden(code="wrong_role", key="wrong_role.staff_only_moves")
    ticket = lock_ticket(session, ticket)
    remote = remote_of(session, ticket.id)
    if remote is None:
        raise Conflict(code="not_a_remote_ticket", number=ticket.number)
    if remote.arrived_at is not None:
        return ticket
    office = session.get(Office, ticket.office_id)
    assert office is not None
    _refuse_given_up(office, ticket, remote)
    return _arrive(session, clock, ticket, remote, via=CLERK, clerk_id=principal.id)


def give_up_place(*, session: Session, clock: Clock, ticket: Ticket) -> Ticket:
    """The applicant gives the place up from the ticket's page: it leaves the queue for good
    (it still counts towards the phone's daily limit). Giving it up twice changes nothing."""
    ticket = lock_ticket(session, ticket)
    held = remote_of(session, ticket.id)
    if held is None:
        raise Conflict(code="not_a_remote_ticket", number=ticket.number)
    if ticket.status == CANCELLED:
        return ticket
    office = session.get(Office, ticket.office_id)
    assert office is not None
    _refuse_given_up(office, ticket, held)
    now = clock.now()
    from_status = ticket.status
    ticket.status = target_state("cancel", ticket.status, ticket.number)
    ticket.finished_at = now
    record_transition(
        session,
        ticket,
        action="cancel",
        from_status=from_status,
        at=now,
        clerk_id=None,
        detail={"by": "applicant"},
    )
    emit(
        session=session,
        clock=clock,
        type="ticket.cancelled",
        office_id=ticket.office_id,
        payload=ticket_payload(ticket, remote=True, by="applicant"),
    )
    return ticket


@dataclass(frozen=True)
class ExpectedPlace:
    """A place not taken up yet, as staff see it: the phone masked."""

    ticket: Ticket
    remote: RemoteTicket

    @property
    def phone_masked(self) -> str:
        """The last four digits only; nothing once the phone has been forgotten."""
        return mask_phone(self.remote.phone) if self.remote.phone else ""


def expected_places(*, session: Session, office: Office) -> list[ExpectedPlace]:
    """The office's places not taken up yet, by their time."""
    rows = session.execute(
        select(Ticket, RemoteTicket)
        .join(RemoteTicket, RemoteTicket.ticket_id == Ticket.id)
        .where(Ticket.office_id == office.id, Ticket.status == EXPECTED)
        .order_by(Ticket.due_at, Ticket.id)
    ).all()
    return [ExpectedPlace(ticket=t, remote=r) for t, r in rows]


# --- timed jobs ------------------------------------------------------------------------


def drop_remote_places_not_taken_up(*, session: Session, clock: Clock) -> int:
    """Places whose check-in has closed without the applicant lapse into no-shows."""
    now = clock.now()
    lapsed = session.scalars(
        select(Ticket)
        .join(RemoteTicket, RemoteTicket.ticket_id == Ticket.id)
        .where(
            RemoteTicket.arrived_at.is_(None),
            RemoteTicket.expires_at <= now,
            Ticket.status == EXPECTED,
        )
        .with_for_update(of=Ticket, skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    for ticket in lapsed:
        from_status = ticket.status
        ticket.status = target_state("lapse", ticket.status, ticket.number)
        ticket.finished_at = now
        record_transition(
            session,
            ticket,
            action="lapse",
            from_status=from_status,
            at=now,
            clerk_id=None,
            automatic=True,
        )
        emit(
            session=session,
            clock=clock,
            type="ticket.remote_lapsed",
            office_id=ticket.office_id,
            payload=ticket_payload(ticket, remote=True, automatic=True),
        )
    return len(lapsed)


def forget_remote_phones(*, session: Session, clock: Clock) -> int:
    """Phones and network keys of places taken on an office day that is over are erased."""
    now = clock.now()
    office_ids = session.scalars(
        select(RemoteTicket.office_id)
        .where(RemoteTicket.phone.is_not(None) | RemoteTicket.client_key.is_not(None))
        .distinct()
    ).all()
    forgotten = 0
    for office_id in office_ids:
        office = session.get(Office, office_id)
        assert office is not None
        today = local_now(office, now).date()
        result = session.execute(
            update(RemoteTicket)
            .where(
                RemoteTicket.office_id == office_id,
                RemoteTicket.day < today,
                RemoteTicket.phone.is_not(None) | RemoteTicket.client_key.is_not(None),
            )
            .values(phone=None, client_key=None)
            .execution_options(synchronize_session=False)
        )
        forgotten += int(getattr(result, "rowcount", 0) or 0)
    return forgotten
