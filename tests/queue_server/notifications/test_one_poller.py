"""Several server processes, one Telegram poller: two delivery loops on one database ask
the local Bot API stand-in for updates one at a time, each update is handled once, and
when the polling loop dies the other takes over once its lease has expired (fake clock)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_server.notifications.models import NotificationSettings, PollerLease, Subscription
from queue_server.notifications.rules import POLL_LEASE
from queue_server.notifications.scheduled import NotificationLoop, _record_updates
from tests.queue_server.notifications.conftest import configure
from tests.queue_server.test_tickets_api import issue
from tests.support import standins
from tests.support.outbound import loopback_webhook_rules
from tests.support.standins import Stand
from tests.support.world import World


@pytest.fixture
def bot() -> Iterator[Stand]:
    """The Bot API stand-in; its `polls` are the getUpdates calls it received."""
    with standins.bot_api() as stand:
        yield stand


def polls(stand: Stand) -> int:
    return len(stand.polls)


def sent(stand: Stand) -> list[str]:
    return [r["body"]["text"] for r in stand.requests]


def message(update_id: int, chat: int, text: str) -> dict[str, Any]:
    return {"update_id": update_id, "message": {"chat": {"id": chat}, "text": text}}


def test_two_loops_poll_one_at_a_time_and_the_survivor_takes_over(
    api: TestClient, world: World, bot: Stand
) -> None:
    configure(
        api,
        world,
        near_people_ahead=0,
        near_minutes=0,
        telegram={
            "enabled": True,
            "base_url": bot.url,
            "token": "TEST-TOKEN",
            "bot_username": "mfc_test_bot",
        },
    )
    issue(api, world)  # someone ahead: no "turn near" in this test
    mine = issue(api, world)
    first = NotificationLoop(world.db, world.clock, outbound=loopback_webhook_rules())
    second = NotificationLoop(world.db, world.clock, outbound=loopback_webhook_rules())
    bot.updates.append(message(7, 4455667, f"/start t_{mine['status_code']}"))

    for _ in range(3):  # both loops, pass after pass, as two processes would
        first.deliver_pending()
        second.deliver_pending()
        world.clock.advance(seconds=5)
    assert polls(bot) == 3  # the first loop's passes only
    welcome = [t for t in sent(bot) if "вы подписаны" in t]
    assert len(welcome) == 1  # the /start handled once
    with world.db.transaction(read_only=True) as session:
        assert len(session.scalars(select(Subscription)).all()) == 1
        lease = session.scalars(select(PollerLease)).one()
        assert lease.holder == first.poller

    # The first loop's process dies: no pass renews its lease. Until it expires, nobody
    # polls; then the second loop does, and handles what came meanwhile, once.
    bot.updates.append(message(8, 4455667, "/stop"))
    # The lease was last renewed at the first loop's third pass, 5 s ago.
    world.clock.advance(seconds=POLL_LEASE.total_seconds() - 6)
    second.deliver_pending()
    assert polls(bot) == 3
    world.clock.advance(seconds=1)
    second.deliver_pending()
    assert polls(bot) == 4
    second.deliver_pending()
    assert polls(bot) == 5
    with world.db.transaction(read_only=True) as session:
        sub = session.scalars(select(Subscription)).one()
        assert sub.withdrawn_at is not None and sub.address is None
        assert session.scalars(select(PollerLease)).one().holder == second.poller

    # Back again, the first loop finds the lease held and leaves the polling to it.
    first.deliver_pending()
    assert polls(bot) == 5
    assert len([t for t in sent(bot) if "вы подписаны" in t]) == 1


def test_a_poll_that_outlived_its_lease_does_not_handle_an_update_twice(
    api: TestClient, world: World, bot: Stand
) -> None:
    """A poller whose Bot API call took longer than its lease may meet the new poller's
    record of the same updates: what is below the stored offset is left alone."""
    configure(
        api,
        world,
        telegram={"enabled": True, "base_url": bot.url, "token": "TEST-TOKEN"},
    )
    ticket = issue(api, world)
    updates = [message(7, 4455667, f"/start t_{ticket['status_code']}")]
    with world.db.transaction(read_only=True) as session:
        office_id = session.scalars(select(NotificationSettings.office_id)).one()
    assert _record_updates(world.db, world.clock, office_id, updates) == 1
    assert _record_updates(world.db, world.clock, office_id, updates) == 0  # the late one
    with world.db.transaction(read_only=True) as session:
        assert len(session.scalars(select(Subscription)).all()) == 1
        assert session.get(NotificationSettings, office_id).telegram_offset == 8
