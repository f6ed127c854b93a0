"""Applicants told in time: each message delivered once, with its text, at its moment of a
simulated day, by the local stand-ins of an SMS gateway, the Bot API and an SMTP server."""

from __future__ import annotations

import threading
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_server.notifications.models import (
    DeliveryAttempt,
    NotificationMessage,
    Subscription,
)
from queue_server.notifications.scheduled import NotificationLoop
from queue_server.scheduler import Scheduler
from tests.queue_server.notifications.conftest import configure
from tests.queue_server.test_tickets_api import assert_error, call, issue, take
from tests.support.standins import Stand
from tests.support.world import World

PHONE = "+7 916 123-45-67"


def subscribe(api: TestClient, ticket: dict[str, Any], **body: Any) -> Any:
    """Leave the phone with consent on the ticket, as the kiosk does after printing."""
    payload = {"phone": PHONE, "consent": True, "source": "kiosk", **body}
    return api.post(f"/api/v1/tickets/status/{ticket['status_code']}/notifications", json=payload)


def texts(stand: Stand) -> list[str]:
    """The texts the SMS gateway was asked to send, in order."""
    return [r["body"]["mes"] for r in stand.requests if not r.get("refused")]


def finish(api: TestClient, world: World, ticket_id: int, clerk: str = "clerk1") -> None:
    for step in ("start", "finish"):
        r = api.post(f"/api/v1/tickets/{ticket_id}/{step}", headers=world.auth(clerk))
        assert r.status_code == 200, r.text


def test_a_morning_near_called_recalled_each_once_then_the_number_is_removed_at_midnight(
    api: TestClient,
    world: World,
    loop: NotificationLoop,
    scheduler: Scheduler,
    sms_gateway: Stand,
) -> None:
    """Turn near (one ahead), called to window 1, recalled after a minute: one SMS each."""
    configure(api, world, sms=sms_gateway)
    first, second, mine = (issue(api, world) for _ in range(3))
    assert subscribe(api, mine).status_code == 201
    loop.deliver_pending()
    assert texts(sms_gateway) == []  # two people ahead: not near yet

    take(api, world, 1, "clerk1")
    assert call(api, world, 1, "clerk1")["id"] == first["id"]
    assert loop.deliver_pending() == 1
    request = sms_gateway.requests[0]
    assert request["path"] == "/sys/send.php"
    assert request["body"]["phones"] == "79161234567"
    assert request["body"]["login"] == "mfc" and request["body"]["psw"] == "secret"
    assert texts(sms_gateway) == [
        f"МФЦ Центральный: скоро ваша очередь. Талон {mine['number']}, перед вами 1 чел., "
        f"ожидание около {texts_minutes(sms_gateway)} мин. Пожалуйста, вернитесь в зал ожидания."
    ]
    assert loop.deliver_pending() == 0  # once per wait

    finish(api, world, first["id"])
    assert call(api, world, 1, "clerk1")["id"] == second["id"]
    assert loop.deliver_pending() == 0  # nobody ahead now, but "near" was said already
    finish(api, world, second["id"])
    assert call(api, world, 1, "clerk1")["id"] == mine["id"]
    assert loop.deliver_pending() == 1
    assert texts(sms_gateway)[-1] == (
        f"МФЦ Центральный: талон {mine['number']} приглашается к окну 1."
    )
    world.clock.advance(seconds=60)
    assert scheduler.run_pending() == 1  # R5: the automatic recall
    assert loop.deliver_pending() == 1
    assert texts(sms_gateway)[-1] == (
        f"МФЦ Центральный: повторный вызов! Талон {mine['number']}, подойдите к окну 1."
    )
    assert len(texts(sms_gateway)) == 3

    report = api.get(
        "/api/v1/offices/central/notifications/report", headers=world.auth("manager")
    ).json()
    sent = {(row["kind"], row["channel"]): row["sent"] for row in report["summary"]}
    assert sent == {("called", "sms"): 1, ("recalled", "sms"): 1, ("turn_near", "sms"): 1}
    assert {m["address_masked"] for m in report["recent"]} == {"+7 *** ***-45-67"}

    # The office's day ends at local midnight: the number is gone, the consent stays.
    world.clock.advance(hours=15)
    loop.deliver_pending()
    with world.db.transaction(read_only=True) as session:
        sub = session.scalars(select(Subscription)).one()
        assert sub.address is None and sub.purged_at is not None
        assert sub.consent_at is not None and sub.source == "kiosk"
        assert session.scalars(select(NotificationMessage.address)).all() == [None] * 3


def texts_minutes(stand: Stand) -> str:
    """The minutes the first text names (the live estimate; its figure is not this test's)."""
    first = texts(stand)[0]
    return first.split("ожидание около ")[1].split(" мин.")[0]


