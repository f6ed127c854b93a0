"""The events of a simulated day: each one presses the buttons a person would press.

An applicant takes a ticket at a kiosk (or checks a booking in); a clerk takes the window,
calls the next ticket, starts, finishes or redirects, pauses for a break and leaves; the
scheduler's timers recall and give up on absent applicants. Every press is one call of
the real service in its own transaction, at the simulated instant.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from queue_server.bookings.service import check_in_or_live, create_booking
from queue_server.bookings.slots import policy_for
from queue_server.errors import DomainError
from queue_server.simulation.applicants import Applicant, returning_time
from queue_server.tickets.issuing import issue_ticket
from queue_server.tickets.models import Ticket, WaitBreach
from queue_server.tickets.moves import call_next, cancel, finish, redirect, start
from queue_server.windows.service import (
    pause_window,
    release_window,
    resume_window,
    take_window,
)

# The kinds of timers (engine.TIMERS), named here to avoid a circular import.
WARN, BREACH, CALL, BOOKING = "warn", "breach", "call", "booking"

if TYPE_CHECKING:
    from queue_server.simulation.engine import Simulation, TicketState, WindowState


def returning_at(sim: Simulation, day: date, opens: time, closes: time) -> datetime:
    """When an applicant coming back for a result arrives on `day`."""
    return returning_time(sim.rng, sim.config, day, opens, closes, sim.zone)


def book_slots(sim: Simulation, applicants: list[Applicant]) -> None:
    """Before opening: the day's booked applicants get their slots (staff bookings, R4)."""
    booked = [a for a in applicants if a.slot is not None]
    if not booked:
        return
    with sim.step() as (session, office):
        minutes = policy_for(session=session, office=office, lock=True).slot_minutes
        for applicant in booked:
            assert applicant.slot is not None
            slot = applicant.slot.replace(second=0, microsecond=0)
            slot -= timedelta(minutes=slot.minute % minutes)
            try:
                with session.begin_nested():
                    booking = create_booking(
                        session=session,
                        clock=sim.clock,
                        office=office,
                        service_code=applicant.service,
                        slot_start=slot,
                        principal=sim.office.manager,
                    )
            except DomainError:  # full, or outside the day's slots: comes to the live queue
                applicant.slot = None
                continue
            applicant.slot, applicant.booking_code = slot, booking.code
            assert sim.day is not None
            sim.day.bookings += 1
            if applicant.booking_missed:
                closes = slot + timedelta(minutes=office.booking_checkin_after_minutes)
                sim.at(closes + timedelta(seconds=1), timer, BOOKING)


def arrive(sim: Simulation, applicant: Applicant) -> None:
    """The applicant takes a ticket at a kiosk or checks the booking in."""
    from queue_server.simulation.engine import TicketState

    if applicant.booking_missed and applicant.booking_code is not None:
        return
    kiosks = sim.office.kiosks
    kiosk = kiosks[sim.kiosk_turn % len(kiosks)]
    sim.kiosk_turn += 1
    with sim.step() as (session, office):
        if applicant.booking_code is not None:
            ticket, _refused = check_in_or_live(
                session=session,
                clock=sim.clock,
                office=office,
                principal=kiosk,
                code=applicant.booking_code,
                live_if_refused=True,
            )
        else:
            ticket, _created = issue_ticket(
                session=session,
                clock=sim.clock,
                office=office,
                principal=kiosk,
                service_code=applicant.service,
                priority_category=applicant.priority,
            )
        if sim.on_issue is not None:
            sim.on_issue(session, office, ticket)
        tid, warn_at, deadline = ticket.id, ticket.warn_at, ticket.deadline
        kind = "booked" if ticket.booking_id else "priority" if ticket.priority_rank else "live"
    sim.tickets[tid] = TicketState(applicant=applicant, service=applicant.service, kind=kind)
    sim.waiting[applicant.service] += 1
    assert sim.day is not None
    sim.day.tickets += 1
    sim.day.ticket_ids.append(tid)
    _watch_wait(sim, tid, warn_at, deadline)
    wake(sim, applicant.service)


def _watch_wait(sim: Simulation, tid: int, warn_at: datetime, deadline: datetime) -> None:
    # The scheduler announces the warning and stores the breach when they fall due.
    sim.at(warn_at, wait_timer, tid, WARN)
    sim.at(deadline, wait_timer, tid, BREACH)


def wake(sim: Simulation, service: str) -> None:
    """Idle windows that serve the service call, the longest idle first, until one gets it."""
    idle = [
        w
        for w in sim.windows.values()
        if w.present and not w.paused and w.ticket_id is None and service in w.services
    ]
    idle.sort(key=lambda w: (w.idle_since or sim.now(), w.number))
    for window in idle:
        if call(sim, window.number):
            return


