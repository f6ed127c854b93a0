"""Moving a ticket through its life cycle: call, recall, start, finish, no-show, cancel,
redirect. The allowed moves are the table in `statemachine.py`; each move is stored and
announced (`history.py`)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    Table,
    bindparam,
    case,
    false,
    literal,
    literal_column,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session, lazyload, make_transient_to_detached

from queue_server.auth.models import ApiToken, User
from queue_server.auth.service import Principal, resolve_token, token_digest
from queue_server.catalogue.models import Service
from queue_server.catalogue.service import get_service
from queue_server.clock import Clock
from queue_server.db import UTCDateTime, prebuilt
from queue_server.errors import Conflict, Forbidden, InvalidInput, NotFound
from queue_server.events.service import emit
from queue_server.messages import Term
from queue_server.offices.calendar import local_now
from queue_server.offices.config_cache import stamp_now
from queue_server.offices.models import Office
from queue_server.tickets.dispatcher import head_pick_statement, pick_next, pick_parameters
from queue_server.tickets.exceptions import WindowBusy
from queue_server.tickets.history import (
    payload_of,
    record_transition,
    ticket_payload,
    transition_insert,
)
from queue_server.tickets.issuing import ensure_offered
from queue_server.tickets.models import CALLED, SERVING, WAITING, Ticket, TicketTransition
from queue_server.tickets.statemachine import target_state
from queue_server.tickets.waits import settle_breach_at_call, start_wait, wait_is_judged
from queue_server.windows.models import Window
from queue_server.windows.service import current_ticket, get_window


def lock_ticket(session: Session, ticket: Ticket) -> Ticket:
    """Take the ticket's row lock and re-read its state; every move starts here.

    The route loaded the ticket before anyone held a lock, so its status may be stale: a
    scheduler pass (R5 no-show) or another window may have moved it since. On PostgreSQL
    `FOR UPDATE` waits for that transaction and then returns the committed row, so the
    state machine judges the move on the truth; a scheduler that comes second finds the
    row locked and skips it. SQLite renders no `FOR UPDATE`: there the request's
    transaction holds the database's write lock from its first statement (BEGIN
    IMMEDIATE), which serialises every move already; the re-read is then a no-op.
    """
    locked = session.scalars(
        select(Ticket)
        .where(Ticket.id == ticket.id)
        .with_for_update(of=Ticket)
        .execution_options(populate_existing=True)
    ).one()
    return locked


def require_clerk_at(window: Window, principal: Principal) -> None:
    """Only the clerk who holds the window calls to it."""
    if principal.kind != "user":
        raise Forbidden(code="wrong_role", key="wrong_role.clerk_only")
    if not principal.is_user(window.clerk_id):
        raise Forbidden(code="not_your_window", number=window.number)


def ensure_ready_to_call(session: Session, window: Window, number: int) -> None:
    """The window is not paused and has no called or served ticket."""
    if window.paused:
        raise Conflict(code="window_paused", number=number)
    busy = current_ticket(session=session, window=window)
    if busy is not None:
        raise WindowBusy(number=number, ticket=busy.number, state=Term("ticket_state", busy.status))


def call_next(
    *, session: Session, clock: Clock, office: Office, number: int, principal: Principal
) -> Ticket | None:
    """The clerk's window calls the next ticket, or None when nobody waits."""
    principal.require_office(office.id)
    window = get_window(session=session, office=office, number=number, lock=True)
    require_clerk_at(window, principal)
    ensure_ready_to_call(session, window, number)
    now = clock.now()
    ticket = pick_next(session=session, office=office, window=window, now=now)
    if ticket is None:
        return None
    return call_ticket(
        session=session,
        clock=clock,
        office=office,
        window=window,
        ticket=ticket,
        principal=principal,
    )


# --- call-next on the cached configuration: one transaction ----------------------------


