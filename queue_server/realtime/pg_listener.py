"""LISTEN on PostgreSQL: events committed by any process reach this process's hub.

Why LISTEN/NOTIFY and not another broker: the database is already shared by every server
process, NOTIFY is transactional (sent on commit, never for a rollback, in commit order),
and it needs no extra service to run and secure. Its weakness — a notification sent while
the listener is disconnected is lost — is covered by reading the outbox after every
(re)connect (``Hub.catch_up``) and by the hub's periodic poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from sqlalchemy.engine import make_url

from queue_server.realtime.hub import Hub
from queue_server.realtime.outbox import CHANNEL_PREFIX

log = logging.getLogger(__name__)

#: First key of the timekeeper's session-level advisory lock ("MFT"); the schema's hash is
#: the second. Apart from the outbox's per-office key (outbox.office_order_lock).
TIMEKEEPER_KEY = 0x4D4654
#: Added to the server's application_name on its LISTEN connection (pg_stat_activity).
LISTEN_NAME_SUFFIX = ":listen"


def psycopg_conninfo(sqlalchemy_url: str, application_name: str | None = None) -> str:
    """The libpq URI of an SQLAlchemy PostgreSQL URL (driver name dropped, options kept)."""
    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    if application_name and "application_name" not in url.query:
        url = url.update_query_dict({"application_name": application_name})
    return url.render_as_string(hide_password=False)


class PgListener:
    """One LISTEN connection per server process, reconnecting with backoff.

    `url` must lead straight to PostgreSQL (`Database.direct_url`), never through a
    transaction pooler: LISTEN belongs to the session, and PgBouncer in transaction mode
    would hand the next statement to another server connection that listens to nothing.
    """

    def __init__(
        self,
        hub: Hub,
        url: str,
        *,
        health_seconds: float = 10.0,
        application_name: str | None = None,
    ) -> None:
        self.hub = hub
        # Named apart from the pool's connections, so an operator counts them apart.
        name = f"{application_name}{LISTEN_NAME_SUFFIX}" if application_name else None
        self.conninfo = psycopg_conninfo(url, name)
        self.health_seconds = health_seconds
        self.listening = asyncio.Event()
        # True while this process holds the timekeeper lock on its LISTEN connection: then,
        # and only then, it runs the timed jobs (app.py). One process of all those on the
        # database (schema) keeps time; when it dies its session ends, the lock is freed and
        # another process takes it at its next health check.
        self.leads = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start listening in the background."""
        self._task = asyncio.create_task(self._run(), name="pg-listen")

    async def stop(self) -> None:
        """Stop listening and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        backoff = 0.5
        while True:
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("LISTEN connection lost (%s); retrying in %.1fs", exc, backoff)
            finally:
                self.leads = False  # the lock went with the session
            self.listening.clear()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)

    async def _listen(self) -> None:
        # Imported here: an embedded (SQLite) server never loads psycopg (~20 MiB).
        import psycopg
        from psycopg import sql

        async with await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True) as conn:
            cursor = await conn.execute("SELECT current_schema()")
            row = await cursor.fetchone()
            channel = CHANNEL_PREFIX + (row[0] if row else "public")
            await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            self.listening.set()
            # What was committed while we were not listening comes from the outbox.
            await self.hub.catch_up()
            await self._try_to_lead(conn)
            while True:
                async for notify in conn.notifies(timeout=self.health_seconds):
                    await self._deliver(notify.payload)
                # A dead connection raises here.
                await (conn.execute("SELECT 1") if self.leads else self._try_to_lead(conn))

    async def _try_to_lead(self, conn: Any) -> None:
        # A session-level lock: the LISTEN connection is direct, never through a pooler.
        # Keyed by schema, so deployments (and test schemas) sharing a database each have
        # their own timekeeper.
        cursor = await conn.execute(
            "SELECT pg_try_advisory_lock(%s, hashtext(current_schema()))", [TIMEKEEPER_KEY]
        )
        row = await cursor.fetchone()
        self.leads = bool(row and row[0])
        if self.leads:
            log.info("this process keeps time (runs the timed jobs)")

    async def _deliver(self, payload: str) -> None:
        try:
            message = json.loads(payload)
        except ValueError:
            log.warning("ignoring a malformed notification")
            return
        if message.get("thin"):
            # Too big for NOTIFY: read it (and anything before it) from the outbox, here,
            # so that the notifications after it wait and the order is kept.
            office_id = message["office_id"]
            cursor = self.hub.cursor(office_id)
            if cursor is None:
                cursor = message["id"] - 1
            for missed in await asyncio.to_thread(self.hub.read_after, office_id, cursor):
                self.hub.publish(missed)
            return
        self.hub.publish(message)
