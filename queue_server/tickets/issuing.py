"""Issuing tickets: at the kiosk, by staff, or on a booking's check-in; one per idempotency key."""

from __future__ import annotations

import functools
import math
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from queue_server.auth.models import Device
from queue_server.auth.service import Principal
from queue_server.bookings.rules import booked_wait_start
from queue_server.catalogue.models import PriorityCategory, Service
from queue_server.catalogue.service import get_service
from queue_server.clock import Clock
from queue_server.db import UTCDateTime, prebuilt
from queue_server.errors import Conflict, Forbidden, InvalidInput, NotFound
from queue_server.events.service import emit
from queue_server.messages import Term
from queue_server.offices.calendar import is_open_at, local_now, next_opening
from queue_server.offices.config_cache import ConfigCache, ConfigSnapshot, stamp_now
from queue_server.offices.models import Office
from queue_server.offices.service import overrides_for
from queue_server.tickets.exceptions import OfficeClosed, TooManyTickets
from queue_server.tickets.history import payload_of, record_transition, ticket_payload
from queue_server.tickets.models import WAITING, Ticket, TicketCounter
from queue_server.tickets.numbering import (
    NUMBERS_PER_PREFIX,
    exhausted,
    format_number,
    held_numbers,
    insert_numbered,
    insert_ticket_and_step,
    next_number,
    number_from,
    numbers_left,
)
from queue_server.tickets.waits import start_wait
from queue_server.windows.models import Window, WindowService

# The kiosk rate limit counts the tickets a device issued in this sliding window.
RATE_WINDOW = timedelta(minutes=1)


def ensure_open(*, session: Session, office: Office, now: datetime) -> None:
    """Refuse with the next opening time when the office is closed (R6)."""
    today = local_now(office, now).date()
    if is_open_at(
        office, now, overrides_for(session=session, office_id=office.id, start=today, end=today)
    ):
        return
    overrides = overrides_for(
        session=session, office_id=office.id, start=today, end=today + timedelta(days=60)
    )
    opening = next_opening(office, now, overrides)
    if opening is None:
        raise OfficeClosed(code="office_closed", key="office_closed.no_opening")
    local = local_now(office, opening)
    raise OfficeClosed(
        weekday=Term("weekday", str(local.weekday())), day=f"{local:%d.%m}", time=f"{local:%H:%M}"
    )


def served_at_office(*, session: Session, office: Office, service: Service) -> bool:
    """Whether some active window of the office serves the service."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    WindowService.service_id == service.id,
                    WindowService.window_id == Window.id,
                    Window.office_id == office.id,
                    Window.active.is_(True),
                )
            )
        )
    )


def ensure_offered(*, session: Session, office: Office, service: Service) -> None:
    """Refuse a service that is inactive or that no active window of the office serves."""
    if not service.active or not served_at_office(session=session, office=office, service=service):
        raise InvalidInput(code="service_not_offered", service=service.name_ru)


def find_by_idempotency_key(*, session: Session, office: Office, key: str) -> Ticket | None:
    """The ticket already issued for this key at this office."""
    return session.scalar(
        select(Ticket).where(Ticket.office_id == office.id, Ticket.idempotency_key == key)
    )


def ticket_label(*, session: Session, status_code: str) -> tuple[str, str] | None:
    """The number and office name of the ticket with this code, for its public page."""
    row = session.execute(
        select(Ticket.number, Office.name)
        .join(Office, Office.id == Ticket.office_id)
        .where(Ticket.status_code == status_code)
    ).first()
    return (row[0], row[1]) if row else None


def get_ticket(session: Session, ticket_id: int) -> Ticket:
    """A ticket by id (one this request has just issued or found)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("No such ticket.", code="ticket_not_found")
    return ticket


def find_by_status_code(*, session: Session, status_code: str) -> Ticket:
    """The ticket whose holder has this unguessable code, or 404."""
    ticket = session.scalar(select(Ticket).where(Ticket.status_code == status_code))
    if ticket is None:
        raise NotFound(code="ticket_not_found")
    return ticket


def _may_issue(principal: Principal, office: Office) -> None:
    principal.require_office(office.id)
    if principal.kind == "device" and principal.role != "kiosk":
        raise Forbidden(code="wrong_device", key="wrong_device.kiosk_only")


