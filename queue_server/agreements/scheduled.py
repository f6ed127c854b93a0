"""Timed job of the agreements (R18): the expiry warning as an event, once per agreement."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.agreements import rules
from queue_server.agreements.models import Agreement
from queue_server.clock import Clock
from queue_server.deadline_events import office_dates
from queue_server.events.service import emit


def warn_of_expiring_agreements(*, session: Session, clock: Clock) -> int:
    """R18: an agreement 30 days before its end raises `agreement.expiring` once.

    An agreement is no one office's, but its days are local dates: the warning goes out to
    every office when its first day has come on the date of the office that is furthest
    east (never on the server's UTC date, which is still yesterday after a Moscow midnight).
    """
    today_by_office = office_dates(session, clock.now())
    if not today_by_office:
        return 0
    today = max(today_by_office.values())
    candidates = session.scalars(
        select(Agreement)
        .where(
            Agreement.expiry_warned.is_(False),
            Agreement.valid_to >= today,
            Agreement.valid_to <= today + timedelta(days=rules.EXPIRY_WARNING_DAYS),
        )
        .order_by(Agreement.id)
        .with_for_update(skip_locked=True)
    ).all()
    office_ids = sorted(today_by_office)
    warned = 0
    for agreement in candidates:
        if rules.expires_soon(agreement.valid_from, agreement.valid_to, today):
            agreement.expiry_warned = True
            # Every office takes the agency's services: each office's dashboard hears it.
            for office_id in office_ids:
                emit(
                    session=session,
                    clock=clock,
                    type="agreement.expiring",
                    office_id=office_id,
                    payload={
                        "agreement_id": agreement.id,
                        "number": agreement.number,
                        "valid_to": agreement.valid_to.isoformat(),
                    },
                )
            warned += 1
    return warned