def test_no_message_without_consent(
    api: TestClient, world: World, loop: NotificationLoop, sms_gateway: Stand
) -> None:
    """No consent: 422 in Russian, nothing stored, nothing sent."""
    configure(api, world, sms=sms_gateway)
    ticket = issue(api, world)
    refused = subscribe(api, ticket, consent=False)
    assert "согласия" in assert_error(refused, 422, "notification_consent_required")["message"]
    take(api, world, 1, "clerk1")
    call(api, world, 1, "clerk1")
    loop.deliver_pending()
    assert sms_gateway.requests == []
    with world.db.transaction(read_only=True) as session:
        assert session.scalars(select(Subscription)).all() == []


def test_an_office_without_sms_refuses_the_number(api: TestClient, world: World) -> None:
    """Nothing is kept when the office sends no SMS."""
    ticket = issue(api, world)
    assert_error(subscribe(api, ticket), 409, "notification_channel_off")


def test_a_failing_gateway_is_retried_with_backoff_and_sends_once(
    api: TestClient, world: World, loop: NotificationLoop, sms_gateway: Stand
) -> None:
    """A 500 is recorded and retried after 30 s, then 1 min…; the call goes out once."""
    configure(api, world, sms=sms_gateway)
    ticket = issue(api, world)
    subscribe(api, ticket)
    take(api, world, 1, "clerk1")
    sms_gateway.mode = "fail"
    call(api, world, 1, "clerk1")
    assert loop.deliver_pending() == 0
    assert len(sms_gateway.requests) == 1  # the call, refused
    world.clock.advance(seconds=29)
    assert loop.deliver_pending() == 0
    assert len(sms_gateway.requests) == 1  # not before its backoff
    world.clock.advance(seconds=1)
    sms_gateway.mode = "ok"
    assert loop.deliver_pending() == 1
    assert loop.deliver_pending() == 0
    assert texts(sms_gateway)[-1].endswith("приглашается к окну 1.")
    with world.db.transaction(read_only=True) as session:
        outcomes = [a.ok for a in session.scalars(select(DeliveryAttempt))]
        assert outcomes == [False, True]


def test_a_hanging_gateway_never_delays_a_call_or_a_recall(
    api: TestClient,
    world: World,
    loop: NotificationLoop,
    scheduler: Scheduler,
    sms_gateway: Stand,
) -> None:
    """While the gateway holds the delivery, clerks call and the R5 recall happens."""
    configure(api, world, sms=sms_gateway)
    first, second = issue(api, world), issue(api, world)
    subscribe(api, first)
    take(api, world, 1, "clerk1")
    take(api, world, 2, "clerk2")
    sms_gateway.mode = "hang"
    call(api, world, 1, "clerk1")
    delivery = threading.Thread(target=loop.deliver_pending)
    delivery.start()
    assert sms_gateway.entered.wait(timeout=10)
    try:
        # The gateway has not answered: the delivery is stuck in it, no transaction open.
        assert call(api, world, 2, "clerk2")["id"] == second["id"]
        world.clock.advance(seconds=60)
        assert scheduler.run_pending() == 2  # both called tickets recalled
        assert delivery.is_alive() and not sms_gateway.release.is_set()
    finally:
        sms_gateway.mode = "ok"
        sms_gateway.release.set()
        delivery.join(timeout=15)
    assert not delivery.is_alive()
    loop.deliver_pending()
    assert texts(sms_gateway)[-1].startswith("МФЦ Центральный: повторный вызов!")


def test_telegram_deep_link_binds_the_chat_then_the_call_goes_there(
    api: TestClient, world: World, loop: NotificationLoop, scheduler: Scheduler, bot_api: Stand
) -> None:
    """/start t_<code> from the ticket's page binds the chat; /stop removes it."""
    configure(
        api,
        world,
        telegram={
            "enabled": True,
            "base_url": bot_api.url,
            "token": "TEST-TOKEN",
            "bot_username": "mfc_test_bot",
        },
    )
    ticket = issue(api, world)
    page = api.get(f"/api/v1/tickets/status/{ticket['status_code']}/notifications").json()
    assert page["telegram_link"] == (f"https://t.me/mfc_test_bot?start=t_{ticket['status_code']}")
    start = f"/start t_{ticket['status_code']}"
    bot_api.updates.append({"update_id": 7, "message": {"chat": {"id": 4455667}, "text": start}})
    assert loop.deliver_pending() == 2  # the welcome, and "near" (nobody ahead)
    assert bot_api.requests[0]["body"]["chat_id"] == "4455667"
    assert "вы подписаны на уведомления по талону" in bot_api.requests[0]["body"]["text"]
    take(api, world, 1, "clerk1")
    call(api, world, 1, "clerk1")
    assert loop.deliver_pending() == 1  # the update is not read twice: no second welcome
    assert bot_api.requests[-1]["body"]["text"].endswith("приглашается к окну 1.")
    listed = api.get(f"/api/v1/tickets/status/{ticket['status_code']}/notifications").json()
    assert [s["address_masked"] for s in listed["subscriptions"]] == ["чат …5667"]

    bot_api.updates.append({"update_id": 8, "message": {"chat": {"id": 4455667}, "text": "/stop"}})
    loop.deliver_pending()
    world.clock.advance(seconds=60)
    assert scheduler.run_pending() == 1  # recalled, but the chat has opted out
    loop.deliver_pending()
    assert len(bot_api.requests) == 3
    with world.db.transaction(read_only=True) as session:
        sub = session.scalars(select(Subscription)).one()
        assert sub.address is None and sub.withdrawn_at is not None


