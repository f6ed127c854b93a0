"""Routes: issue, call next, move a ticket, the queue, the public status."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from queue_server.api import api_router
from queue_server.audit.service import record_ticket_move
from queue_server.auth.service import Principal, device_digest
from queue_server.catalogue.models import PriorityCategory
from queue_server.deps import (
    ClockDep,
    CurrentOffice,
    CurrentTicket,
    PrincipalDep,
    RuntimeDep,
    SessionDep,
    bearer_token,
    get_principal,
)
from queue_server.errors import NotFound
from queue_server.runtime import Runtime
from queue_server.tickets import issuing, moves, presenters, remote
from queue_server.tickets.history import transitions_of
from queue_server.tickets.queue import office_queue
from queue_server.tickets.schemas import (
    CancelWaitingIn,
    CancelWaitingOut,
    ExpectedPlaceOut,
    PublicStatusOut,
    QueueOut,
    RedirectIn,
    RemotePlaceIn,
    RemotePlaceOut,
    RemotePolicyIn,
    RemotePolicyOut,
    RemoteQueueOut,
    TicketIssuedOut,
    TicketIssueIn,
    TicketOut,
    TransitionOut,
)
from queue_server.types import Code, HolderCode, WindowNumber

router = api_router(tags=["tickets"])


_bearer = HTTPBearer(auto_error=False)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


@router.post("/offices/{code}/tickets", response_model=TicketIssuedOut, status_code=201)
async def issue_ticket(
    code: Code, data: TicketIssueIn, credentials: BearerDep, request: Request, response: Response
) -> TicketIssuedOut:
    """Issue a ticket (kiosk device or staff); the same idempotency key gives the same ticket.

    One hand-off to the thread pool for the whole request (`_issue`): three short
    transactions, one connection at a time. Refusals (closed, over the kiosk's rate,
    numbers used up) are decided on a read-only transaction closed before the write one
    opens; what the kiosk prints (place, estimate) is read after the commit.
    """
    runtime: Runtime = request.state.runtime
    issued, created = await run_in_threadpool(_issue, runtime, code, data, credentials)
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return issued


def _issue(
    runtime: Runtime,
    code: str,
    data: TicketIssueIn,
    credentials: HTTPAuthorizationCredentials | None,
) -> tuple[TicketIssuedOut, bool]:
    db, clock = runtime.db, runtime.clock
    cache = runtime.config
    per_minute = runtime.settings.kiosk_tickets_per_minute
    with db.transaction(read_only=True) as read:

        def plan_for(principal: Principal, unchecked: str | None) -> issuing.IssuePlan:
            return issuing.plan_issue(
                session=read,
                cache=cache,
                clock=clock,
                office_code=code,
                principal=principal,
                service_code=data.service,
                priority_category=data.priority_category,
                idempotency_key=data.idempotency_key,
                per_minute=per_minute,
                device_digest=unchecked,
            )

        digest = device_digest(credentials.credentials) if credentials else None
        remembered = runtime.devices.get(digest) if digest else None
        plan: issuing.IssuePlan | None = None
        if remembered is not None and digest is not None:
            try:
                principal, plan = remembered, plan_for(remembered, digest)
            except (issuing.UncheckedDevice, NotFound):
                # No longer vouched for, or refused before the pre-read could check it
                # (an unknown office): read the token as every route does.
                runtime.devices.forget(digest)
        if plan is None:
            principal = get_principal(read, clock, credentials)
            if digest is not None:
                runtime.devices.remember(digest, principal)
            plan = plan_for(principal, None)
    ticket, created = plan.replayed, False
    if ticket is None:
        try:
            with db.transaction() as session:
                ticket = issuing.write_issue(
                    session=session,
                    clock=clock,
                    plan=plan,
                    principal=principal,
                    idempotency_key=data.idempotency_key,
                    per_minute=per_minute,
                )
            created = True
            # Detached now: it gets its (cached, read-only) service for the answer.
            set_committed_value(ticket, "service", plan.service)
        except IntegrityError:
            # A concurrent request with the same key won: answer with its ticket.
            with db.transaction(read_only=True) as read:
                ticket = issuing.replayed_after_race(
                    session=read,
                    office=plan.office,
                    key=data.idempotency_key,
                    service=data.service,
                    category_id=plan.category.id if plan.category else None,
                )
            if ticket is None:
                raise
    # The wait estimate replays the office's queue: read after the commit, on a read-only
    # transaction, so the office's write lock is never held for it.
    with db.transaction(read_only=True) as read:
        category = plan.category if created else None
        if not created and ticket.priority_category_id is not None:
            category = read.get(PriorityCategory, ticket.priority_category_id)
        issued = presenters.issued_answer(read, runtime, plan.office, ticket, clock.now(), category)
    return issued, created


@router.post(
    "/offices/{code}/windows/{number}/call-next",
    response_model=TicketOut,
    responses={204: {"description": "Nobody is waiting for this window's services"}},
)
async def call_next(
    code: Code, number: WindowNumber, credentials: BearerDep, request: Request
) -> TicketOut | Response:
    """The clerk at the window calls the next ticket; 204 when nobody waits.

    One hand-off to the thread pool (`_call_next`): one transaction — the window's lock,
    which reads the clerk's token too, the pick-and-update and its transition (one
    statement on PostgreSQL), the event — with the office's configuration from the
    process's cache.
    """
    runtime: Runtime = request.state.runtime
    called = await run_in_threadpool(_call_next, runtime, code, number, credentials)
    return Response(status_code=204) if called is None else called


def _call_next(
    runtime: Runtime,
    code: str,
    number: int,
    credentials: HTTPAuthorizationCredentials | None,
) -> TicketOut | None:
    db, clock = runtime.db, runtime.clock
    cache = runtime.config
    token = bearer_token(credentials)
    with db.transaction() as session:
        office = issuing.office_from_cache(session=session, cache=cache, code=code, now=clock.now())
        locked = moves.lock_window_for_call(
            session, clock=clock, office=office, number=number, token=token
        )
        snapshot = cache.current()
        stamp = locked.stamp
        if snapshot is None or snapshot.stamp != stamp or not snapshot.covers(clock.now().date()):
            snapshot = cache.fresh(session, stamp=stamp, now=clock.now())
            if snapshot.offices.get(code) is None:
                raise NotFound(code="office_not_found", value=code)
            if snapshot.offices[code].id != office.id:
                office = snapshot.offices[code]
                locked = moves.lock_window_for_call(
                    session, clock=clock, office=office, number=number, token=token
                )
            office = snapshot.offices[code]
        window, busy, principal = locked.window, locked.busy, locked.principal
        moves.check_window_for_call(window, busy, number=number, principal=principal)
        ticket = moves.call_next_locked(
            session=session,
            clock=clock,
            office=office,
            window=window,
            principal=principal,
            services=snapshot.services_by_id,
        )
        if ticket is None:
            return None
    category = snapshot.categories_by_id.get(ticket.priority_category_id or -1)
    return presenters.ticket_out_of(
        ticket,
        office,
        window,
        snapshot.services_by_id[ticket.service_id],
        category.code if category else None,
    )


@router.post(
    "/offices/{code}/services/{service_code}/cancel-waiting", response_model=CancelWaitingOut
)
def cancel_waiting(
    service_code: Code,
    data: CancelWaitingIn,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> CancelWaitingOut:
    """A manager cancels all of today's waiting tickets of a service in one action."""
    count = moves.cancel_waiting(
        session=session,
        clock=clock,
        office=office,
        service_code=service_code,
        principal=principal,
        reason=data.reason,
    )
    return CancelWaitingOut(service=service_code, cancelled=count, reason=data.reason)


