"""The hub: pushes committed outbox events to the WebSocket connections subscribed to them.

Truth is the outbox. Notifications (PostgreSQL NOTIFY, the SQLite post-commit hook, a poll)
only tell the hub that something was committed; it then publishes events in id order and
keeps one cursor per office, so an event is never published twice or skipped. Per office,
ids are handed out in commit order (see ``outbox``), which makes "after id N" gap-free.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_server.auth.service import CREDENTIALS_REVOKED, Principal, live_principals
from queue_server.clock import Clock, SystemClock
from queue_server.db import Database
from queue_server.events.models import Event
from queue_server.realtime.outbox import committed_messages, event_message

log = logging.getLogger(__name__)

#: Close codes (4000-4999 are the application's).
CLOSE_RESYNC = 4000
CLOSE_DEAD_PEER = 4001
CLOSE_GOING_AWAY = 1001
#: The token behind an open socket is no longer valid (revoked, expired, account disabled,
#: password changed, role or office changed): staff pages go to the login, a board says so.
CLOSE_UNAUTHORIZED = 4401
TOKEN_NO_LONGER_VALID = {
    "type": "error",
    "error": {
        "code": "token_no_longer_valid",
        "message": "Доступ отозван или истёк: войдите снова (устройство нужно "
        "зарегистрировать заново). Access revoked or expired.",
    },
}


def dumps(message: dict[str, Any]) -> str:
    """Compact JSON with Cyrillic kept readable."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def _same_access(now: Principal | None, then: Principal | None) -> bool:
    """Whether a token still stands for the principal it stood for (a new name is fine)."""
    if now is None or then is None:
        return False
    return (now.kind, now.id, now.role, now.office_id) == (
        then.kind,
        then.id,
        then.role,
        then.office_id,
    )


class Transport(Protocol):
    """What a connection needs from a WebSocket (Starlette's fits)."""

    async def send_text(self, data: str) -> None: ...

    async def receive_text(self) -> str: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


class Connection:
    """One subscribed WebSocket: a bounded queue, a sender, a reader and a heartbeat."""

    def __init__(
        self,
        transport: Transport,
        *,
        office_id: int | None,
        queue_size: int,
        heartbeat_seconds: float,
        window: int | None = None,
        types: tuple[str, ...] = (),
        name: str = "",
        on_stop: Callable[[Connection], None] | None = None,
        principal: Principal | None = None,
        token_digest: str | None = None,
    ) -> None:
        self.transport = transport
        # Who opened the socket and the digest of their token: the hub re-checks both.
        self.principal = principal
        self.token_digest = token_digest
        self.on_stop = on_stop
        self.office_id = office_id
        self.window = window
        self.types = types
        self.name = name
        self.heartbeat_seconds = heartbeat_seconds
        self.queue: asyncio.Queue[tuple[int | None, int, str]] = asyncio.Queue(queue_size)
        # Highest id sent per office: live events already covered by the replay are skipped.
        self.last_ids: dict[int | None, int] = {}
        self.last_heard = time.monotonic()
        self.closed = asyncio.Event()
        self.close_code = 1000
        self.close_message: dict[str, Any] | None = None

    def wants(self, message: dict[str, Any]) -> bool:
        """Whether the event passes the connection's window and type filters."""
        if self.types and not message["type"].startswith(self.types):
            return False
        return self.window is None or message.get("payload", {}).get("window") == self.window

    def offer(self, office_id: int | None, event_id: int, text: str) -> None:
        """Queue an event without waiting; a full queue means the client fell behind."""
        if self.closed.is_set():
            return
        try:
            self.queue.put_nowait((office_id, event_id, text))
        except asyncio.QueueFull:
            last = self.last_ids.get(office_id, 0)
            self.stop(
                CLOSE_RESYNC,
                {"type": "resync", "reason": "too_slow", "last_id": last},
            )

    def stop(self, code: int, message: dict[str, Any] | None = None) -> None:
        """End the connection: `message` is sent (if the peer still reads), then closed."""
        if not self.closed.is_set():
            self.close_code, self.close_message = code, message
            self.closed.set()
            if self.on_stop is not None:
                self.on_stop(self)  # no more events are queued for it from now on

    async def send_now(self, message: dict[str, Any]) -> None:
        """Send a control message directly (before the sender starts)."""
        await self.transport.send_text(dumps(message))

    async def send_events(self, messages: Iterable[dict[str, Any]]) -> None:
        """Send replayed events and remember the last id per office."""
        for message in messages:
            if self.wants(message):
                await self.transport.send_text(dumps(message))
            self.last_ids[message["office_id"]] = message["id"]

    async def _sender(self) -> None:
        while True:
            office_id, event_id, text = await self.queue.get()
            if event_id and event_id <= self.last_ids.get(office_id, 0):
                continue  # already sent by the replay
            await self.transport.send_text(text)
            if event_id:
                self.last_ids[office_id] = event_id

    async def _reader(self) -> None:
        while True:
            raw = await self.transport.receive_text()
            self.last_heard = time.monotonic()
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            if isinstance(message, dict) and message.get("type") == "ping":
                self._control({"type": "pong", "t": message.get("t")})

    def _control(self, message: dict[str, Any]) -> None:
        # Control messages share the queue so they never interleave with a half-sent event.
        self.offer(None, 0, dumps(message))

    async def _heartbeat(self) -> None:
        # Dead means silent for 2.5 periods *and* two pings sent since the peer last spoke:
        # a server stalled by its own load (a sleep that overran) must not count its stall
        # against a peer that never had a ping to answer.
        pings_unanswered = 0
        heard_at_last_ping = self.last_heard
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            if self.last_heard != heard_at_last_ping:
                pings_unanswered = 0
            silent = time.monotonic() - self.last_heard
            if silent > 2.5 * self.heartbeat_seconds and pings_unanswered >= 2:
                self.stop(CLOSE_DEAD_PEER)
                return
            heard_at_last_ping = self.last_heard
            self._control({"type": "ping", "t": time.time()})
            pings_unanswered += 1

    async def serve(self) -> None:
        """Run until the peer leaves, misses heartbeats or falls behind."""
        tasks = [
            asyncio.create_task(self._sender(), name=f"ws-send {self.name}"),
            asyncio.create_task(self._reader(), name=f"ws-read {self.name}"),
            asyncio.create_task(self._heartbeat(), name=f"ws-beat {self.name}"),
            asyncio.create_task(self.closed.wait(), name=f"ws-stop {self.name}"),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task
            await self._finish()

    async def _finish(self) -> None:
        # A peer that stopped reading cannot take even the resync notice: bounded wait.
        with contextlib.suppress(Exception):
            if self.close_message is not None:
                await asyncio.wait_for(self.send_now(self.close_message), timeout=1.0)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.transport.close(self.close_code), timeout=1.0)


