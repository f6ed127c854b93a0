"""Routes: the office's notification settings and report (managers), a ticket's contacts
(its holder, by the code on the ticket, or the kiosk), a case's contacts (staff)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Query, Response
from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_server.api import api_router
from queue_server.cases import lookup as case_lookup
from queue_server.cases.access import require_office_staff
from queue_server.deps import ClockDep, CurrentOffice, PrincipalDep, RuntimeDep, SessionDep
from queue_server.errors import InvalidInput
from queue_server.notifications import presenters, service, templates
from queue_server.notifications.models import (
    EMAIL,
    EXPIRED,
    FAILED,
    PENDING,
    SENT,
    SKIPPED,
    SMS,
    DeliveryAttempt,
    NotificationMessage,
)
from queue_server.notifications.schemas import (
    ChannelsOut,
    KindSummary,
    NotificationReport,
    NotificationSettingsIn,
    NotificationSettingsOut,
    RecentMessage,
    SubscribeIn,
    SubscriptionOut,
    TicketNotificationsOut,
)
from queue_server.outbound import OutboundRefused, OutboundRules, check_webhook_url
from queue_server.tickets.issuing import find_by_status_code
from queue_server.types import HolderCode, Id, Instant

router = api_router(tags=["notifications"])


@router.get("/offices/{code}/notification-settings", response_model=NotificationSettingsOut)
def get_settings(
    office: CurrentOffice, session: SessionDep, principal: PrincipalDep
) -> NotificationSettingsOut:
    """The office's channels, thresholds and texts (managers); secrets only as "is set"."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    return presenters.settings_out(service.settings_of(session, office.id))


@router.get("/offices/{code}/notification-channels", response_model=ChannelsOut)
def channels(office: CurrentOffice, session: SessionDep, principal: PrincipalDep) -> ChannelsOut:
    """Which channels the office sends by (its staff): the intake form offers only those."""
    principal.require_role("admin", "manager", "clerk")
    principal.require_office(office.id)
    return ChannelsOut(**service.public_settings(service.settings_of(session, office.id)))


def _allowed_urls(data: NotificationSettingsIn, runtime: RuntimeDep) -> NotificationSettingsIn:
    """The settings, once the gateway and bot URLs passed the operator's rules (422).

    A dependency, so the check (it may ask DNS) runs before the request's transaction.
    """
    rules = OutboundRules.from_settings(runtime.settings)
    for enabled, url in (
        (data.sms.enabled, data.sms.url),
        (data.telegram.enabled, data.telegram.base_url),
    ):
        if enabled and url:
            try:
                # Placeholders may stand in the query string, never in the host.
                check_webhook_url(url.replace("{", "").replace("}", ""), rules)
            except OutboundRefused as exc:
                raise InvalidInput(code="webhook_not_allowed", reason=exc.message) from None
    return data


@router.put("/offices/{code}/notification-settings", response_model=NotificationSettingsOut)
def put_settings(
    data: Annotated[NotificationSettingsIn, Depends(_allowed_urls)],
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
) -> NotificationSettingsOut:
    """Save the office's channels, thresholds and texts (managers)."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    return presenters.settings_out(service.configure(session=session, office=office, data=data))


@router.get("/offices/{code}/notifications/report", response_model=NotificationReport)
def report(
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    since: Instant | None = Query(default=None),
    until: Instant | None = Query(default=None),
) -> NotificationReport:
    """What was sent, by kind, channel and outcome, and the latest messages (managers)."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    end = until or clock.now()
    start = since or end - timedelta(days=1)
    if start > end:
        raise InvalidInput(code="notification_report_period")
    return _report(session, office.id, start, end)