def _priority_category(session: Session, code: str | None) -> PriorityCategory | None:
    if code is None:
        return None
    category = session.scalar(
        select(PriorityCategory).where(
            PriorityCategory.code == code, PriorityCategory.active.is_(True)
        )
    )
    if category is None:
        raise InvalidInput(code="unknown_category", value=code)
    return category


def ensure_within_rate(
    *, session: Session, office: Office, principal: Principal, now: datetime, per_minute: int
) -> None:
    """Refuse a kiosk that issued `per_minute` tickets in the last minute (0: no limit).

    Counted from the stored tickets, so every server process sees the same figure. Staff
    are not limited: they issue on an applicant's behalf, one at a time.
    """
    if per_minute <= 0 or principal.kind != "device":
        return
    recent = session.scalars(
        _RECENT_BY_DEVICE,
        {
            "office_id": office.id,
            "device_id": principal.id,
            "since": now - RATE_WINDOW,
            "most": per_minute,
        },
    ).all()
    if len(recent) >= per_minute:
        frees_at = recent[-1] + RATE_WINDOW
        raise TooManyTickets(retry_after=max(1, math.ceil((frees_at - now).total_seconds())))


#: The kiosk's last tickets within the rate's window, newest first (built once: it is read
#: on every issue from a kiosk, and building a SELECT costs more than running this one).
_RECENT_BY_DEVICE = prebuilt(
    select(Ticket.issued_at)
    .where(
        Ticket.office_id == bindparam("office_id"),
        Ticket.issued_by_device_id == bindparam("device_id"),
        Ticket.issued_at > bindparam("since", type_=UTCDateTime()),
    )
    .order_by(Ticket.issued_at.desc())
    .limit(bindparam("most"))
)


def refuse_early(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    principal: Principal,
    service_code: str,
    idempotency_key: str | None,
    per_minute: int,
) -> None:
    """Every refusal of an issue decided by cheap reads, before any write lock is taken.

    The write path (`issue_ticket`) checks the same again under its locks; this only
    spares the office's writers a refused kiosk that keeps asking: wrong device, a service
    not offered, the office closed, the kiosk over its rate, every number held.
    """
    _may_issue(principal, office)
    if idempotency_key and find_by_idempotency_key(
        session=session, office=office, key=idempotency_key
    ):
        return  # a replay: answered by the write path with the ticket already given
    service = get_service(session=session, code=service_code)
    ensure_offered(session=session, office=office, service=service)
    now = clock.now()
    ensure_open(session=session, office=office, now=now)
    ensure_within_rate(
        session=session, office=office, principal=principal, now=now, per_minute=per_minute
    )
    day = local_now(office, now).date()
    if not numbers_left(session=session, office_id=office.id, prefix=service.prefix, day=day):
        raise exhausted(service.prefix)


def _same_request(ticket: Ticket, service: str, category_id: int | None) -> None:
    if ticket.service.code != service or ticket.priority_category_id != category_id:
        raise Conflict(code="idempotency_key_reused")


def _replayed(
    session: Session, office: Office, key: str | None, service: str, category_id: int | None
) -> Ticket | None:
    """The ticket this key already gave, after checking it was asked for the same thing."""
    if key is None:
        return None
    existing = find_by_idempotency_key(session=session, office=office, key=key)
    if existing is not None:
        _same_request(existing, service, category_id)
    return existing


def _unnumbered_ticket(
    *,
    office: Office,
    service: Service,
    category: PriorityCategory | None,
    principal: Principal,
    idempotency_key: str | None,
    booking_id: int | None,
    booking_slot: datetime | None,
    now: datetime,
    cached: bool,
) -> Ticket:
    """A new ticket in the queue with its wait limit (R1–R4), not numbered yet (transient).

    `cached`: the service (and office) come from the process's configuration cache; the
    ticket then gets the service's id only, never the shared object.
    """
    ticket = Ticket(
        office_id=office.id,
        **({"service_id": service.id} if cached else {"service": service}),
        day=local_now(office, now).date(),
        prefix=service.prefix,
        status=WAITING,
        status_code=secrets.token_urlsafe(12),
        idempotency_key=idempotency_key,
        priority_category_id=category.id if category else None,
        priority_rank=category.rank if category else None,
        booking_id=booking_id,
        due_at=booking_slot,
        issued_at=now,
        issued_by_device_id=principal.id if principal.kind == "device" else None,
    )
    if booking_slot is not None:
        since, limit = booked_wait_start(booking_slot, now), office.booked_wait_limit_minutes
    else:
        since, limit = now, service.wait_limit_minutes
    start_wait(ticket, limit_minutes=limit, warning_share=office.warning_ratio, since=since)
    return ticket


