"""The notifications' own loop: plan, purge, send, record; never in the R5 timers' loop.

One pass: read the Telegram bots' new /start and /stop messages (one process at a
time: the one holding the poller's lease, `PollerLease`); in one short
transaction turn events into messages and wipe expired contacts; claim the due messages
in another; send with no transaction open (a gateway may hang for its whole timeout, and
SQLite's write lock must not wait for it); record each attempt in a third.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.clock import Clock
from queue_server.db import Database
from queue_server.notifications import templates
from queue_server.notifications.channels import (
    Channel,
    DeliveryError,
    Outgoing,
    SmsGateway,
    SmtpMail,
    TelegramBot,
    timed_send,
)
from queue_server.notifications.models import (
    EMAIL,
    EXPIRED,
    FAILED,
    PENDING,
    SENT,
    SKIPPED,
    SMS,
    TELEGRAM,
    DeliveryAttempt,
    NotificationMessage,
    NotificationSettings,
    PollerLease,
    Subscription,
)
from queue_server.notifications.outbox import enqueue, plan_notifications
from queue_server.notifications.rules import CLAIM, MAX_ATTEMPTS, POLL_LEASE, next_due
from queue_server.notifications.service import (
    bind_telegram_chat,
    email_config,
    remove_expired_contacts,
    sms_config,
    telegram_config,
    withdraw,
)
from queue_server.offices.models import Office
from queue_server.outbound import OutboundRules

log = logging.getLogger(__name__)

BATCH = 20
# A recipient over the office's hourly limit is tried again after this.
RATE_LIMIT_PAUSE = timedelta(minutes=5)
TELEGRAM_POLLER = "telegram"
# How long a stopping process tries to give up its pollers' leases.
RELEASE_SECONDS = 5.0


@dataclass(frozen=True)
class _Claimed:
    id: int
    channel: Channel | None
    outgoing: Outgoing


def channel_for(
    settings: NotificationSettings | None, channel: str, rules: OutboundRules
) -> Channel | None:
    """The office's adapter for a channel, or None when that channel is off."""
    if channel == SMS and (sms := sms_config(settings)) is not None:
        return SmsGateway(sms, rules)
    if channel == TELEGRAM and (bot := telegram_config(settings)) is not None:
        return TelegramBot(bot, rules)
    if channel == EMAIL and (mail := email_config(settings)) is not None:
        return SmtpMail(mail, rules)
    return None


def deliver_applicant_notifications(
    *, db: Database, clock: Clock, poller: str, outbound: OutboundRules | None = None
) -> int:
    """One pass of the loop (`poller`: the loop's id for the updates' lease); how many
    messages were delivered."""
    rules = outbound or OutboundRules.defaults()
    read_telegram_updates(db=db, clock=clock, rules=rules, poller=poller)
    with db.transaction() as session:
        plan_notifications(session=session, clock=clock)
        remove_expired_contacts(session=session, clock=clock)
    claimed = _claim(db, clock, rules)
    outcomes: dict[int, tuple[str | None, int]] = {}
    for item in claimed:
        if item.channel is None:
            outcomes[item.id] = (str(DeliveryError("delivery_channel_off")), 0)
            continue
        outcomes[item.id] = timed_send(item.channel, item.outgoing)
    if outcomes:
        with db.transaction() as session:
            _record(session, clock, outcomes)
    return sum(1 for error, _ms in outcomes.values() if error is None)


