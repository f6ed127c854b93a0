"""What a report may cover: the period's checks and the offices the caller may count.

One home for every report of the server and the manager pages (`admin/reports/scope.py`,
the ratings, the complaints and the chosen-calls counts), so that a period is refused,
and an office kept from a caller, in the same words everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.auth.service import Principal
from queue_server.errors import Forbidden, InvalidInput
from queue_server.offices.models import Office


def check_period(start: date, end: date, *, max_days: int) -> None:
    """Refuse a period that ends before it starts, or spans more than `max_days` days."""
    if end < start:
        raise InvalidInput(code="bad_period")
    if (end - start).days > max_days:
        raise InvalidInput(code="period_too_long", days=max_days)


def offices_to_report(
    *, session: Session, principal: Principal, codes: Sequence[str] | None
) -> list[Office]:
    """The offices named (each one the caller's), or all the caller may see; by code.

    Managers (their office) and admins (all) only. An unknown code is a 400, another
    office's a 403, and a caller who may see no office at all is refused too.
    """
    principal.require_role("admin", "manager")
    query = select(Office).order_by(Office.code)
    if codes:
        query = query.where(Office.code.in_(codes))
    offices = list(session.scalars(query))
    if codes:
        missing = sorted(set(codes) - {o.code for o in offices})
        if missing:
            raise InvalidInput(code="office_not_found", value=missing[0])
        for office in offices:
            if not principal.may_act_in(office.id):
                raise Forbidden(
                    code="wrong_office",
                    key="wrong_office.report_of_other_office",
                    office=office.name,
                )
    else:
        offices = [o for o in offices if principal.may_act_in(o.id)]
    if not offices:
        raise Forbidden(code="wrong_office", key="wrong_office.no_visible_office")
    return offices