# The statuses in the statement's text, not bound: with them bound, PostgreSQL found the
# prepared statement's generic plan (which cannot know that few tickets are called)
# dearer than a plan for the values in some offices, and planned every call afresh there
# (0.2–0.3 ms of its CPU; benchmarks/README.md, session 14).
_CALLED_OR_SERVING: tuple[Any, ...] = (
    literal_column(f"'{CALLED}'"),
    literal_column(f"'{SERVING}'"),
)


def _lock_window_statement() -> Any:
    busy = select(Ticket.number, Ticket.status).where(
        # The office's own tickets: the queue index (office, status) finds the few called.
        Ticket.office_id == Window.office_id,
        Ticket.status.in_(_CALLED_OR_SERVING),
        Ticket.window_id == Window.id,
    )
    # The clerk's token and account, read by the same statement: a read-only transaction
    # of its own cost the call three more round trips (begin, read, end). A person's
    # principal is never kept between requests; it is read here on every call.
    clerk = (
        select(
            ApiToken.expires_at.label("token_expires_at"),
            User.id.label("user_id"),
            User.role.label("user_role"),
            User.office_id.label("user_office_id"),
            User.full_name.label("user_full_name"),
            User.username.label("user_username"),
            User.active.label("user_active"),
        )
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == bindparam("token_digest"))
        .subquery("clerk")
    )
    return (
        select(
            Window,
            busy.with_only_columns(Ticket.number).limit(1).scalar_subquery().label("busy_number"),
            busy.with_only_columns(Ticket.status).limit(1).scalar_subquery().label("busy_status"),
            stamp_now().label("stamp"),
            *clerk.c,
        )
        .outerjoin(clerk, true())
        .where(Window.office_id == bindparam("office_id"), Window.number == bindparam("number"))
        .with_for_update(of=Window)
        .options(lazyload(Window.services))  # not read here
    )


# Built once: call-next runs it on every call.
_LOCK_WINDOW = prebuilt(_lock_window_statement())


@dataclass(frozen=True)
class LockedWindow:
    """What call-next's first statement read: the window (row-locked), its called or
    served ticket as (number, status) or None, the configuration's stamp, and the clerk."""

    window: Window
    busy: tuple[str, str] | None
    stamp: Any
    principal: Principal


def lock_window_for_call(
    session: Session, *, clock: Clock, office: Office, number: int, token: str
) -> LockedWindow:
    """The window's row lock, with its called or served ticket, the configuration's stamp
    and the bearer token's clerk, in one statement.

    Refusals keep the order of every route's: a token that is not a valid staff token
    (unknown, expired, a disabled account, a device's) is resolved as every route does,
    which answers 401 (or gives the device, refused later as not a clerk); then the office
    (403), then an unknown window (404).
    """
    parameters = {"office_id": office.id, "number": number, "token_digest": token_digest(token)}
    row = session.execute(_LOCK_WINDOW, parameters).first()
    principal = _clerk_of(row, clock)
    if principal is None:
        principal = resolve_token(session=session, clock=clock, token=token)
    principal.require_office(office.id)
    if row is None:
        raise NotFound(code="window_not_found", office=office.code, number=number)
    busy_ticket = (row.busy_number, row.busy_status) if row.busy_number is not None else None
    return LockedWindow(row[0], busy_ticket, row.stamp, principal)


def _clerk_of(row: Any, clock: Clock) -> Principal | None:
    """The staff member of the row's valid token; None for anything else."""
    if row is None or row.user_id is None or not row.user_active:
        return None
    if row.token_expires_at <= clock.now():
        return None
    name = row.user_full_name or row.user_username
    return Principal("user", row.user_id, row.user_role, row.user_office_id, name)


def check_window_for_call(window: Window, busy: Any, *, number: int, principal: Principal) -> None:
    """`require_clerk_at` and `ensure_ready_to_call` on what the window's lock read."""
    require_clerk_at(window, principal)
    if window.paused:
        raise Conflict(code="window_paused", number=number)
    if busy is not None:
        raise WindowBusy(number=number, ticket=busy[0], state=Term("ticket_state", busy[1]))