def call(sim: Simulation, number: int) -> bool:
    """The clerk presses "call next"; whether someone was called."""
    window = sim.windows[number]
    if not window.present or window.paused or window.ticket_id is not None:
        return False
    # The clerk's screen shows the queue: with nobody waiting for this window's services
    # there is no button worth pressing (and no query worth making).
    someone = any(sim.waiting[s] for s in window.services)
    ticket = _call_next(sim, number) if someone else None
    if ticket is None:
        window.idle_since = sim.now()
        if window.then == "leave_when_empty":
            leave(sim, number)
        return False
    tid, since, limit_s, started = ticket
    state = sim.tickets[tid]
    sim.waiting[state.service] -= 1
    state.waiting, state.window, state.called_at = False, number, sim.now()
    window.ticket_id = tid
    sim.record_wait(state, since, limit_s, tid)
    if started:
        sim.at(sim.now() + _service_time(state), end_service, tid)
    else:
        _applicant_answers(sim, tid, state)
    return True


def _call_next(sim: Simulation, number: int) -> tuple[int, datetime, float, bool] | None:
    """The real `call_next`: the called ticket's id, wait start, wait limit, and whether
    service started at once (an applicant already at the window: the same instant)."""
    clerk = sim.office.clerks[number]
    with sim.step() as (session, office):
        ticket = call_next(
            session=session, clock=sim.clock, office=office, number=number, principal=clerk
        )
        if ticket is None:
            return None
        limit_s = (ticket.deadline - ticket.waiting_since).total_seconds()
        state = sim.tickets[ticket.id]
        at_once = (state.applicant.shows_up or state.redirected) and not _walk(state)
        if at_once:
            start(session=session, clock=sim.clock, ticket=ticket, principal=clerk)
        return ticket.id, ticket.waiting_since, limit_s, at_once


def _walk(state: TicketState) -> timedelta:
    return timedelta(seconds=state.applicant.walk_seconds)


def _service_time(state: TicketState) -> timedelta:
    applicant = state.applicant
    seconds = applicant.redirect_service_seconds if state.redirected else applicant.service_seconds
    return timedelta(seconds=seconds)


def _applicant_answers(sim: Simulation, tid: int, state: TicketState) -> None:
    """The called applicant walks to the window, or never comes (R5 takes over)."""
    recall_after = timedelta(seconds=sim.config.office.recall_after_seconds)
    now = sim.now()
    if state.applicant.shows_up or state.redirected:
        walk = _walk(state)
        if walk >= recall_after:
            sim.at(now + recall_after, timer, CALL)
        sim.at(now + walk, start_service, tid)
        return
    no_show_after = timedelta(seconds=sim.config.office.no_show_after_seconds)
    state.absent = True
    sim.absent[tid] = now + recall_after + no_show_after
    sim.at(now + recall_after, timer, CALL)
    sim.at(now + recall_after + no_show_after, timer, CALL)


def start_service(sim: Simulation, tid: int) -> None:
    """The applicant is at the window: the clerk starts."""
    state = sim.tickets[tid]
    assert state.window is not None
    with sim.step() as (session, _office):
        ticket = session.get(Ticket, tid)
        assert ticket is not None
        start(
            session=session,
            clock=sim.clock,
            ticket=ticket,
            principal=sim.office.clerks[state.window],
        )
    sim.at(sim.now() + _service_time(state), end_service, tid)


def end_service(sim: Simulation, tid: int) -> None:
    """The clerk finishes, or sends the applicant on to another service."""
    state = sim.tickets[tid]
    number = state.window
    assert number is not None and sim.day is not None
    target = state.applicant.redirect_to
    clerk = sim.office.clerks[number]
    with sim.step() as (session, _office):
        ticket = session.get(Ticket, tid)
        assert ticket is not None
        if target is not None and not state.redirected:
            redirect(
                session=session,
                clock=sim.clock,
                ticket=ticket,
                principal=clerk,
                service_code=target,
            )
            warn_at, deadline = ticket.warn_at, ticket.deadline
        else:
            finish(session=session, clock=sim.clock, ticket=ticket, principal=clerk)
            target = None
    sim.windows[number].ticket_id = None
    if target is not None:
        sim.day.redirects += 1
        state.service, state.redirected, state.waiting, state.window = target, True, True, None
        sim.waiting[target] += 1
        _watch_wait(sim, tid, warn_at, deadline)
        # This window calls first (the dispatcher may give it the same applicant); then
        # the idle windows of the new service.
        after_ticket(sim, number)
        wake(sim, target)
        return
    if state.applicant.comes_back is not None:
        back_on = state.applicant.arrive_at.astimezone(sim.zone).date()
        assert state.applicant.return_after_days is not None
        back_on += timedelta(days=state.applicant.return_after_days)
        sim.returns.setdefault(back_on, []).append(state.applicant.comes_back)
    after_ticket(sim, number)


def after_ticket(sim: Simulation, number: int) -> None:
    """The window is free again: the clerk goes on break, leaves, or calls the next."""
    window = sim.windows[number]
    if window.then == "break":
        window.then = None
        _pause(sim, number)
    elif window.then == "leave":
        leave(sim, number)
    else:
        call(sim, number)