class Hub:
    """Owned by the app's lifespan: subscriptions, per-office cursors, the fetch tasks."""

    def __init__(
        self,
        db: Database,
        *,
        queue_size: int = 256,
        heartbeat_seconds: float = 15.0,
        replay_limit: int = 2000,
        poll_seconds: float = 2.0,
        clock: Clock | None = None,
        revalidate_seconds: float = 2.0,
    ) -> None:
        self.db = db
        self.clock: Clock = clock or SystemClock()
        self.revalidate_seconds = revalidate_seconds
        self._revalidating: asyncio.Task[int] | None = None
        self.queue_size = queue_size
        self.heartbeat_seconds = heartbeat_seconds
        self.replay_limit = replay_limit
        self.poll_seconds = poll_seconds
        self._subscribers: dict[int | None, set[Connection]] = {}
        self._cursors: dict[int, int] = {}
        self._fetching: dict[int, asyncio.Task[None]] = {}
        self._dirty: set[int] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._hooked = False
        self.published = 0

    # --- life cycle -------------------------------------------------------------------

    async def start(self) -> None:
        """Hook the in-process commit notifications and start the outbox poll."""
        self._loop = asyncio.get_running_loop()
        if self.db.is_sqlite:
            # Runs before the outbox module clears the pending list (insert=True).
            sa_event.listen(Session, "after_commit", self._after_commit, insert=True)
            self._hooked = True
        if self.poll_seconds > 0:
            self._tasks.append(asyncio.create_task(self._poll_forever(), name="outbox-poll"))
        if self.revalidate_seconds > 0:
            self._tasks.append(
                asyncio.create_task(self._revalidate_forever(), name="token-recheck")
            )

    async def stop(self) -> None:
        """Close every connection and stop the background tasks."""
        if self._hooked:
            sa_event.remove(Session, "after_commit", self._after_commit)
            self._hooked = False
        for connections in self._subscribers.values():
            for connection in connections:
                connection.stop(CLOSE_GOING_AWAY)
        tasks: list[asyncio.Task[Any]] = [*self._tasks, *self._fetching.values()]
        if self._revalidating is not None:
            tasks.append(self._revalidating)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        self._tasks.clear()

    # --- subscriptions ----------------------------------------------------------------

    def subscribe(self, connection: Connection) -> None:
        """Start queueing live events for the connection (before its replay is read)."""
        self._subscribers.setdefault(connection.office_id, set()).add(connection)

    def unsubscribe(self, connection: Connection) -> None:
        """Forget the connection."""
        connections = self._subscribers.get(connection.office_id)
        if connections is not None:
            connections.discard(connection)
            if not connections:
                del self._subscribers[connection.office_id]

    def connection_count(self) -> int:
        """How many sockets are subscribed."""
        return sum(len(c) for c in self._subscribers.values())

    def cursor(self, office_id: int) -> int | None:
        """The last id published for the office (None while it is not tracked)."""
        return self._cursors.get(office_id)

    def note_cursor(self, office_id: int, last_id: int) -> None:
        """Start tracking an office at the id its first subscriber's replay ended."""
        if office_id not in self._cursors:
            self._cursors[office_id] = last_id

    # --- publishing -------------------------------------------------------------------

    def publish(self, message: dict[str, Any]) -> None:
        """Push one committed event to its subscribers (in id order per office, once)."""
        office_id = message["office_id"]
        if office_id is not None:
            cursor = self._cursors.get(office_id)
            if cursor is not None and message["id"] <= cursor:
                return
            self._cursors[office_id] = message["id"]
        if message["type"] == CREDENTIALS_REVOKED:
            self.revalidate_soon()
        text = dumps(message)
        self.published += 1
        for key in (office_id, None) if office_id is not None else (None,):
            for connection in tuple(self._subscribers.get(key, ())):
                if connection.wants(message):
                    connection.offer(office_id, message["id"], text)

    def wake(self, office_id: int) -> None:
        """Something was committed for the office: read the outbox after its cursor."""
        if office_id not in self._cursors:
            return  # nobody has subscribed yet; the first replay sets the cursor
        if office_id in self._fetching:
            self._dirty.add(office_id)
            return
        self._fetching[office_id] = asyncio.create_task(self._fetch(office_id))

    def wake_threadsafe(self, office_ids: Iterable[int]) -> None:
        """`wake` from a worker thread (the post-commit hook runs there)."""
        if self._loop is None or self._loop.is_closed():
            return
        for office_id in set(office_ids):
            self._loop.call_soon_threadsafe(self.wake, office_id)

    async def catch_up(self) -> None:
        """Read what every tracked office missed (after LISTEN reconnects)."""
        for office_id in list(self._cursors):
            while True:
                messages = await asyncio.to_thread(
                    self.read_after, office_id, self._cursors[office_id]
                )
                for message in messages:
                    self.publish(message)
                if len(messages) < self.replay_limit:
                    break

    async def _fetch(self, office_id: int) -> None:
        try:
            while True:
                self._dirty.discard(office_id)
                messages = await asyncio.to_thread(
                    self.read_after, office_id, self._cursors[office_id]
                )
                for message in messages:
                    self.publish(message)
                if office_id not in self._dirty and len(messages) < self.replay_limit:
                    return
        except Exception:
            log.exception("reading the outbox of office %s failed", office_id)
        finally:
            self._fetching.pop(office_id, None)

    def _after_commit(self, session: Session) -> None:
        try:
            bind = session.get_bind()
        except Exception:  # a session without a bind is none of ours
            return
        if getattr(bind, "engine", bind) is not self.db.engine:
            return
        offices = {m["office_id"] for m in committed_messages(session)}
        offices.discard(None)
        if offices:
            self.wake_threadsafe(offices)

    async def _poll_forever(self) -> None:
        # Catches events written by other processes on SQLite, and is a safety net for
        # a NOTIFY lost while the listener reconnected.
        while True:
            await asyncio.sleep(self.poll_seconds)
            for office_id in [k for k in self._subscribers if k is not None]:
                self.wake(office_id)

    # --- re-checking the tokens of open sockets ---------------------------------------

    def connections(self) -> list[Connection]:
        """Every subscribed socket of this process."""
        return [c for group in self._subscribers.values() for c in group]

    def revalidate_soon(self) -> None:
        """Re-check every socket's token now (a revocation was committed somewhere)."""
        if self._revalidating is None or self._revalidating.done():
            self._revalidating = asyncio.create_task(self.revalidate(), name="token-recheck-now")

    async def revalidate(self) -> int:
        """Close the sockets whose token is no longer valid or no longer means the same
        principal (role or office changed); returns how many were closed."""
        open_ = [c for c in self.connections() if c.token_digest and not c.closed.is_set()]
        if not open_:
            return 0
        digests = {c.token_digest for c in open_ if c.token_digest}
        try:
            live = await asyncio.to_thread(self._live_principals, digests)
        except Exception:  # the database is away: keep the sockets, try at the next tick
            log.exception("re-checking the tokens of open sockets failed")
            return 0
        closed = 0
        for connection in open_:
            now = live.get(connection.token_digest or "")
            if not _same_access(now, connection.principal):
                connection.stop(CLOSE_UNAUTHORIZED, TOKEN_NO_LONGER_VALID)
                closed += 1
        return closed

    def _live_principals(self, digests: set[str]) -> dict[str, Principal]:
        with self.db.transaction(read_only=True) as session:
            return live_principals(session=session, clock=self.clock, digests=digests)

    async def _revalidate_forever(self) -> None:
        # Expiry follows the injected clock, revocations the database: a timer catches both,
        # also those committed by another process whose notification this one missed.
        while True:
            await asyncio.sleep(self.revalidate_seconds)
            await self.revalidate()

    # --- reading the outbox (worker threads) ------------------------------------------

    def read_after(self, office_id: int, after_id: int, limit: int | None = None) -> list[Any]:
        """Event messages of the office after `after_id`, oldest first."""
        with self.db.transaction(read_only=True) as session:
            rows = session.scalars(
                select(Event)
                .where(Event.office_id == office_id, Event.id > after_id)
                .order_by(Event.id)
                .limit(limit or self.replay_limit)
            )
            return [event_message(row) for row in rows]

    def last_event_id(self, office_id: int) -> int:
        """The office's newest event id (0 without events)."""
        with self.db.transaction(read_only=True) as session:
            return int(
                session.scalar(
                    select(func.coalesce(func.max(Event.id), 0)).where(Event.office_id == office_id)
                )
                or 0
            )