def _new_ticket(
    session: Session,
    *,
    office: Office,
    service: Service,
    category: PriorityCategory | None,
    principal: Principal,
    idempotency_key: str | None,
    booking_id: int | None,
    booking_slot: datetime | None,
    now: datetime,
    cached: bool = False,
) -> Ticket:
    """Number the ticket and put it in the queue with its wait limit (R1–R4)."""
    ticket = _unnumbered_ticket(
        office=office,
        service=service,
        category=category,
        principal=principal,
        idempotency_key=idempotency_key,
        booking_id=booking_id,
        booking_slot=booking_slot,
        now=now,
        cached=cached,
    )
    ticket.seq, ticket.number = next_number(
        session=session, office_id=office.id, prefix=service.prefix, day=ticket.day
    )
    session.add(ticket)
    session.flush()
    return ticket


def _queued(
    session: Session,
    ticket: Ticket,
    number: tuple[int, str],
    *,
    at: datetime,
    clerk_id: int | None,
) -> Ticket:
    """Write a new ticket under its number (sequence, printed number) with its first step."""
    ticket.seq, ticket.number = number
    session.add(ticket)
    session.flush()
    record_transition(session, ticket, action="issue", from_status=None, at=at, clerk_id=clerk_id)
    return ticket


def _first_step(ticket: Ticket, *, at: datetime, clerk_id: int | None) -> dict[str, Any]:
    """The new ticket's first transition, as the columns of its row (`record_transition`)."""
    return {
        "action": "issue",
        "from_status": None,
        "to_status": ticket.status,
        "at": at,
        "service_id": ticket.service_id,
        "window_id": None,
        "clerk_id": clerk_id,
        "automatic": False,
        "detail": {},
    }


def _attached(session: Session, ticket: Ticket, ticket_id: int, seq: int) -> Ticket:
    """The ticket just inserted, attached as persistent (nothing to load or flush)."""
    ticket.id, ticket.seq, ticket.number = ticket_id, seq, format_number(ticket.prefix, seq)
    make_transient_to_detached(ticket)
    session.add(ticket)
    return ticket


def _issued_in_one_statement(
    session: Session, ticket: Ticket, *, at: datetime, clerk_id: int | None
) -> Ticket:
    """PostgreSQL: the counter, the ticket and its transition in one round trip
    (`numbering.insert_numbered`); the ticket is attached as persistent, nothing to load."""
    seq, ticket_id = insert_numbered(session, ticket, _first_step(ticket, at=at, clerk_id=clerk_id))
    if ticket_id is None:  # past 999: a free number under the counter's lock, then as usual
        number = number_from(session, ticket.office_id, ticket.prefix, ticket.day, seq)
        return _queued(session, ticket, number, at=at, clerk_id=clerk_id)
    return _attached(session, ticket, ticket_id, seq)


def _issued_in_core_statements(
    session: Session, ticket: Ticket, *, at: datetime, clerk_id: int | None
) -> Ticket:
    """SQLite: the counter's bump, then the ticket and its transition as two Core
    statements (`numbering.insert_ticket_and_step`), not ORM flushes."""
    ticket.seq, ticket.number = next_number(
        session=session, office_id=ticket.office_id, prefix=ticket.prefix, day=ticket.day
    )
    ticket_id = insert_ticket_and_step(
        session, ticket, _first_step(ticket, at=at, clerk_id=clerk_id)
    )
    return _attached(session, ticket, ticket_id, ticket.seq)