def call_next_locked(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    window: Window,
    principal: Principal,
    services: dict[int, Service],
) -> Ticket | None:
    """Call the next ticket to the locked window in one statement (pick and update; on
    PostgreSQL its transition too), then on SQLite its transition, and its event at
    commit; None when nobody waits.

    The same moves as `call_next` / `call_ticket`: status called, the window and clerk,
    the first call's time kept for a ticket back from a hold (its wait was judged then).
    The update and the transition are Core statements built once on the session's
    connection (the ORM's update-returning and flush cost about as much CPU as the rest
    of the call); the ticket is attached from the returned row as if loaded.
    """
    now = clock.now()
    parameters = pick_parameters(office=office, window=window, now=now)
    parameters.update(call_window_id=window.id, call_clerk_id=principal.id, call_at=now)
    connection = session.connection()
    statement = _prebuilt_call(office.dispatch_policy, connection.dialect.name)
    row = connection.execute(statement, parameters).first()
    if row is None:
        return None
    ticket = Ticket(**row._asdict())
    make_transient_to_detached(ticket)  # loaded: nothing to flush, nothing expired
    session.add(ticket)
    assert ticket.called_at is not None
    # A first call sets called_at to now; a ticket back from a hold kept its earlier one
    # (one called, held and back within the same instant would count as a first call).
    if ticket.called_at == now:
        settle_breach_at_call(session, ticket, now=now, clerk_id=principal.id)
    if connection.dialect.name != "postgresql":  # PostgreSQL: stored by the call's statement
        connection.execute(
            transition_insert(_CALL_STEP),
            {
                "s_ticket_id": ticket.id,
                "s_action": "call",
                "s_from_status": WAITING,
                "s_to_status": ticket.status,
                "s_at": now,
                "s_service_id": ticket.service_id,
                "s_window_id": window.id,
                "s_clerk_id": principal.id,
                "s_automatic": False,
                "s_detail": {},
            },
        )
    emit(
        session=session,
        clock=clock,
        type="ticket.called",
        office_id=office.id,
        payload=payload_of(
            ticket,
            services[ticket.service_id],
            window,
            wait_seconds=int((ticket.called_at - ticket.waiting_since).total_seconds()),
        ),
    )
    return ticket


_CALL_STEP = (
    "action",
    "from_status",
    "to_status",
    "at",
    "service_id",
    "window_id",
    "clerk_id",
    "automatic",
    "detail",
)


@functools.cache
def _prebuilt_call(policy: str, dialect: str) -> Any:
    """`_call_statement`, found in the compiled cache by a short key (`db.prebuilt`)."""
    return prebuilt(_call_statement(policy, dialect))


def _call_statement(policy: str, dialect: str) -> Any:
    """`call_next_locked`'s pick-and-update, built once per dispatch policy and database:
    the ticket `head_pick_statement` finds becomes called at `call_window_id` by
    `call_clerk_id` at `call_at` (its first call's time kept for a ticket back from a
    hold); the whole row returned."""
    tickets, transitions = Ticket.__table__, TicketTransition.__table__
    assert isinstance(tickets, Table) and isinstance(transitions, Table)
    at = bindparam("call_at", type_=UTCDateTime())
    window_id = bindparam("call_window_id", type_=Integer)
    clerk_id = bindparam("call_clerk_id", type_=Integer)
    picked = head_pick_statement(policy, (Ticket.id,), dialect)
    called = (
        update(tickets)
        .where(tickets.c.id == picked.scalar_subquery().correlate(None))
        .values(
            status=target_state("call", WAITING, ""),
            window_id=window_id,
            clerk_id=clerk_id,
            called_at=case((tickets.c.called_at.is_(None), at), else_=tickets.c.called_at),
            last_called_at=at,
            recall_count=0,
        )
        .returning(*tickets.c)
    )
    if dialect != "postgresql":
        return called
    # PostgreSQL: the step in the same statement (one round trip fewer), from the row the
    # update returned; SQLite has no data-modifying WITH, it runs `transition_insert` next.
    row = called.cte("called")
    step = transitions.insert().from_select(
        ("ticket_id", *_CALL_STEP),
        select(
            row.c.id,
            literal("call", String),
            literal(WAITING, String),
            row.c.status,
            at,
            row.c.service_id,
            window_id,
            clerk_id,
            false(),
            bindparam("call_detail", {}, type_=transitions.c.detail.type),
        ),
    )
    return select(*row.c).add_cte(step.cte("step"))


