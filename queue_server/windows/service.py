"""Windows: configuration, who holds them, pauses."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.catalogue.service import get_service
from queue_server.clock import Clock
from queue_server.errors import Conflict, Forbidden, NotFound
from queue_server.events.service import emit
from queue_server.messages import Term
from queue_server.offices.models import Office
from queue_server.tickets.models import CALLED, SERVING, Ticket
from queue_server.windows.models import Window, WindowService
from queue_server.windows.schemas import CurrentTicketOut, WindowIn, WindowOut, WindowServiceIn


def get_window(*, session: Session, office: Office, number: int, lock: bool = False) -> Window:
    """The office's window with this number, or 404; `lock` takes its row lock."""
    stmt = select(Window).where(Window.office_id == office.id, Window.number == number)
    if lock:
        stmt = stmt.with_for_update()
    window = session.scalar(stmt)
    if window is None:
        raise NotFound(code="window_not_found", office=office.code, number=number)
    return window


def put_window(*, session: Session, office: Office, number: int, data: WindowIn) -> Window:
    """Create or replace a window and the services it serves."""
    window = session.scalar(
        select(Window).where(Window.office_id == office.id, Window.number == number)
    )
    if window is None:
        window = Window(office_id=office.id, number=number)
        session.add(window)
    window.name, window.active, window.led_address = data.name, data.active, data.led_address
    codes = [s.service for s in data.services]
    if len(set(codes)) != len(codes):
        raise Conflict(code="duplicate_service")
    wanted = [(get_service(session=session, code=s.service), s.order) for s in data.services]
    window.services.clear()
    session.flush()
    for service, order in wanted:
        window.services.append(WindowService(service_id=service.id, order=order))
    session.flush()
    return window


def current_ticket(*, session: Session, window: Window) -> Ticket | None:
    """The ticket the window has called or is serving."""
    return session.scalar(
        select(Ticket).where(Ticket.window_id == window.id, Ticket.status.in_((CALLED, SERVING)))
    )


def window_out(*, session: Session, window: Window) -> WindowOut:
    """A window's API representation."""
    clerk = session.get(User, window.clerk_id) if window.clerk_id else None
    ticket = current_ticket(session=session, window=window)
    return WindowOut(
        number=window.number,
        name=window.name,
        active=window.active,
        led_address=window.led_address,
        services=[
            WindowServiceIn(service=ws.service.code, order=ws.order) for ws in window.services
        ],
        clerk=(clerk.full_name or clerk.username) if clerk else None,
        paused=window.paused,
        pause_reason=window.pause_reason,
        current_ticket=CurrentTicketOut(
            id=ticket.id, number=ticket.number, status=ticket.status, service=ticket.service.code
        )
        if ticket
        else None,
    )


def list_windows(*, session: Session, office: Office) -> list[Window]:
    """The office's windows by number."""
    return list(
        session.scalars(select(Window).where(Window.office_id == office.id).order_by(Window.number))
    )


def _event(session: Session, clock: Clock, type_: str, window: Window, **extra: object) -> None:
    emit(
        session=session,
        clock=clock,
        type=type_,
        office_id=window.office_id,
        payload={"window": window.number, **extra},
    )


def take_window(
    *, session: Session, clock: Clock, office: Office, number: int, principal: Principal
) -> Window:
    """A clerk takes a free window; two clerks cannot hold one, one clerk cannot hold two."""
    if principal.role != "clerk":
        raise Forbidden(code="wrong_role", key="wrong_role.clerk_only")
    principal.require_office(office.id)
    window = get_window(session=session, office=office, number=number, lock=True)
    if not window.active:
        raise Conflict(code="window_inactive", number=number)
    if principal.is_user(window.clerk_id):
        return window
    if window.clerk_id is not None:
        holder = session.get(User, window.clerk_id)
        name = (holder.full_name or holder.username) if holder else "another clerk"
        raise Conflict(code="window_taken", number=number, name=name)
    held = session.scalar(select(Window).where(Window.clerk_id == principal.user_id))
    if held is not None:
        raise Conflict(code="clerk_has_window", number=held.number)
    window.clerk_id = principal.user_id
    window.paused, window.pause_reason = False, ""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(
            code="clerk_has_window", key="clerk_has_window.clerk_has_another_window"
        ) from exc
    _event(session, clock, "window.taken", window, clerk=principal.name)
    return window


def _require_holder(window: Window, principal: Principal) -> None:
    # Kind and id together: a board whose device id equals the clerk's user id is not him.
    if principal.is_staff and principal.role in ("admin", "manager"):
        return
    if not principal.is_user(window.clerk_id):
        raise Forbidden(code="not_your_window", number=window.number)


def release_window(
    *, session: Session, clock: Clock, office: Office, number: int, principal: Principal
) -> Window:
    """The clerk leaves the window (a manager may free it); it must have no open ticket."""
    principal.require_office(office.id)
    window = get_window(session=session, office=office, number=number, lock=True)
    _require_holder(window, principal)
    ticket = current_ticket(session=session, window=window)
    if ticket is not None:
        raise Conflict(
            code="window_busy",
            number=number,
            ticket=ticket.number,
            state=Term("ticket_state", ticket.status),
        )
    window.clerk_id = None
    window.paused, window.pause_reason = False, ""
    _event(session, clock, "window.released", window)
    return window


def pause_window(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    number: int,
    principal: Principal,
    reason: str,
) -> Window:
    """Pause a window (no calls) with a reason."""
    principal.require_office(office.id)
    window = get_window(session=session, office=office, number=number, lock=True)
    _require_holder(window, principal)
    if window.paused:
        raise Conflict(code="already_paused", number=number)
    window.paused, window.pause_reason = True, reason
    _event(session, clock, "window.paused", window, reason=reason)
    return window


def resume_window(
    *, session: Session, clock: Clock, office: Office, number: int, principal: Principal
) -> Window:
    """End a window's pause."""
    principal.require_office(office.id)
    window = get_window(session=session, office=office, number=number, lock=True)
    _require_holder(window, principal)
    if not window.paused:
        raise Conflict(code="not_paused", number=number)
    window.paused, window.pause_reason = False, ""
    _event(session, clock, "window.resumed", window)
    return window