def clerk_in(sim: Simulation, number: int) -> None:
    """A shift begins: the clerk takes the window and calls."""
    clerk = sim.office.clerks[number]
    with sim.step() as (session, office):
        take_window(session=session, clock=sim.clock, office=office, number=number, principal=clerk)
    window = sim.windows[number]
    window.present, window.paused, window.then, window.idle_since = True, False, None, sim.now()
    call(sim, number)


def clerk_out(sim: Simulation, number: int, at_close: bool) -> None:
    """A shift ends; at closing time the clerk first serves everyone still waiting."""
    window = sim.windows[number]
    if not window.present:
        return
    if window.paused:
        _resume(sim, number)
    window.then = "leave_when_empty" if at_close else "leave"
    if window.ticket_id is None:
        if at_close:
            call(sim, number)
        else:
            leave(sim, number)


def leave(sim: Simulation, number: int) -> None:
    """The clerk releases the window."""
    with sim.step() as (session, office):
        release_window(
            session=session,
            clock=sim.clock,
            office=office,
            number=number,
            principal=sim.office.clerks[number],
        )
    window = sim.windows[number]
    window.present, window.paused, window.then = False, False, None


def break_start(sim: Simulation, number: int) -> None:
    """A break is due: the window pauses now, or once the current applicant is done."""
    window = sim.windows[number]
    if not window.present or window.then is not None:
        return
    if window.ticket_id is None:
        _pause(sim, number)
    else:
        window.then = "break"


def break_end(sim: Simulation, number: int) -> None:
    """The break is over: resume and call."""
    window = sim.windows[number]
    if window.then == "break":
        window.then = None  # still busy all break long: the break is skipped
    if window.paused:
        _resume(sim, number)
        call(sim, number)


def _pause(sim: Simulation, number: int) -> None:
    with sim.step() as (session, office):
        pause_window(
            session=session,
            clock=sim.clock,
            office=office,
            number=number,
            principal=sim.office.clerks[number],
            reason="перерыв",
        )
    sim.windows[number].paused = True


def _resume(sim: Simulation, number: int) -> None:
    with sim.step() as (session, office):
        resume_window(
            session=session,
            clock=sim.clock,
            office=office,
            number=number,
            principal=sim.office.clerks[number],
        )
    sim.windows[number].paused = False


def wait_timer(sim: Simulation, tid: int, timers: str) -> None:
    """A waiting ticket's warning or deadline falls due: the scheduler's job for it
    (`WARN` or `BREACH`) announces or records it."""
    if sim.tickets[tid].waiting:
        sim.run_scheduler(timers)


def timer(sim: Simulation, timers: str) -> None:
    """A recall, no-show or booking timer falls due."""
    sim.run_scheduler(timers)


def after_scheduler_pass(sim: Simulation) -> None:
    """Windows whose absent applicant the scheduler just gave up on call the next."""
    now = sim.now()
    for tid, due in list(sim.absent.items()):
        if due > now:
            continue
        del sim.absent[tid]
        state = sim.tickets[tid]
        assert state.window is not None and sim.day is not None
        sim.day.no_shows += 1
        sim.windows[state.window].ticket_id = None
        after_ticket(sim, state.window)


def plan_clerks(sim: Simulation, day: date, opens: time, closes: time) -> None:
    """The day's shifts and breaks, as events."""

    def local(hhmm: str | time) -> datetime:
        moment = hhmm if isinstance(hhmm, time) else time.fromisoformat(hhmm)
        return datetime.combine(day, moment, tzinfo=sim.zone)

    closing = local(closes)
    for clerk in sim.config.clerk_list():
        number = clerk.window
        sim.windows.setdefault(number, _new_window(sim, number))
        for begin, end in clerk.shifts or [(opens.strftime("%H:%M"), closes.strftime("%H:%M"))]:
            sim.at(max(local(begin), local(opens)), clerk_in, number)
            sim.at(min(local(end), closing), clerk_out, number, local(end) >= closing)
        for begin, end in clerk.breaks:
            sim.at(local(begin), break_start, number)
            sim.at(local(end), break_end, number)


def _new_window(sim: Simulation, number: int) -> WindowState:
    from queue_server.simulation.engine import WindowState

    return WindowState(number=number, services=sim.office.window_services.get(number, frozenset()))


def end_of_day(sim: Simulation) -> None:
    """After the last clerk left: tickets nobody could serve are cancelled; breaches counted."""
    assert sim.day is not None
    left = [tid for tid, s in sim.tickets.items() if s.waiting]
    with sim.step() as (session, _office):
        for tid in left:
            ticket = session.get(Ticket, tid)
            assert ticket is not None
            cancel(session=session, clock=sim.clock, ticket=ticket, principal=sim.office.manager)
        ids = sim.day.ticket_ids
        sim.day.breaches_recorded = (
            int(
                session.scalar(
                    select(func.count())
                    .select_from(WaitBreach)
                    .where(WaitBreach.ticket_id.in_(ids))
                )
                or 0
            )
            if ids
            else 0
        )
    sim.day.unserved = len(left)
    sim.tickets.clear()