def call_ticket(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    window: Window,
    ticket: Ticket,
    principal: Principal,
    detail: dict[str, Any] | None = None,
) -> Ticket:
    """Call this (locked, waiting) ticket to the window: the end of its wait (R1–R4).

    A ticket back from a hold keeps its first call time: its wait was judged at that
    call, and the hold is the applicant's time, not the queue's (`clerk/holds.py`).
    """
    now = clock.now()
    from_status = ticket.status
    ticket.status = target_state("call", ticket.status, ticket.number)
    ticket.window_id, ticket.clerk_id = window.id, principal.id
    first_call = not wait_is_judged(ticket)
    if first_call:
        ticket.called_at = now
        settle_breach_at_call(session, ticket, now=now, clerk_id=principal.id)
    ticket.last_called_at = now
    ticket.recall_count = 0
    record_transition(
        session,
        ticket,
        action="call",
        from_status=from_status,
        at=now,
        clerk_id=principal.id,
        detail=detail,
    )
    assert ticket.called_at is not None
    emit(
        session=session,
        clock=clock,
        type="ticket.called",
        office_id=office.id,
        payload=ticket_payload(
            ticket,
            window,
            wait_seconds=int((ticket.called_at - ticket.waiting_since).total_seconds()),
            **(detail or {}),
        ),
    )
    return ticket


def acting_on(session: Session, ticket: Ticket, principal: Principal) -> Window | None:
    """The ticket's window, after checking the principal may act on the ticket."""
    principal.require_office(ticket.office_id)
    window = session.get(Window, ticket.window_id) if ticket.window_id else None
    if principal.kind != "user":
        raise Forbidden(code="wrong_role", key="wrong_role.staff_only_moves")
    if principal.role == "clerk" and window is not None and not principal.is_user(window.clerk_id):
        raise Forbidden(
            code="not_your_window",
            key="not_your_window.ticket_at_other_window",
            number=ticket.number,
            window=window.number,
        )
    return window


def _move(
    *,
    session: Session,
    clock: Clock,
    ticket: Ticket,
    principal: Principal | None,
    action: str,
    event: str,
    automatic: bool = False,
    detail: dict[str, Any] | None = None,
) -> Ticket:
    ticket = lock_ticket(session, ticket)
    window = (
        acting_on(session, ticket, principal)
        if principal is not None
        else (session.get(Window, ticket.window_id) if ticket.window_id else None)
    )
    now = clock.now()
    from_status = ticket.status
    ticket.status = target_state(action, ticket.status, ticket.number)
    if action == "recall":
        ticket.recall_count += 1
        ticket.last_called_at = now
    elif action == "start":
        ticket.started_at = now
    elif action in ("finish", "no_show", "cancel"):
        ticket.finished_at = now
    clerk_id = principal.id if principal is not None and principal.is_staff else None
    record_transition(
        session,
        ticket,
        action=action,
        from_status=from_status,
        at=now,
        clerk_id=clerk_id,
        automatic=automatic,
        detail=detail,
    )
    emit(
        session=session,
        clock=clock,
        type=event,
        office_id=ticket.office_id,
        payload=ticket_payload(
            ticket, window, automatic=automatic, recall_count=ticket.recall_count
        ),
    )
    return ticket


def recall(
    *, session: Session, clock: Clock, ticket: Ticket, principal: Principal | None
) -> Ticket:
    """Call the same ticket again (R5); automatic when `principal` is None."""
    return _move(
        session=session,
        clock=clock,
        ticket=ticket,
        principal=principal,
        action="recall",
        event="ticket.recalled",
        automatic=principal is None,
    )


