"""A server stopping in order gives up its Telegram poller's lease: another process polls
at once, not after the lease's minute (a process that dies still leaves it to expire)."""

from __future__ import annotations

import asyncio
import time

from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_server.notifications.models import PollerLease
from queue_server.notifications.scheduled import NotificationLoop
from tests.queue_server.notifications.conftest import Stand, configure
from tests.queue_server.notifications.test_one_poller import bot, polls  # noqa: F401 (fixture)
from tests.support.outbound import loopback_webhook_rules
from tests.support.patience import STARTUP_SECONDS
from tests.support.world import World


def _holder(world: World) -> str | None:
    with world.db.transaction(read_only=True) as session:
        lease = session.scalars(select(PollerLease)).one_or_none()
        return None if lease is None or lease.expires_at <= world.clock.now() else lease.holder


def test_a_stopped_loop_gives_up_its_lease_and_the_other_polls_at_once(
    api: TestClient,
    world: World,
    bot: Stand,  # noqa: F811 (the fixture)
) -> None:
    configure(
        api,
        world,
        telegram={"enabled": True, "base_url": bot.url, "token": "TEST-TOKEN"},
    )
    first = NotificationLoop(world.db, world.clock, outbound=loopback_webhook_rules())
    second = NotificationLoop(world.db, world.clock, outbound=loopback_webhook_rules())

    async def run_then_stop() -> None:
        task = asyncio.create_task(first.run_forever(interval=3600))
        deadline = time.monotonic() + STARTUP_SECONDS
        while await asyncio.to_thread(_holder, world) != first.poller:  # its first pass
            assert time.monotonic() < deadline and not task.done()
            await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(run_then_stop())
    before = polls(bot)
    assert _holder(world) is None  # given up, on the same clock instant

    second.deliver_pending()  # no clock advance: the lease is free now
    assert polls(bot) == before + 1
    assert _holder(world) == second.poller

    # Given up by the holder only: the first loop's release leaves the second's lease.
    assert first.release() == 0
    assert _holder(world) == second.poller