def issue_ticket(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    principal: Principal,
    service_code: str,
    priority_category: str | None = None,
    idempotency_key: str | None = None,
    booking_id: int | None = None,
    booking_slot: datetime | None = None,
    per_minute: int = 0,
) -> tuple[Ticket, bool]:
    """Issue a ticket; returns (ticket, created). A repeated idempotency key returns the first.

    `per_minute`: the kiosk rate limit (0: none, e.g. a booking's check-in).
    """
    _may_issue(principal, office)
    category = _priority_category(session, priority_category)
    category_id = category.id if category else None
    existing = _replayed(session, office, idempotency_key, service_code, category_id)
    if existing is not None:
        return existing, False
    service = get_service(session=session, code=service_code)
    ensure_offered(session=session, office=office, service=service)
    now = clock.now()
    ensure_open(session=session, office=office, now=now)
    ensure_within_rate(
        session=session, office=office, principal=principal, now=now, per_minute=per_minute
    )
    try:
        # The savepoint covers the counter too: if a concurrent request won the race for
        # the same idempotency key, our number is given back rather than skipped.
        with session.begin_nested():
            ticket = _new_ticket(
                session,
                office=office,
                service=service,
                category=category,
                principal=principal,
                idempotency_key=idempotency_key,
                booking_id=booking_id,
                booking_slot=booking_slot,
                now=now,
            )
    except IntegrityError:
        existing = _replayed(session, office, idempotency_key, service_code, category_id)
        if existing is None:
            raise
        return existing, False
    clerk_id = principal.id if principal.is_staff else None
    record_transition(session, ticket, action="issue", from_status=None, at=now, clerk_id=clerk_id)
    emit(
        session=session,
        clock=clock,
        type="ticket.issued",
        office_id=office.id,
        payload=ticket_payload(
            ticket, booked=booking_id is not None, priority=category_id is not None
        ),
    )
    return ticket, True


# --- the write path of the issue route: configuration from the process's cache ------------
#
# The route (`views.issue_ticket`) runs three short transactions on one worker thread: a
# read-only one that decides every refusal (`plan_issue`: the token, then one statement for
# the configuration's stamp, the idempotency key, the kiosk's rate and the counter), the
# write (`write_issue`: the counter bump, the ticket, its transition, its event — the
# office's serialisation points last, nothing read while they are held), and the answer's
# read after the commit (place and estimate). The configuration comes from memory
# (`offices/config_cache.py`), checked against the stamp read in the first transaction.


class UncheckedDevice(Exception):
    """A remembered device the database no longer vouches for (revoked, new token)."""


@dataclass(frozen=True)
class IssuePlan:
    """What the write needs, decided before it: every refusal has been made."""

    office: Office
    service: Service
    category: PriorityCategory | None
    now: datetime
    replayed: Ticket | None  # the ticket this idempotency key already gave


def office_from_cache(*, session: Session, cache: ConfigCache, code: str, now: datetime) -> Office:
    """The office by code from the cache; an unknown code re-reads the stamp once (a new
    office) before the 404. The stamp is checked again by the statement that follows."""
    return _office_in_cache(session=session, cache=cache, code=code, now=now)[1]


def _office_in_cache(
    *, session: Session, cache: ConfigCache, code: str, now: datetime
) -> tuple[ConfigSnapshot, Office]:
    """`office_from_cache` with the snapshot it was found in."""
    snapshot = cache.current()
    office = snapshot.offices.get(code) if snapshot else None
    if snapshot is None or office is None:
        snapshot = cache.fresh(session, stamp=cache.read_stamp(session), now=now)
        office = snapshot.offices.get(code)
    if office is None:
        raise NotFound(code="office_not_found", value=code)
    return snapshot, office


def _pre_read(
    session: Session,
    *,
    office: Office,
    service: Service | None,
    principal: Principal,
    idempotency_key: str | None,
    per_minute: int,
    now: datetime,
    device_digest: str | None,
) -> Any:
    """One statement: the configuration's stamp, the ticket of the idempotency key, the
    instant the kiosk's rate frees a ticket (None: under its rate), the day's counter;
    with `device_digest`, whether the device is still the one behind that token."""
    rate = per_minute if per_minute > 0 and principal.kind == "device" else 0
    parameters: dict[str, Any] = {"office_id": office.id}
    if device_digest is not None:
        parameters.update(device_id=principal.id, device_digest=device_digest)
    if idempotency_key:
        parameters["key"] = idempotency_key
    if rate:
        parameters.update(device_id=principal.id, since=now - RATE_WINDOW)
    if service is not None:
        parameters.update(prefix=service.prefix, day=local_now(office, now).date())
    statement = _pre_read_statement(
        bool(idempotency_key), rate, service is not None, device_digest is not None
    )
    return session.connection().execute(statement, parameters).one()  # reads no mapped object