def _claim(db: Database, clock: Clock, rules: OutboundRules) -> list[_Claimed]:
    now = clock.now()
    claimed: list[_Claimed] = []
    with db.transaction() as session:
        rows = session.scalars(
            select(NotificationMessage)
            .where(
                NotificationMessage.status == PENDING,
                NotificationMessage.due_at <= now,
                or_(
                    NotificationMessage.claimed_until.is_(None),
                    NotificationMessage.claimed_until <= now,
                ),
            )
            .order_by(NotificationMessage.due_at, NotificationMessage.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        settings: dict[int, NotificationSettings | None] = {}
        taken: dict[tuple[str, str], int] = {}
        for row in rows:
            if row.expires_at is not None and row.expires_at <= now:
                row.status, row.address = EXPIRED, _kept_address(row)
                continue
            if row.address is None:
                row.status = SKIPPED
                continue
            if row.office_id not in settings:
                settings[row.office_id] = session.get(NotificationSettings, row.office_id)
            office_settings = settings[row.office_id]
            limit = office_settings.per_recipient_per_hour if office_settings else 10
            recipient = (row.channel, row.address)
            if _sent_last_hour(session, row, now) + taken.get(recipient, 0) >= limit:
                row.due_at = now + RATE_LIMIT_PAUSE
                continue
            taken[recipient] = taken.get(recipient, 0) + 1
            row.claimed_until = now + CLAIM
            claimed.append(
                _Claimed(
                    row.id,
                    channel_for(office_settings, row.channel, rules),
                    Outgoing(address=row.address, text=row.text, subject=row.subject),
                )
            )
    return claimed


def _sent_last_hour(session: Session, row: NotificationMessage, now: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(NotificationMessage)
            .where(
                NotificationMessage.channel == row.channel,
                NotificationMessage.address == row.address,
                NotificationMessage.status == SENT,
                NotificationMessage.sent_at > now - timedelta(hours=1),
            )
        )
        or 0
    )


def _kept_address(row: NotificationMessage) -> str | None:
    # A message of a subscription keeps the number while the subscription does (the purge
    # wipes both); one without (a complaint's answer) drops it once it is settled.
    return row.address if row.subscription_id is not None else None


def _record(session: Session, clock: Clock, outcomes: dict[int, tuple[str | None, int]]) -> None:
    done = clock.now()
    for row in session.scalars(
        select(NotificationMessage).where(NotificationMessage.id.in_(outcomes))
    ):
        error, milliseconds = outcomes[row.id]
        session.add(
            DeliveryAttempt(
                message_id=row.id,
                at=done,
                ok=error is None,
                error=error or "",
                milliseconds=milliseconds,
            )
        )
        row.attempts += 1
        row.claimed_until = None
        if error is None:
            row.status, row.sent_at, row.last_error = SENT, done, ""
            row.address = _kept_address(row)
            continue
        row.last_error = error
        if row.attempts >= MAX_ATTEMPTS:
            row.status, row.address = FAILED, _kept_address(row)
        else:
            row.due_at = next_due(done, row.attempts)


def hold_poller_lease(*, db: Database, clock: Clock, name: str, holder: str) -> bool:
    """Take or renew the lease of a poller for `holder`; False while another holds it.

    The lease row is locked (PostgreSQL; SQLite's write lock serialises the whole
    transaction), so two processes never both take an expired lease; two creating the
    first row at once meet at its primary key.
    """
    with db.transaction() as session:
        now = clock.now()
        lease = session.scalar(
            select(PollerLease)
            .where(PollerLease.name == name)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if lease is None:
            try:
                with session.begin_nested():
                    session.add(PollerLease(name=name, holder=holder, expires_at=now + POLL_LEASE))
            except IntegrityError:
                return False
            return True
        if lease.holder != holder and lease.expires_at > now:
            return False
        lease.holder, lease.expires_at = holder, now + POLL_LEASE
        return True


def release_poller_leases(*, db: Database, clock: Clock, holder: str) -> int:
    """End the leases `holder` still holds, so another process polls at once (a process
    shutting down in order); how many. A process that dies leaves them to expire."""
    with db.transaction() as session:
        now = clock.now()
        leases = session.scalars(
            select(PollerLease).where(PollerLease.holder == holder).with_for_update()
        ).all()
        held = [lease for lease in leases if lease.expires_at > now]
        for lease in held:
            lease.expires_at = now
        return len(held)


def read_telegram_updates(*, db: Database, clock: Clock, rules: OutboundRules, poller: str) -> int:
    """Bind chats that sent /start <code> from a ticket's page; /stop opts out. How many.

    Only the process holding the poller's lease asks the Bot API (several asking at once
    would each read the same updates); the others leave the updates to it.
    """
    with db.transaction(read_only=True) as session:
        bots = [
            (row.office_id, config, row.telegram_offset)
            for row in session.scalars(select(NotificationSettings))
            if (config := telegram_config(row)) is not None
        ]
    if not bots or not hold_poller_lease(db=db, clock=clock, name=TELEGRAM_POLLER, holder=poller):
        return 0
    handled = 0
    for office_id, config, offset in bots:
        try:
            updates = TelegramBot(config, rules).updates(offset)
        except DeliveryError as exc:
            log.warning("Telegram updates of office %s: %s", office_id, exc)
            continue
        if updates:
            handled += _record_updates(db, clock, office_id, updates)
    return handled


def _record_updates(
    db: Database, clock: Clock, office_id: int, updates: list[dict[str, object]]
) -> int:
    handled = 0
    with db.transaction() as session:
        row = session.scalar(
            select(NotificationSettings)
            .where(NotificationSettings.office_id == office_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if row is None:
            return 0
        # A poll that outlived its lease may meet a newer one: what the other recorded
        # (below the stored offset) is not handled twice.
        for update in updates:
            if _update_id(update) >= row.telegram_offset:
                handled += _handle_update(session, clock, office_id, update)
        row.telegram_offset = max(row.telegram_offset, *(_update_id(u) + 1 for u in updates))
    return handled


def _update_id(update: dict[str, object]) -> int:
    value = update.get("update_id", 0)
    return value if isinstance(value, int) else int(str(value))


def _handle_update(
    session: Session, clock: Clock, office_id: int, update: dict[str, object]
) -> int:
    message = update.get("message")
    if not isinstance(message, dict):
        return 0
    chat = message.get("chat")
    text = str(message.get("text") or "").strip()
    if not isinstance(chat, dict) or "id" not in chat:
        return 0
    chat_id = str(chat["id"])
    if text.startswith("/stop"):
        subs = list(
            session.scalars(
                select(Subscription).where(
                    Subscription.office_id == office_id,
                    Subscription.channel == TELEGRAM,
                    Subscription.address == chat_id,
                    Subscription.purged_at.is_(None),
                )
            )
        )
        return withdraw(session=session, clock=clock, subscriptions=subs)
    if not text.startswith("/start "):
        return 0
    sub = bind_telegram_chat(
        session=session,
        clock=clock,
        office_id=office_id,
        payload=text.split(maxsplit=1)[1],
        chat_id=chat_id,
    )
    if sub is None:
        return 0
    office = session.get(Office, office_id)
    assert office is not None
    settings = session.get(NotificationSettings, office_id)
    subject = "талону" if sub.ticket_id else "делу"
    enqueue(
        session,
        clock,
        office_id=office_id,
        key=f"{templates.SUBSCRIBED}:{sub.id}",
        kind=templates.SUBSCRIBED,
        channel=TELEGRAM,
        address=chat_id,
        subscription_id=sub.id,
        text=templates.render(
            templates.SUBSCRIBED,
            settings.templates if settings else {},
            office=office.name,
            subject=subject,
        ),
    )
    return 1


class NotificationLoop:
    """The notifications' own loop on its own thread: a hanging gateway delays only it."""

    def __init__(self, db: Database, clock: Clock, outbound: OutboundRules | None = None) -> None:
        self.db = db
        self.clock = clock
        self.outbound = outbound
        # This loop's id for the pollers' leases: each loop (process) its own.
        self.poller = secrets.token_hex(8)

    def deliver_pending(self) -> int:
        """One pass (tests call it by hand); how many messages were delivered."""
        return deliver_applicant_notifications(
            db=self.db, clock=self.clock, poller=self.poller, outbound=self.outbound
        )

    def release(self) -> int:
        """Give up this loop's pollers' leases (the process is stopping); how many."""
        return release_poller_leases(db=self.db, clock=self.clock, holder=self.poller)

    async def run_forever(self, interval: float) -> None:
        """A pass every `interval` seconds until cancelled; a failed pass is logged.

        Cancelled (the server stopping), it gives up its pollers' leases, so another
        process takes the polling over at once instead of after the lease's minute."""
        loop = asyncio.get_running_loop()
        thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mfcq-notify")
        try:
            while True:
                try:
                    await loop.run_in_executor(thread, self.deliver_pending)
                except asyncio.CancelledError:
                    raise
                except Exception:  # the next pass may do better
                    log.exception("notification pass failed")
                await asyncio.sleep(interval)
        finally:
            # The leases are given up on the loop's thread, after a pass still running
            # there (which would otherwise renew them). A pass stuck on a gateway is not
            # waited for past RELEASE_SECONDS: its leases then expire by themselves.
            release = loop.run_in_executor(thread, self.release)
            thread.shutdown(wait=False)
            try:
                await asyncio.wait_for(release, timeout=RELEASE_SECONDS)
            except Exception:
                log.warning("poller leases not given up; they expire within %s", POLL_LEASE)
