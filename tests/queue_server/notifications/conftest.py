"""Local stand-ins of the providers, started by the tests: an HTTP SMS gateway, a fake of
Telegram's Bot API, and aiosmtpd as the SMTP server. None of our code is mocked."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from queue_server.notifications.scheduled import NotificationLoop
from queue_server.scheduler import Scheduler
from tests.support import standins
from tests.support.app import make_client
from tests.support.outbound import LOOPBACK_WEBHOOKS, loopback_webhook_rules
from tests.support.standins import Stand
from tests.support.world import World


@pytest.fixture
def sms_gateway() -> Iterator[Stand]:
    """An SMS gateway: records each send; answers OK, 500, or hangs until released."""
    with standins.sms_gateway() as stand:
        yield stand


@pytest.fixture
def bot_api() -> Iterator[Stand]:
    """A fake of Telegram's Bot API: sendMessage is recorded, getUpdates serves `updates`."""
    with standins.bot_api() as stand:
        yield stand


class Mailbox:
    """aiosmtpd's handler: keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, Mailbox]]:
    """aiosmtpd on a free local port."""
    mailbox = Mailbox()
    with standins.smtp_server(mailbox) as controller:
        yield controller, mailbox


@pytest.fixture
def api(world: World) -> Iterator[TestClient]:
    """The app, allowed to reach the stand-ins on this machine."""
    with make_client(world, **LOOPBACK_WEBHOOKS) as client:
        yield client


@pytest.fixture
def loop(world: World) -> NotificationLoop:
    """The notifications' loop, driven by hand on the world's clock."""
    return NotificationLoop(world.db, world.clock, outbound=loopback_webhook_rules())


@pytest.fixture
def scheduler(world: World) -> Scheduler:
    """The R5 timers, driven by hand."""
    return Scheduler(world.db, world.clock, outbound=loopback_webhook_rules())


def configure(
    api: TestClient, world: World, *, sms: Stand | None = None, **extra: Any
) -> dict[str, Any]:
    """Switch the central office's SMS gateway (and whatever else `extra` says) on."""
    body: dict[str, Any] = {"near_people_ahead": 1, "near_minutes": 0, **extra}
    if sms is not None:
        body["sms"] = {
            "enabled": True,
            "url": f"{sms.url}/sys/send.php",
            "method": "POST",
            "body": "form",
            "params": {
                "login": "{login}",
                "psw": "{password}",
                "phones": "{phone}",
                "mes": "{text}",
                "sender": "{sender}",
            },
            "login": "mfc",
            "password": "secret",
            "sender": "MFC",
            "success_contains": "OK",
            "timeout_seconds": 5,
        }
    r = api.put(
        "/api/v1/offices/central/notification-settings", json=body, headers=world.auth("manager")
    )
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out