@functools.cache
def _pre_read_statement(replay: bool, rate: int, counter: bool, device: bool) -> Any:
    """`_pre_read`'s statement, built once for each shape (the kiosk's rate is a setting)."""
    office_id: Any = bindparam("office_id")
    columns: list[Any] = [stamp_now().label("stamp")]
    if device:
        columns.append(
            select(Device.id)
            .where(
                Device.id == bindparam("device_id"),
                Device.token_hash == bindparam("device_digest"),
                Device.revoked.is_(False),
            )
            .scalar_subquery()
            .label("device_valid")
        )
    if replay:
        columns.append(
            select(Ticket.id)
            .where(Ticket.office_id == office_id, Ticket.idempotency_key == bindparam("key"))
            .scalar_subquery()
            .label("replayed")
        )
    if rate:
        # The rate-th latest ticket of the kiosk in the last minute: while it is there,
        # the kiosk is at its rate, until that ticket is a minute old.
        columns.append(
            select(Ticket.issued_at)
            .where(
                Ticket.office_id == office_id,
                Ticket.issued_by_device_id == bindparam("device_id"),
                Ticket.issued_at > bindparam("since", type_=UTCDateTime()),
            )
            .order_by(Ticket.issued_at.desc())
            .offset(rate - 1)
            .limit(1)
            .scalar_subquery()
            .label("rate_full_since")
        )
    if counter:
        columns.append(
            select(TicketCounter.last_seq)
            .where(
                TicketCounter.office_id == office_id,
                TicketCounter.prefix == bindparam("prefix"),
                TicketCounter.day == bindparam("day"),
            )
            .scalar_subquery()
            .label("last_seq")
        )
    return prebuilt(select(*columns))


def plan_issue(
    *,
    session: Session,
    cache: ConfigCache,
    clock: Clock,
    office_code: str,
    principal: Principal,
    service_code: str,
    priority_category: str | None,
    idempotency_key: str | None,
    per_minute: int,
    device_digest: str | None = None,
) -> IssuePlan:
    """Every check of an issue, on a read-only transaction, in `issue_ticket`'s order:
    device, replay, service offered, office open, kiosk rate, numbers left, category.

    `device_digest`: `principal` is a device remembered by this process for that token
    (`auth.service.DeviceTokens`), not read yet; the pre-read checks it first and raises
    `UncheckedDevice` when the device is revoked or no longer has that token."""
    now = clock.now()
    snapshot, office = _office_in_cache(session=session, cache=cache, code=office_code, now=now)
    # The pre-read carries the stamp: when it differs from the snapshot's (or the snapshot
    # does not reach today), the configuration is reloaded; the pre-read is made again
    # only if what it depended on changed (the office's id, the service's prefix, the
    # office's local day). A second change between the two is seen by the next request.
    row: Any = None
    read_for: tuple[int, str | None, date] | None = None
    for fresh in (False, True):
        if fresh:
            snapshot = cache.fresh(session, stamp=row.stamp, now=now)
            if office_code not in snapshot.offices:
                raise NotFound(code="office_not_found", value=office_code)
            office = snapshot.offices[office_code]
        service = snapshot.services.get(service_code)
        depends = (office.id, service.prefix if service else None, local_now(office, now).date())
        if depends != read_for:
            row, read_for = (
                _pre_read(
                    session,
                    office=office,
                    service=service,
                    principal=principal,
                    idempotency_key=idempotency_key,
                    per_minute=per_minute,
                    now=now,
                    device_digest=device_digest,
                ),
                depends,
            )
            if device_digest is not None and row.device_valid is None:
                raise UncheckedDevice()
        if row.stamp == snapshot.stamp and snapshot.covers(now.date()):
            break
    _may_issue(principal, office)
    category = None
    if priority_category is not None:
        category = snapshot.categories.get(priority_category)
    replayed_id = getattr(row, "replayed", None)
    if replayed_id is not None:
        if priority_category is not None and category is None:
            raise InvalidInput(code="unknown_category", value=priority_category)
        existing = get_ticket(session, replayed_id)
        _same_request(existing, service_code, category.id if category else None)
        return IssuePlan(office, existing.service, category, now, existing)
    if service is None:
        raise NotFound(code="service_not_found", value=service_code)
    if not service.active or (office.id, service.id) not in snapshot.offered:
        raise InvalidInput(code="service_not_offered", service=service.name_ru)
    _ensure_open_at(office, now, snapshot)
    full_since = getattr(row, "rate_full_since", None)
    if full_since is not None:
        frees_at = full_since + RATE_WINDOW
        raise TooManyTickets(retry_after=max(1, math.ceil((frees_at - now).total_seconds())))
    last_seq = row.last_seq
    if last_seq is not None and last_seq >= NUMBERS_PER_PREFIX:
        day = local_now(office, now).date()
        held = held_numbers(session, office.id, service.prefix, day)
        if len(held) >= NUMBERS_PER_PREFIX:
            raise exhausted(service.prefix)
    if priority_category is not None and category is None:
        raise InvalidInput(code="unknown_category", value=priority_category)
    return IssuePlan(office, service, category, now, None)


