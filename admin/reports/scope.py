"""What a report covers: the offices and local dates, and the SQL that keeps to them.

Every report family builds on this module (and none on another family), so the
period, the offices' UTC offsets and the ticket filter have one home.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, case, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from queue_server.auth.service import Principal
from queue_server.errors import InvalidInput
from queue_server.offices.models import Office
from queue_server.report_scope import check_period, offices_to_report
from queue_server.tickets.models import Ticket

MAX_PERIOD_DAYS = 800


@dataclass(frozen=True)
class Scope:
    """The offices and local dates (inclusive) a report covers."""

    offices: tuple[Office, ...]
    start: date
    end: date

    @property
    def office_ids(self) -> list[int]:
        """Ids of the offices."""
        return [o.id for o in self.offices]

    def offsets(self) -> dict[int, int]:
        """UTC offset in seconds of each office over the period.

        Russian zones have had fixed offsets since 2014; a zone whose offset changes inside
        the period is refused rather than half-wrong (split the period at the change).
        """
        out: dict[int, int] = {}
        for office in self.offices:
            zone = ZoneInfo(office.timezone)
            first = datetime.combine(self.start, time(12), zone).utcoffset()
            last = datetime.combine(self.end, time(12), zone).utcoffset()
            if first != last or first is None:
                raise InvalidInput(code="offset_changes", zone=office.timezone)
            out[office.id] = int(first.total_seconds())
        return out

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """The widest UTC instants that can fall on the period's local dates."""
        offsets = self.offsets().values()
        lo = datetime.combine(self.start, time(0), UTC) - timedelta(seconds=max(offsets))
        hi = datetime.combine(self.end + timedelta(days=1), time(0), UTC) - timedelta(
            seconds=min(offsets)
        )
        return lo, hi


def resolve_scope(
    *,
    session: Session,
    principal: Principal,
    office_codes: list[str] | None,
    start: date,
    end: date,
) -> Scope:
    """Check the period and the offices a manager may see (own office, or all for office None)."""
    principal.require_role("admin", "manager")
    check_period(start, end, max_days=MAX_PERIOD_DAYS)
    offices = offices_to_report(session=session, principal=principal, codes=office_codes)
    return Scope(offices=tuple(offices), start=start, end=end)


def offset_expr(scope: Scope, office_col: ColumnElement[Any]) -> ColumnElement[Any]:
    """Each row's office UTC offset in seconds, for the local-time constructs of `sql`."""
    offsets = scope.offsets()
    # One literal when all offices share an offset keeps the statement free of a CASE.
    if len(set(offsets.values())) == 1:
        return literal(next(iter(offsets.values())), Integer())
    return case(offsets, value=office_col, else_=0)


def ticket_scope(scope: Scope) -> ColumnElement[bool]:
    """Tickets of the scope's offices issued on its local dates."""
    return and_(
        Ticket.office_id.in_(scope.office_ids),
        Ticket.day >= scope.start,
        Ticket.day <= scope.end,
    )


def visible_offices(*, session: Session, principal: Principal) -> list[Office]:
    """The offices whose reports the principal may see, by name (managers and admins)."""
    principal.require_role("admin", "manager")
    offices = [o for o in session.scalars(select(Office)) if principal.may_act_in(o.id)]
    return sorted(offices, key=lambda o: (o.name, o.code))
