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
from queue_server.errors import Forbidden, InvalidInput
from queue_server.offices.models import Office
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
                raise InvalidInput(
                    f"The UTC offset of {office.timezone} changes inside the period; "
                    "split the report at the change.",
                    code="offset_changes",
                )
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
    if end < start:
        raise InvalidInput("The period ends before it starts.", code="bad_period")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidInput(
            f"The period is longer than {MAX_PERIOD_DAYS} days.", code="period_too_long"
        )
    query = select(Office).order_by(Office.code)
    if office_codes:
        query = query.where(Office.code.in_(office_codes))
    offices = [o for o in session.scalars(query)]
    if office_codes:
        missing = sorted(set(office_codes) - {o.code for o in offices})
        if missing:
            raise InvalidInput(f"No office with code {missing[0]!r}.", code="office_not_found")
        for office in offices:
            principal.require_office(office.id)
    else:
        offices = [o for o in offices if principal.may_act_in(o.id)]
    if not offices:
        raise Forbidden("You may see no office.", code="wrong_office")
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
