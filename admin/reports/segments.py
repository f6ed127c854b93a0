"""Wait segments: the unit every wait, service-time and staffing figure is counted in.

A segment runs from the moment a ticket starts waiting for a service (issue, booking
check-in, or redirect) to its first call (DOMAIN.md, "the wait of a ticket"). A ticket's
row holds its last segment; the earlier segments of redirected tickets are rebuilt from
`ticket_transitions` with window functions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, func, literal, null, select, union_all

from admin.reports.scope import Scope, offset_expr, ticket_scope
from admin.reports.sql import local_hour, local_isodow, seconds_between
from queue_server.catalogue.models import SERVICE_KINDS, Service
from queue_server.tickets.models import Ticket, TicketTransition

# A transfer to a window or clerk (queue_server/clerk/moves.py) starts a new wait too.
WAIT_STARTS = ("issue", "redirect", "transfer", "check_in", "checkin")


def _last_segments(scope: Scope) -> Select[*tuple[Any, ...]]:
    """Each ticket's own row: its last (or only) wait segment."""
    return select(
        Ticket.id.label("ticket_id"),
        Ticket.office_id.label("office_id"),
        Ticket.day.label("day"),
        Ticket.number.label("number"),
        Ticket.service_id.label("service_id"),
        Ticket.booking_id.label("booking_id"),
        Ticket.waiting_since.label("wait_from"),
        Ticket.called_at.label("called_at"),
        Ticket.started_at.label("started_at"),
        Ticket.finished_at.label("served_to"),
        Ticket.window_id.label("window_id"),
        Ticket.clerk_id.label("clerk_id"),
        seconds_between(Ticket.waiting_since, Ticket.deadline).label("limit_s"),
        Ticket.status.label("status"),
    ).where(ticket_scope(scope))


def _redirect_steps(scope: Scope) -> Any:
    """Starts, calls and service starts of redirected tickets, numbered by wait segment."""
    tt = TicketTransition
    is_start = tt.action.in_(WAIT_STARTS)
    return (
        select(
            tt.ticket_id,
            tt.action,
            tt.at,
            tt.service_id,
            tt.window_id,
            tt.clerk_id,
            Ticket.office_id,
            Ticket.day,
            Ticket.number,
            Ticket.booking_id,
            Ticket.redirect_count,
            func.sum(case((is_start, 1), else_=0))
            .over(partition_by=tt.ticket_id, order_by=(tt.at, tt.id))
            .label("seg"),
        )
        .join(Ticket, Ticket.id == tt.ticket_id)
        .where(ticket_scope(scope), Ticket.redirect_count > 0)
        .where(tt.action.in_((*WAIT_STARTS, "call", "start")))
        .subquery("steps")
    )


def _earlier_segments(scope: Scope) -> Select[Any]:
    """The segments before a redirect: each ends where the next one's wait begins."""
    s = _redirect_steps(scope).c
    s_start = s.action.in_(WAIT_STARTS)
    grouped = (
        select(
            s.ticket_id,
            s.seg,
            s.office_id,
            s.day,
            s.number,
            s.booking_id,
            s.redirect_count,
            func.min(case((s_start, s.at))).label("wait_from"),
            func.min(case((s.action == "call", s.at))).label("called_at"),
            func.min(case((s.action == "start", s.at))).label("started_at"),
            func.min(case((s_start, s.service_id))).label("service_id"),
            func.min(case((s.action == "call", s.window_id))).label("window_id"),
            func.min(case((s.action == "call", s.clerk_id))).label("clerk_id"),
        )
        .group_by(s.ticket_id, s.seg, s.office_id, s.day, s.number, s.booking_id, s.redirect_count)
        .subquery("grouped")
    )
    g = grouped.c
    chained = select(
        *g,
        func.lead(g.wait_from).over(partition_by=g.ticket_id, order_by=g.seg).label("next_from"),
    ).subquery("chained")
    c = chained.c
    return (
        select(
            c.ticket_id,
            c.office_id,
            c.day,
            c.number,
            c.service_id,
            c.booking_id,
            c.wait_from,
            c.called_at,
            c.started_at,
            c.next_from.label("served_to"),
            c.window_id,
            c.clerk_id,
            (Service.wait_limit_minutes * 60).label("limit_s"),
            literal("redirected").label("status"),
        )
        .join(Service, Service.id == c.service_id)
        .where(c.seg <= c.redirect_count)
    )


def segments_select(scope: Scope) -> Select[Any]:
    """The wait segments of the period (one row per wait, see module doc) with local times."""
    union = union_all(_last_segments(scope), _earlier_segments(scope)).subquery("segs")
    u = union.c
    offset = offset_expr(scope, u.office_id)
    return select(
        *u,
        seconds_between(u.wait_from, u.called_at).label("wait_s"),
        case(
            (u.started_at.is_not(None), seconds_between(u.started_at, u.served_to)),
            else_=null(),
        ).label("service_s"),
        local_hour(u.wait_from, offset).label("hour"),
        local_isodow(u.wait_from, offset).label("weekday"),
        local_hour(u.called_at, offset).label("call_hour"),
    )


def segments(scope: Scope, *, with_labels: bool = False) -> Any:
    """The wait segments as a CTE; with_labels adds service kind, norm and booked/live."""
    base = segments_select(scope)
    if not with_labels:
        return base.cte("segments")
    inner = base.subquery("seg")
    return (
        select(
            *inner.c,
            # Integer codes keep the statistics' sort on integers (text sorts under a
            # locale collation are many times slower); decoded by waits.CODES.
            case(
                *((Service.kind == kind, i) for i, kind in enumerate(SERVICE_KINDS)), else_=-1
            ).label("kind"),
            (Service.service_norm_minutes * 60).label("norm_s"),
            case((inner.c.booking_id.is_(None), 0), else_=1).label("queue"),
        )
        .join(Service, Service.id == inner.c.service_id)
        .cte("segments")
    )
