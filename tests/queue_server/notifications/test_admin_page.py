"""The manager's notification page in Chromium: the SMS gateway switched on, a text edited
(a bad placeholder refused in Russian), the password never shown back and kept when left
blank; the next SMS uses the new text, and the page's report lists it, the number masked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe

from queue_server.notifications.scheduled import NotificationLoop
from tests.queue_server.notifications.conftest import Stand
from tests.queue_server.notifications.test_delivery import PHONE, texts
from tests.queue_server.test_tickets_api import call, issue, take
from tests.support.browser import open_page
from tests.support.outbound import LOOPBACK_WEBHOOKS, loopback_webhook_rules
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import LiveServer, live_server
from tests.support.world import PASSWORD, World


@pytest.fixture
def server(world: World) -> Iterator[LiveServer]:
    """The server on the world's database and fake clock, allowed to reach the stand-ins."""
    with live_server(world, **LOOPBACK_WEBHOOKS) as live:
        yield live


def _open_settings(page: Any, url: str) -> None:
    page.goto(f"{url}/admin/settings/offices/central/notifications")
    if "/admin/login" in page.url:
        page.fill("input[name=username]", "manager")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{url}/admin/settings/offices/central/notifications")
    page.wait_for_selector("#settings[data-loaded=true]")


def test_a_manager_edits_a_text_and_the_next_sms_uses_it_and_the_report_lists_it(
    server: LiveServer, world: World, browser: Any, sms_gateway: Stand
) -> None:
    url = server.url
    with open_page(browser, viewport={"width": 1366, "height": 900}) as page:
        _open_settings(page, url)
        assert page.inner_text("h1") == "Уведомления заявителей: МФЦ Центральный"
        called = page.locator(".template[data-kind=called]")
        # Each text shows its placeholders and its default.
        assert "{window}" in called.locator(".placeholders").inner_text()
        assert "приглашается к окну {window}" in called.locator(".default").inner_text()

        page.check("[name='sms.enabled']")
        page.fill("[name='sms.url']", f"{sms_gateway.url}/sys/send.php")
        page.select_option("[name='sms.method']", "POST")
        page.select_option("[name='sms.body']", "form")
        page.fill(
            "[name='sms.params']",
            "login={login}\npsw={password}\nphones={phone}\nmes={text}\nsender={sender}",
        )
        page.fill("[name='sms.login']", "mfc")
        page.fill("[name='sms.password']", "secret")
        page.fill("[name='sms.sender']", "MFC")
        page.fill("[name='sms.success_contains']", "OK")
        page.fill("[name='near_people_ahead']", "0")
        page.fill("[name='near_minutes']", "0")
        # A typo in a placeholder is refused, in Russian, from the catalogue; nothing saved.
        called.locator("textarea").fill("Окно {windw}")
        page.click("#save")
        page.wait_for_function(
            "document.getElementById('save-error').textContent.includes('неизвестные подстановки')"
        )
        assert "windw" in page.inner_text("#save-error")
        assert page.inner_text("#saved") == ""
        called.locator("textarea").fill("{office}: талон {number}, окно {window}.")
        page.click("#save")
        page.locator("#saved").filter(has_text="Сохранено").wait_for()
        assert page.inner_text("#save-error") == ""

        # Reopened: the text is there, the password is not, and a blank one keeps it.
        _open_settings(page, url)
        assert called.locator("textarea").input_value() == (
            "{office}: талон {number}, окно {window}."
        )
        assert page.input_value("[name='sms.password']") == ""
        assert "Сохранён" in page.inner_text("[data-secret='sms.password']")
        shown = page.evaluate(
            "fetch('/api/v1/offices/central/notification-settings', "
            "{headers: {Authorization: 'Bearer ' + MFCQ.token()}})"
            ".then(r => r.text())"
        )
        assert '"password_set":true' in shown and "secret" not in shown
        page.click("#save")
        page.locator("#saved").filter(has_text="Сохранено").wait_for()
        violations = Axe().run(page).response["violations"]
        assert [v["id"] for v in violations if v["impact"] in ("critical", "serious")] == []

        with httpx.Client(base_url=url, timeout=REQUEST_SECONDS) as api:
            ticket = issue(api, world)  # type: ignore[arg-type]
            r = api.post(
                f"/api/v1/tickets/status/{ticket['status_code']}/notifications",
                json={"phone": PHONE, "consent": True, "source": "kiosk"},
            )
            assert r.status_code == 201, r.text
            take(api, world, 1, "clerk1")  # type: ignore[arg-type]
            call(api, world, 1, "clerk1")  # type: ignore[arg-type]
        loop = NotificationLoop(world.db, world.clock, outbound=loopback_webhook_rules())
        loop.deliver_pending()
        assert texts(sms_gateway)[-1] == f"МФЦ Центральный: талон {ticket['number']}, окно 1."
        assert sms_gateway.requests[-1]["body"]["psw"] == "secret"

        page.click("#show-report")
        row = page.locator("#summary tr[data-kind=called][data-channel=sms]")
        row.wait_for()
        cells = row.locator("td").all_inner_texts()
        assert cells[:3] == ["Вызов к окну", "СМС", "1"]
        recent = page.locator("#recent tbody tr").filter(has_text="Вызов к окну")
        assert recent.locator("td").all_inner_texts()[2:5] == [
            "СМС",
            "+7 *** ***-45-67",
            "отправлено",
        ]
        assert "123-45-67" not in page.inner_text("#recent")

        # The period is the office's days: the day before has nothing, the day itself
        # lists the message, a period that ends before it starts is refused in Russian.
        today = world.clock.now().astimezone(ZoneInfo("Europe/Moscow")).date()
        yesterday = (today - timedelta(days=1)).isoformat()
        page.fill("#report-form [name=since]", yesterday)
        page.fill("#report-form [name=until]", yesterday)
        page.click("#show-report")
        page.wait_for_function(
            "document.getElementById('summary').textContent.includes('сообщений не было')"
        )
        page.fill("#report-form [name=since]", today.isoformat())
        page.fill("#report-form [name=until]", today.isoformat())
        page.click("#show-report")
        row.wait_for()
        assert row.locator("td").all_inner_texts()[:3] == ["Вызов к окну", "СМС", "1"]
        page.fill("#report-form [name=since]", (today + timedelta(days=2)).isoformat())
        page.click("#show-report")
        page.wait_for_function(
            "document.getElementById('report-error').textContent.includes('позже его конца')"
        )


def test_the_page_says_in_russian_when_a_channel_is_switched_on_half_filled(
    server: LiveServer, world: World, browser: Any
) -> None:
    with open_page(browser) as page:
        _open_settings(page, server.url)
        page.check("[name='email.enabled']")
        page.click("#save")
        page.wait_for_function("document.getElementById('save-error').textContent.length > 0")
        assert "электронная почта" in page.inner_text("#save-error")
        assert "обязательные поля" in page.inner_text("#save-error")