def _report(session: Session, office_id: int, start: datetime, end: datetime) -> NotificationReport:
    in_period = (
        NotificationMessage.office_id == office_id,
        NotificationMessage.created_at >= start,
        NotificationMessage.created_at <= end,
    )
    counts = {
        state: func.sum(sql_case((NotificationMessage.status == state, 1), else_=0))
        for state in (SENT, PENDING, FAILED, EXPIRED, SKIPPED)
    }
    attempts = (
        select(func.count(DeliveryAttempt.id))
        .where(DeliveryAttempt.message_id == NotificationMessage.id)
        .correlate(NotificationMessage)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            NotificationMessage.kind,
            NotificationMessage.channel,
            *counts.values(),
            func.sum(attempts),
        )
        .where(*in_period)
        .group_by(NotificationMessage.kind, NotificationMessage.channel)
        .order_by(NotificationMessage.kind, NotificationMessage.channel)
    ).all()
    summary = [
        KindSummary(
            kind=kind,
            kind_name=templates.KIND_NAMES_RU.get(kind, kind),
            channel=channel,
            sent=int(sent or 0),
            pending=int(pending or 0),
            failed=int(failed or 0),
            expired=int(expired or 0),
            skipped=int(skipped or 0),
            attempts=int(tries or 0),
        )
        for kind, channel, sent, pending, failed, expired, skipped, tries in rows
    ]
    recent = [
        RecentMessage(
            id=m.id,
            kind=m.kind,
            channel=m.channel,
            address_masked=m.address_masked,
            status=m.status,
            attempts=m.attempts,
            created_at=m.created_at,
            sent_at=m.sent_at,
            last_error=m.last_error,
        )
        for m in session.scalars(
            select(NotificationMessage)
            .where(*in_period)
            .order_by(NotificationMessage.id.desc())
            .limit(50)
        )
    ]
    return NotificationReport(since=start, until=end, summary=summary, recent=recent)


@router.get("/tickets/status/{status_code}/notifications", response_model=TicketNotificationsOut)
def ticket_notifications(status_code: HolderCode, session: SessionDep) -> TicketNotificationsOut:
    """The ticket's contacts (masked), which channels the office offers, the bot's link."""
    ticket = find_by_status_code(session=session, status_code=status_code)
    public = service.public_settings(service.settings_of(session, ticket.office_id))
    bot = public["telegram_bot"]
    return TicketNotificationsOut(
        subscriptions=[
            presenters.subscription_out(s)
            for s in service.live_subscriptions(session, ticket_id=ticket.id)
        ],
        sms_available=public["sms"],
        email_available=public["email"],
        telegram_link=f"https://t.me/{bot}?start=t_{ticket.status_code}" if bot else None,
        consent_text=templates.CONSENT_TEXT_RU,
    )


@router.post(
    "/tickets/status/{status_code}/notifications",
    response_model=SubscriptionOut,
    status_code=201,
)
def subscribe_ticket(
    status_code: HolderCode, data: SubscribeIn, session: SessionDep, clock: ClockDep
) -> SubscriptionOut:
    """Leave a phone (or e-mail) with consent to be told when the turn is near and called.

    Open to whoever holds the ticket's code (the status page, the kiosk after printing):
    the code is the ticket's secret, and a ticket takes only a few contacts.
    """
    ticket = find_by_status_code(session=session, status_code=status_code)
    row = service.subscribe_ticket(
        session=session,
        clock=clock,
        ticket=ticket,
        channel=SMS if data.channel == "sms" else EMAIL,
        phone=data.phone,
        email=data.email,
        consent=data.consent,
        source=data.source,
    )
    return presenters.subscription_out(row)


@router.delete("/tickets/status/{status_code}/notifications", status_code=204)
def unsubscribe_ticket(status_code: HolderCode, session: SessionDep, clock: ClockDep) -> Response:
    """The holder opts out: every contact of the ticket is removed now."""
    ticket = find_by_status_code(session=session, status_code=status_code)
    service.withdraw(
        session=session,
        clock=clock,
        subscriptions=service.live_subscriptions(session, ticket_id=ticket.id),
    )
    return Response(status_code=204)


@router.get("/cases/{case_id}/notifications", response_model=list[SubscriptionOut])
def case_notifications(
    case_id: Id, session: SessionDep, principal: PrincipalDep
) -> list[SubscriptionOut]:
    """The case's contacts for the result notice, masked (the office's staff)."""
    found = case_lookup.get_case(session=session, case_id=case_id)
    require_office_staff(principal, found.office_id)
    return [
        presenters.subscription_out(s)
        for s in service.live_subscriptions(session, case_id=found.id)
    ]
