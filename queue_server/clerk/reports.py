"""Chosen calls counted per clerk and reason over a period of an office (the reports)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_server.auth.models import User
from queue_server.clerk import rules
from queue_server.clerk.schemas import ChosenCallCountOut
from queue_server.offices.models import Office
from queue_server.tickets.models import ChosenCall


def chosen_call_counts(
    *, session: Session, office: Office, first: date, last: date
) -> list[ChosenCallCountOut]:
    """Per clerk and reason: how many tickets were called out of order, local days first..last."""
    zone = ZoneInfo(office.timezone)
    since = datetime.combine(first, time.min, tzinfo=zone)
    until = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    rows = session.execute(
        select(User.full_name, User.username, ChosenCall.reason, func.count())
        .join(User, User.id == ChosenCall.clerk_id)
        .where(ChosenCall.office_id == office.id, ChosenCall.at >= since, ChosenCall.at < until)
        .group_by(User.full_name, User.username, ChosenCall.reason)
        .order_by(User.username, ChosenCall.reason)
    ).all()
    return [
        ChosenCallCountOut(
            clerk=full or username,
            reason=reason,
            reason_ru=rules.CHOSEN_CALL_REASONS.get(reason, reason),
            count=count,
        )
        for full, username, reason, count in rows
    ]