@router.get("/offices/{code}/queue", response_model=QueueOut)
def queue(
    office: CurrentOffice, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> QueueOut:
    """Waiting tickets per service, in call order, with their waits and deadlines."""
    principal.require_office(office.id)
    principal.require_staff_or_device("kiosk", "board", "led")
    return presenters.queue_out(office_queue(session=session, office=office, now=clock.now()))


@router.get("/tickets/status/{status_code}", response_model=PublicStatusOut)
def public_status(status_code: HolderCode, session: SessionDep, clock: ClockDep) -> PublicStatusOut:
    """A ticket's own status by its unguessable code; no login, no personal data."""
    ticket = issuing.find_by_status_code(session=session, status_code=status_code)
    return presenters.public_status_out(session, ticket, clock.now())


@router.get("/tickets/{ticket_id}", response_model=TicketOut)
def get_ticket(ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep) -> TicketOut:
    """One ticket (staff of its office)."""
    principal.require_office(ticket.office_id)
    principal.require_staff()
    return presenters.ticket_out(session, ticket)


@router.get("/tickets/{ticket_id}/history", response_model=list[TransitionOut])
def ticket_history(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep
) -> list[TransitionOut]:
    """Every stored step of the ticket, with time, window and clerk (staff)."""
    principal.require_office(ticket.office_id)
    principal.require_staff()
    return presenters.transitions_out(transitions_of(session=session, ticket=ticket))


@router.post("/tickets/{ticket_id}/recall", response_model=TicketOut)
def recall(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> TicketOut:
    """Call the ticket again."""
    moved = moves.recall(session=session, clock=clock, ticket=ticket, principal=principal)
    record_ticket_move(session, principal, "ticket_recalled", moved, clock=clock)
    return presenters.ticket_out(session, moved)


@router.post("/tickets/{ticket_id}/start", response_model=TicketOut)
def start(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> TicketOut:
    """The applicant has come: service starts."""
    moved = moves.start(session=session, clock=clock, ticket=ticket, principal=principal)
    return presenters.ticket_out(session, moved)


@router.post("/tickets/{ticket_id}/finish", response_model=TicketOut)
def finish(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> TicketOut:
    """Service is over."""
    moved = moves.finish(session=session, clock=clock, ticket=ticket, principal=principal)
    return presenters.ticket_out(session, moved)


@router.post("/tickets/{ticket_id}/no-show", response_model=TicketOut)
def no_show(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> TicketOut:
    """The called applicant did not come."""
    moved = moves.mark_no_show(session=session, clock=clock, ticket=ticket, principal=principal)
    record_ticket_move(session, principal, "ticket_no_show", moved, clock=clock)
    return presenters.ticket_out(session, moved)


@router.post("/tickets/{ticket_id}/cancel", response_model=TicketOut)
def cancel(
    ticket: CurrentTicket, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> TicketOut:
    """Take a waiting ticket out of the queue."""
    moved = moves.cancel(session=session, clock=clock, ticket=ticket, principal=principal)
    return presenters.ticket_out(session, moved)


@router.post("/tickets/{ticket_id}/redirect", response_model=TicketOut)
def redirect(
    data: RedirectIn,
    ticket: CurrentTicket,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> TicketOut:
    """Send the ticket to another service: same number, new wait."""
    moved = moves.redirect(
        session=session, clock=clock, ticket=ticket, principal=principal, service_code=data.service
    )
    record_ticket_move(
        session, principal, "ticket_redirected", moved, {"to_service": data.service}, clock=clock
    )
    return presenters.ticket_out(session, moved)


# --- a place in the live queue taken from the phone (tickets/remote.py) -----------------


@router.get("/public/offices/{code}/remote-queue", response_model=RemoteQueueOut, tags=["public"])
def public_remote_queue(
    office: CurrentOffice, session: SessionDep, clock: ClockDep
) -> RemoteQueueOut:
    """Whether the office takes queue places from the phone now, for which services, and
    the wait of a place taken now."""
    return presenters.remote_queue_out(session, office, clock.now())


@router.post(
    "/public/offices/{code}/remote-tickets",
    response_model=RemotePlaceOut,
    status_code=201,
    tags=["public"],
)
def public_take_place(
    data: RemotePlaceIn,
    request: Request,
    office: CurrentOffice,
    session: SessionDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> RemotePlaceOut:
    """Take a place in the live queue from the phone; the ticket waits for the arrival."""
    ticket, held = remote.take_place(
        session=session,
        clock=clock,
        office=office,
        service_code=data.service,
        phone=data.phone,
        consent=data.consent,
        client_address=request.client.host if request.client else None,
    )
    return presenters.remote_place_out(runtime, office, ticket, held)


@router.post(
    "/tickets/status/{status_code}/give-up", response_model=PublicStatusOut, tags=["public"]
)
def public_give_up(
    status_code: HolderCode, session: SessionDep, clock: ClockDep
) -> PublicStatusOut:
    """The holder of a place taken from the phone gives it up (by the ticket's code)."""
    ticket = issuing.find_by_status_code(session=session, status_code=status_code)
    gone = remote.give_up_place(session=session, clock=clock, ticket=ticket)
    return presenters.public_status_out(session, gone, clock.now())


@router.post(
    "/offices/{code}/remote-tickets/{checkin_code}/check-in", response_model=TicketIssuedOut
)
def remote_check_in(
    checkin_code: HolderCode,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> TicketIssuedOut:
    """The applicant checks in at the kiosk with the place's code: the ticket joins the
    queue (the same code again gives the same ticket)."""
    ticket = remote.check_in(
        session=session, clock=clock, office=office, principal=principal, code=checkin_code
    )
    return presenters.issued_out(session, runtime, office, ticket, clock.now())


@router.get("/offices/{code}/remote-tickets", response_model=list[ExpectedPlaceOut])
def expected_places(
    office: CurrentOffice, session: SessionDep, principal: PrincipalDep
) -> list[ExpectedPlaceOut]:
    """The places taken from the phone whose applicants have not arrived yet (staff)."""
    principal.require_office(office.id)
    principal.require_staff()
    return [
        presenters.expected_place_out(p)
        for p in remote.expected_places(session=session, office=office)
    ]


@router.get("/offices/{code}/remote-policy", response_model=RemotePolicyOut)
def get_remote_policy(
    office: CurrentOffice, session: SessionDep, principal: PrincipalDep
) -> RemotePolicyOut:
    """The office's remote-queue policy (staff)."""
    principal.require_office(office.id)
    principal.require_staff()
    return presenters.remote_policy_out(session, office)


@router.put("/offices/{code}/remote-policy", response_model=RemotePolicyOut)
def put_remote_policy(
    data: RemotePolicyIn, office: CurrentOffice, session: SessionDep, principal: PrincipalDep
) -> RemotePolicyOut:
    """Turn remote queueing on or off, set its limits and the services opened (managers)."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    remote.update_policy(
        session=session,
        office=office,
        changes=data.model_dump(exclude={"services"}),
        services=data.services,
    )
    return presenters.remote_policy_out(session, office)