def _ensure_open_at(office: Office, now: datetime, snapshot: ConfigSnapshot) -> None:
    """`ensure_open` on the cached calendar overrides."""
    overrides = snapshot.overrides(office.id)
    if is_open_at(office, now, overrides):
        return
    opening = next_opening(office, now, overrides)
    if opening is None:
        raise OfficeClosed(code="office_closed", key="office_closed.no_opening")
    local = local_now(office, opening)
    raise OfficeClosed(
        weekday=Term("weekday", str(local.weekday())), day=f"{local:%d.%m}", time=f"{local:%H:%M}"
    )


def write_issue(
    *,
    session: Session,
    clock: Clock,
    plan: IssuePlan,
    principal: Principal,
    idempotency_key: str | None,
    per_minute: int,
) -> Ticket:
    """The issue's write transaction: at most six statements, the locks last.

    The kiosk's rate is counted again first (on SQLite the transaction holds the write
    lock, so two requests of one kiosk cannot both pass; on PostgreSQL it is read before
    the counter's row lock, as before). Then the counter's upsert (the office's
    serialisation point), the ticket, and at commit its transition and its event (the
    outbox's ordering lock); on PostgreSQL the upsert, the ticket and the transition are
    one statement (`_issued_in_one_statement`). A concurrent request that took the same
    idempotency key makes the ticket's insert fail: the caller rolls back (the number is
    given back) and answers with that request's ticket.
    """
    if per_minute > 0 and principal.kind == "device":
        ensure_within_rate(
            session=session,
            office=plan.office,
            principal=principal,
            now=plan.now,
            per_minute=per_minute,
        )
    clerk_id = principal.id if principal.is_staff else None
    ticket = _unnumbered_ticket(
        office=plan.office,
        service=plan.service,
        category=plan.category,
        principal=principal,
        idempotency_key=idempotency_key,
        booking_id=None,
        booking_slot=None,
        now=plan.now,
        cached=True,
    )
    if session.get_bind().dialect.name == "postgresql":
        ticket = _issued_in_one_statement(session, ticket, at=plan.now, clerk_id=clerk_id)
    else:
        ticket = _issued_in_core_statements(session, ticket, at=plan.now, clerk_id=clerk_id)
    emit(
        session=session,
        clock=clock,
        type="ticket.issued",
        office_id=plan.office.id,
        payload=payload_of(ticket, plan.service, booked=False, priority=plan.category is not None),
    )
    return ticket


def replayed_after_race(
    *, session: Session, office: Office, key: str | None, service: str, category_id: int | None
) -> Ticket | None:
    """The ticket a concurrent request issued for this key (after our insert lost)."""
    return _replayed(session, office, key, service, category_id)
