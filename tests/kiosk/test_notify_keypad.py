"""The phone keypad after the ticket: the number and the consent reach the server."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from queue_server.notifications.models import Subscription
from queue_server.notifications.schemas import NotificationSettingsIn, SmsConfig
from queue_server.notifications.service import configure
from queue_server.offices.models import Office
from tests.kiosk.conftest import OFFICE, KioskWorld
from tests.support.servers import LiveServer


def _take_a_results_ticket(page: Any, kiosk: LiveServer) -> None:
    page.goto(kiosk.url)
    page.click("#results")
    page.click("[data-service=results]")
    page.click("#confirm")
    page.wait_for_selector("[data-screen=ticket]")


def test_a_phone_typed_on_the_keypad_with_consent_is_kept_masked(
    page: Any, kiosk: LiveServer, kiosk_world: KioskWorld
) -> None:
    """Keypad, consent, "Получать СМС": the server keeps the number, the screen masks it."""
    with kiosk_world.db.transaction() as session:
        office = session.scalars(select(Office).where(Office.code == OFFICE)).one()
        configure(
            session=session,
            office=office,
            data=NotificationSettingsIn(
                sms=SmsConfig(enabled=True, url="https://sms.example.ru/send")
            ),
        )
    _take_a_results_ticket(page, kiosk)
    page.click("#notify")
    page.wait_for_selector("[data-screen=notify]")
    for ch in "89161234567":
        page.click(f".keypad[data-for=phone] .key[data-char='{ch}']")
    assert page.input_value("#phone") == "89161234567"
    page.check("#consent")
    page.click("#notify-send")
    done = page.wait_for_selector("#notify-done")
    assert done.text_content().strip() == "Готово: СМС придут на номер +7 *** ***-45-67."
    with kiosk_world.db.transaction(read_only=True) as session:
        sub = session.scalars(select(Subscription)).one()
        assert (sub.address, sub.source, sub.channel) == ("79161234567", "kiosk", "sms")


def test_an_office_without_sms_says_so_in_russian(
    page: Any, kiosk: LiveServer, kiosk_world: KioskWorld
) -> None:
    """No gateway: the server's refusal is shown, nothing is kept."""
    _take_a_results_ticket(page, kiosk)
    page.click("#notify")
    page.fill("#phone", "+79161234567")
    page.check("#consent")
    page.click("#notify-send")
    problem = page.wait_for_selector("#notify-problem")
    assert "способ уведомлений в офисе не подключён" in problem.text_content()
    with kiosk_world.db.transaction(read_only=True) as session:
        assert session.scalars(select(Subscription)).all() == []
