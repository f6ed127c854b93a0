"""The ticket's status page: a small form leaves the phone with consent (Chromium)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from queue_server.notifications.models import Subscription
from queue_server.notifications.schemas import NotificationSettingsIn, SmsConfig, TelegramConfig
from queue_server.notifications.service import configure
from queue_server.offices.models import Office
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import live_server
from tests.support.world import World


def test_the_status_page_takes_a_phone_with_consent_and_offers_the_bot(
    sqlite_world: World, page: Any
) -> None:
    """Phone and consent on /t/{code}: kept, shown masked; the bot's deep link is there."""
    from playwright.sync_api import expect

    world = sqlite_world
    with world.db.transaction() as session:
        office = session.scalars(select(Office).where(Office.code == "central")).one()
        configure(
            session=session,
            office=office,
            data=NotificationSettingsIn(
                sms=SmsConfig(enabled=True, url="https://sms.example.ru/send"),
                telegram=TelegramConfig(enabled=True, token="T", bot_username="mfc_bot"),
            ),
        )
    with live_server(world) as server:
        ticket = httpx.post(
            f"{server.url}/api/v1/offices/central/tickets",
            json={"service": "passport"},
            headers=world.auth("kiosk"),
            timeout=REQUEST_SECONDS,
        ).json()
        page.goto(f"{server.url}/t/{ticket['status_code']}")
        expect(page.locator("#notify")).to_be_visible()
        expect(page.locator("#notify-telegram")).to_have_attribute(
            "href", f"https://t.me/mfc_bot?start=t_{ticket['status_code']}"
        )
        expect(page.locator("#notify-consent-text")).to_contain_text("Я согласен(на)")
        page.fill("#notify-phone", "8 916 123-45-67")
        page.check("#notify-consent")
        page.click("#notify-send")
        expect(page.locator("#notify-result")).to_have_text(
            "Готово: СМС придут на номер +7 *** ***-45-67."
        )
    with world.db.transaction(read_only=True) as session:
        sub = session.scalars(select(Subscription)).one()
        assert (sub.address, sub.source) == ("79161234567", "status_page")