def test_email_over_smtp(
    api: TestClient, world: World, loop: NotificationLoop, smtp_server: Any
) -> None:
    """An e-mail subscription gets its call by SMTP (aiosmtpd), with a Russian subject."""
    controller, mailbox = smtp_server
    configure(
        api,
        world,
        near_people_ahead=0,
        email={
            "enabled": True,
            "host": "127.0.0.1",
            "port": controller.port,
            "security": "none",
            "sender": "mfc@example.ru",
            "timeout_seconds": 60,  # the most an office may set: a loaded machine's aiosmtpd
        },
    )
    other, ticket = issue(api, world), issue(api, world)
    r = subscribe(api, ticket, channel="email", phone="", email="Ivanov@Mail.ru")
    assert r.status_code == 201, r.text
    assert r.json()["address_masked"] == "i***@mail.ru"
    take(api, world, 1, "clerk1")
    call(api, world, 1, "clerk1")
    assert loop.deliver_pending() == 1  # near: nobody ahead now
    finish(api, world, other["id"])
    call(api, world, 1, "clerk1")
    assert loop.deliver_pending() == 1
    assert [m["Subject"] for m in mailbox.messages] == ["Скоро ваша очередь", "Вызов к окну"]
    assert mailbox.messages[1]["To"] == "ivanov@mail.ru"
    body = mailbox.messages[1].get_payload(decode=True).decode()
    assert f"талон {ticket['number']} приглашается к окну 1." in body


def test_templates_are_edited_per_office_and_checked(
    api: TestClient, world: World, loop: NotificationLoop, sms_gateway: Stand
) -> None:
    """An office's own text is used; an unknown placeholder is refused in Russian."""
    bad = api.put(
        "/api/v1/offices/central/notification-settings",
        json={"templates": {"called": "Окно {windw}"}},
        headers=world.auth("manager"),
    )
    assert bad.status_code == 422
    assert "неизвестные подстановки: windw" in bad.json()["error"]["message"]
    configure(
        api,
        world,
        sms=sms_gateway,
        near_people_ahead=0,
        templates={"called": "Талон {number}: окно {window}"},
    )
    other, ticket = issue(api, world), issue(api, world)
    subscribe(api, ticket)
    take(api, world, 1, "clerk1")
    call(api, world, 1, "clerk1")
    finish(api, world, other["id"])
    call(api, world, 1, "clerk1")
    loop.deliver_pending()
    assert texts(sms_gateway)[-1] == f"Талон {ticket['number']}: окно 1"
    settings = api.get(
        "/api/v1/offices/central/notification-settings", headers=world.auth("manager")
    ).json()
    assert "password" not in settings["sms"] and settings["sms"]["password_set"] is True


def test_a_recipient_over_the_hourly_limit_waits(
    api: TestClient, world: World, loop: NotificationLoop, sms_gateway: Stand
) -> None:
    """At most `per_recipient_per_hour` messages an hour reach one number."""
    configure(api, world, sms=sms_gateway, per_recipient_per_hour=1)
    other, ticket = issue(api, world), issue(api, world)
    subscribe(api, ticket)
    assert loop.deliver_pending() == 1  # near: one ahead
    take(api, world, 1, "clerk1")
    call(api, world, 1, "clerk1")
    finish(api, world, other["id"])
    call(api, world, 1, "clerk1")
    assert loop.deliver_pending() == 0  # the call waits: one message this hour already
    world.clock.advance(minutes=5)
    assert loop.deliver_pending() == 0
    world.clock.advance(minutes=6)
    loop.deliver_pending()
    with world.db.transaction(read_only=True) as session:
        states = {m.kind: m.status for m in session.scalars(select(NotificationMessage))}
    assert states == {"turn_near": "sent", "called": "expired"}  # too late to be of use
