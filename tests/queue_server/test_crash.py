"""kill -9 of the real server during a load of issues and calls, then a restart on its database.

Nothing answered is lost (every 201 ticket is there with its number), no number is given
twice (also after the restart), nothing is stuck (no window with two current tickets, every
clerk can go on calling) and the scheduler resumes (an unanswered call is recalled).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from queue_server.offices.models import Office
from queue_server.tickets.models import CALLED, NO_SHOW, SERVING, Ticket, TicketCounter
from queue_server.windows.models import Window
from tests.support.load import CLERKS, Load
from tests.support.server_process import ServerProcess, running_server
from tests.support.world import World

# Generous: a loaded 2-core CI machine with the R5 scheduler passing every 0.2 s. It bounds
# a wait for an event, never a sleep for a timer.
RECALLED_WITHIN = 15.0


@contextmanager
def serving(world: World, clock_start: datetime, log: Path) -> Iterator[ServerProcess]:
    """`mfc-queue serve` in its own process on the world's database, from an instant; its
    output appended to `log`; ready, and always stopped."""
    env = {
        "MFCQ_DATABASE_URL": world.db.engine.url.render_as_string(hide_password=False),
        "MFCQ_CLOCK_START": clock_start.isoformat(),
        "MFCQ_SCHEDULER_INTERVAL": "0.2",
        # One kiosk token stands for a hall of kiosks: no per-device rate limit.
        "MFCQ_KIOSK_TICKETS_PER_MINUTE": "0",
    }
    with log.open("ab") as output:
        server = ServerProcess.serve(env, stdout=output, stderr=subprocess.STDOUT)
        with running_server(server):
            yield server


def _tickets(world: World) -> dict[int, Ticket]:
    with world.db.transaction(read_only=True) as session:
        return {t.id: t for t in session.scalars(select(Ticket))}


def _assert_numbers_unique(world: World) -> None:
    with world.db.transaction(read_only=True) as session:
        twice = session.execute(
            select(Ticket.office_id, Ticket.day, Ticket.number)
            .group_by(Ticket.office_id, Ticket.day, Ticket.number)
            .having(func.count() > 1)
        ).all()
        assert twice == []
        highest = session.execute(
            select(Ticket.office_id, Ticket.prefix, Ticket.day, func.max(Ticket.seq)).group_by(
                Ticket.office_id, Ticket.prefix, Ticket.day
            )
        ).all()
        for office_id, prefix, day, seq in highest:
            counter = session.get(TicketCounter, (office_id, prefix, day))
            assert counter is not None and counter.last_seq >= seq


def _assert_nothing_stuck(world: World) -> None:
    with world.db.transaction(read_only=True) as session:
        crowded = session.execute(
            select(Ticket.window_id, func.count())
            .where(Ticket.status.in_((CALLED, SERVING)))
            .group_by(Ticket.window_id)
            .having(func.count() > 1)
        ).all()
        assert crowded == []


def _wait_recalled(world: World, called: dict[int, int]) -> None:
    """Until every ticket left called at the crash was recalled (or, later, a no-show)."""
    deadline = time.monotonic() + RECALLED_WITHIN
    while True:
        now = _tickets(world)
        pending = [
            i for i, n in called.items() if now[i].recall_count <= n and now[i].status != NO_SHOW
        ]
        if not pending:
            return
        assert time.monotonic() < deadline, f"never recalled after the restart: {pending}"
        time.sleep(0.1)


def _clerks_go_on(server: ServerProcess, world: World) -> None:
    """Each clerk ends their window's current ticket, then calls the next one."""
    with world.db.transaction(read_only=True) as session:
        windows = dict(
            session.execute(
                select(Window.number, Window.id)
                .join(Office, Office.id == Window.office_id)
                .where(Office.code == "central")
            ).all()
        )
    current = {t.window_id: t for t in _tickets(world).values() if t.status in (CALLED, SERVING)}
    with httpx.Client(base_url=server.url, timeout=30) as http:
        for clerk, number in CLERKS:
            auth = world.auth(clerk)
            ticket = current.get(windows[number])
            if ticket is not None:
                action = "no-show" if ticket.status == CALLED else "finish"
                ended = http.post(f"/api/v1/tickets/{ticket.id}/{action}", headers=auth)
                assert ended.status_code == 200, ended.text
            called = http.post(f"/api/v1/offices/central/windows/{number}/call-next", headers=auth)
            assert called.status_code in (200, 204), called.text


def test_kill_9_under_load_loses_nothing_answered(world: World, tmp_path: Path) -> None:
    start = world.clock.now()  # Monday 10:00 in Moscow: the office is open
    log = tmp_path / "server.log"
    with serving(world, start, log) as server:
        load = Load(server.url, world, issues_per_thread=100, walk_away={"clerk3": 2})
        load.start()
        try:
            load.wait_for_issued(60, walked_away=("clerk3",))
            server.kill()  # mid-load: the issuers and clerks are still sending
        finally:
            load.stop()
        answered = list(load.issued)
    assert len(answered) >= 60 and not load.errors, load.errors

    before = _tickets(world)
    for ticket_id, number in answered:
        assert ticket_id in before and before[ticket_id].number == number
    _assert_numbers_unique(world)
    _assert_nothing_stuck(world)
    called = {i: t.recall_count for i, t in before.items() if t.status == CALLED}
    assert called  # clerk3 walked away from a call

    # Restarted ten minutes later the same morning: every unanswered call is due for R5.
    with serving(world, start + timedelta(minutes=10), log) as server:
        _wait_recalled(world, called)
        more = Load(server.url, world, issues_per_thread=15, issuers=2, clerks=()).start()
        more.wait_for_issued(30)
        more.stop()
        assert len(more.issued) == 30 and not more.errors, more.errors
        _clerks_go_on(server, world)
    old_numbers = {number for _i, number in answered} | {t.number for t in before.values()}
    assert not {number for _i, number in more.issued} & old_numbers
    _assert_numbers_unique(world)
    _assert_nothing_stuck(world)