def start(*, session: Session, clock: Clock, ticket: Ticket, principal: Principal) -> Ticket:
    """The applicant came to the window: service starts."""
    return _move(
        session=session,
        clock=clock,
        ticket=ticket,
        principal=principal,
        action="start",
        event="ticket.started",
    )


def finish(*, session: Session, clock: Clock, ticket: Ticket, principal: Principal) -> Ticket:
    """Service is over."""
    return _move(
        session=session,
        clock=clock,
        ticket=ticket,
        principal=principal,
        action="finish",
        event="ticket.finished",
    )


def mark_no_show(
    *, session: Session, clock: Clock, ticket: Ticket, principal: Principal | None
) -> Ticket:
    """The called applicant did not come (R5); automatic when `principal` is None."""
    return _move(
        session=session,
        clock=clock,
        ticket=ticket,
        principal=principal,
        action="no_show",
        event="ticket.no_show",
        automatic=principal is None,
    )


def cancel(*, session: Session, clock: Clock, ticket: Ticket, principal: Principal) -> Ticket:
    """Take a waiting ticket out of the queue."""
    return _move(
        session=session,
        clock=clock,
        ticket=ticket,
        principal=principal,
        action="cancel",
        event="ticket.cancelled",
    )


def cancel_waiting(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    service_code: str,
    principal: Principal,
    reason: str,
) -> int:
    """A manager cancels all of today's waiting tickets of a service; how many there were.

    Each ticket gets its own cancel transition (with the reason) and event, so boards and
    reports see every one. The tickets are locked first: one a window is calling right now
    is waited for and, once called, no longer matches and stays with its window.
    """
    principal.require_office(office.id)
    if principal.kind != "user" or principal.role not in ("manager", "admin"):
        raise Forbidden(code="wrong_role", key="wrong_role.manager_only_cancel_all")
    service = get_service(session=session, code=service_code)
    waiting = session.scalars(
        select(Ticket)
        .where(
            Ticket.office_id == office.id,
            Ticket.service_id == service.id,
            Ticket.day == local_now(office, clock.now()).date(),
            Ticket.status == WAITING,
        )
        .order_by(Ticket.id)
        .with_for_update(of=Ticket)
        .execution_options(populate_existing=True)
    ).all()
    for ticket in waiting:
        _move(
            session=session,
            clock=clock,
            ticket=ticket,
            principal=principal,
            action="cancel",
            event="ticket.cancelled",
            detail={"reason": reason, "all_waiting_of": service.code},
        )
    return len(waiting)


def redirect(
    *, session: Session, clock: Clock, ticket: Ticket, principal: Principal, service_code: str
) -> Ticket:
    """Send the ticket to another service: same number, a new wait with the new limit."""
    ticket = lock_ticket(session, ticket)
    office = session.get(Office, ticket.office_id)
    assert office is not None
    service = get_service(session=session, code=service_code)
    if service.id == ticket.service_id:
        raise InvalidInput(code="same_service", number=ticket.number)
    ensure_offered(session=session, office=office, service=service)
    window = acting_on(session, ticket, principal)
    now = clock.now()
    from_status = ticket.status
    from_service = ticket.service.code
    ticket.status = target_state("redirect", ticket.status, ticket.number)
    ticket.service = service
    ticket.service_id = service.id
    ticket.redirect_count += 1
    start_wait(
        ticket,
        limit_minutes=service.wait_limit_minutes,
        warning_share=office.warning_ratio,
        since=now,
    )
    session.flush()
    record_transition(
        session,
        ticket,
        action="redirect",
        from_status=from_status,
        at=now,
        clerk_id=principal.id,
        detail={"from_service": from_service, "from_window": window.number if window else None},
    )
    emit(
        session=session,
        clock=clock,
        type="ticket.redirected",
        office_id=ticket.office_id,
        payload=ticket_payload(ticket, None, from_service=from_service),
    )
    return ticket
