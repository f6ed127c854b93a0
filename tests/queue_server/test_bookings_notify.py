"""Confirmations, reminders and cancellations: the log notifier and a webhook on a real server."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_server.bookings.models import BookingNotification
from queue_server.bookings.notify import LogNotifier, deliver_notifications
from queue_server.scheduler import Scheduler
from tests.queue_server.bookings_helpers import booked, set_policy
from tests.support.app import make_client
from tests.support.outbound import LOOPBACK_WEBHOOKS, loopback_webhook_rules
from tests.support.world import World

LOOPBACK = loopback_webhook_rules()  # the gateway below listens on 127.0.0.1


@pytest.fixture
def api(world: World) -> Iterator[TestClient]:
    with make_client(world, **LOOPBACK_WEBHOOKS) as client:
        yield client


@pytest.fixture
def scheduler(world: World) -> Scheduler:
    return Scheduler(world.db, world.clock, outbound=LOOPBACK)


class Gateway:
    """A local HTTP server that records what it is sent and answers with a set status."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.status = 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                if gateway.status < 300:
                    gateway.received.append(body)
                    gateway.headers.append(dict(self.headers))
                self.send_response(gateway.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def kinds(self) -> list[str]:
        return [m["kind"] for m in self.received]


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    gw = Gateway()
    gw.thread.start()
    yield gw
    gw.server.shutdown()
    gw.server.server_close()
    gw.thread.join(timeout=5)


def _statuses(world: World) -> list[tuple[str, str]]:
    with world.db.transaction(read_only=True) as s:
        return [
            (n.kind, n.status)
            for n in s.scalars(select(BookingNotification).order_by(BookingNotification.id))
        ]


def test_webhook_gets_the_confirmation_and_later_the_reminder(
    api: TestClient, world: World, gateway: Gateway, scheduler: Scheduler
) -> None:
    set_policy(api, world, notifier="webhook", webhook_url=gateway.url, webhook_token="s3cret")
    body = booked(api, "passport", "2026-11-25", "10:15", email="i@example.ru")  # Wednesday
    scheduler.deliver_pending()
    assert gateway.kinds() == ["confirmation"]
    sms = gateway.received[0]
    assert sms["code"] == body["code"] and sms["phone"] == "79161234567"
    assert sms["email"] == "i@example.ru" and sms["slot_local"] == "2026-11-25 10:15"
    assert body["code"] in sms["text_ru"] and "25.11.2026 в 10:15" in sms["text_ru"]
    assert gateway.headers[0]["Authorization"] == "Bearer s3cret"
    world.clock.advance(hours=24)  # Tuesday 10:00: 24 h before is 10:15, not yet
    scheduler.deliver_pending()
    assert gateway.kinds() == ["confirmation"]
    world.clock.advance(minutes=15)
    scheduler.deliver_pending()
    assert gateway.kinds() == ["confirmation", "reminder"]
    scheduler.deliver_pending()
    assert gateway.kinds() == ["confirmation", "reminder"]  # each is sent once


def test_a_failing_gateway_is_retried_with_backoff(
    api: TestClient, world: World, gateway: Gateway
) -> None:
    set_policy(api, world, notifier="webhook", webhook_url=gateway.url)
    booked(api, "passport", "2026-11-24", "10:15")
    gateway.status = 503
    assert deliver_notifications(db=world.db, clock=world.clock, outbound=LOOPBACK) == 0
    with world.db.transaction(read_only=True) as s:
        row = s.scalars(select(BookingNotification)).first()
        assert row is not None
        assert row.attempts == 1 and row.status == "pending" and "503" in row.last_error
    gateway.status = 200
    # backing off 2 min
    assert deliver_notifications(db=world.db, clock=world.clock, outbound=LOOPBACK) == 0
    world.clock.advance(minutes=2)
    assert deliver_notifications(db=world.db, clock=world.clock, outbound=LOOPBACK) == 1
    assert gateway.kinds() == ["confirmation"]


def test_an_unreachable_gateway_gives_up_after_five_attempts(
    api: TestClient, world: World, gateway: Gateway
) -> None:
    set_policy(api, world, notifier="webhook", webhook_url=gateway.url, reminder_minutes_before=0)
    booked(api, "passport", "2026-11-24", "10:15")
    gateway.server.shutdown()
    gateway.server.server_close()
    for _ in range(5):
        deliver_notifications(db=world.db, clock=world.clock, outbound=LOOPBACK)
        world.clock.advance(minutes=40)
    assert _statuses(world) == [("confirmation", "failed")]


def test_cancel_drops_the_reminder_and_sends_a_cancellation(
    api: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    body = booked(api, "passport", "2026-11-25", "10:15")
    api.post(f"/api/v1/public/bookings/{body['code']}/cancel")
    assert _statuses(world) == [
        ("confirmation", "pending"),
        ("reminder", "skipped"),
        ("cancellation", "pending"),
    ]
    with caplog.at_level(logging.INFO, logger="queue_server.bookings.notify"):
        assert deliver_notifications(db=world.db, clock=world.clock, outbound=LOOPBACK) == 2
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 2 and "отменена" in logged[1] and "…4567" in logged[1]
    assert not any("79161234567" in line for line in logged)  # the log holds no full phone


def test_reschedule_replans_the_reminder(api: TestClient, world: World) -> None:
    body = booked(api, "passport", "2026-11-25", "10:15")
    from tests.queue_server.bookings_helpers import at

    r = api.post(
        f"/api/v1/public/bookings/{body['code']}/reschedule",
        json={"slot_start": at("2026-11-26", "12:00").isoformat()},
    )
    assert r.status_code == 200
    assert _statuses(world) == [
        ("confirmation", "pending"),
        ("reminder", "skipped"),
        ("rescheduled", "pending"),
        ("reminder", "pending"),
    ]
    with world.db.transaction(read_only=True) as s:
        reminder = s.scalars(
            select(BookingNotification).where(BookingNotification.status == "pending")
        ).all()[-1]
        assert reminder.due_at == at("2026-11-25", "12:00")


def test_log_notifier_writes_the_text() -> None:
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logger = logging.getLogger("test.bookings.notify")
    logger.setLevel(logging.INFO)
    logger.addHandler(Collect())
    LogNotifier(logger).send({"kind": "reminder", "phone": "79160000001", "text_ru": "Текст"})
    assert records == ["booking reminder to …0001: Текст"]
