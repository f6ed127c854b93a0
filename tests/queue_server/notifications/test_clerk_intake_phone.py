"""The clerk's intake form takes the applicant's phone for the result notice (R15), with
the applicant's consent: Chromium on the clerk page against a live server, then the case
runs its course on the fake clock and the "ready" SMS reaches the local SMS gateway."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from queue_server.notifications.scheduled import NotificationLoop
from tests.queue_server.case_world import install_passport
from tests.queue_server.notifications.conftest import Stand, configure
from tests.queue_server.notifications.test_delivery import texts
from tests.support.browser import open_page
from tests.support.outbound import LOOPBACK_WEBHOOKS, loopback_webhook_rules
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import LiveServer, live_server
from tests.support.world import PASSWORD, World


@pytest.fixture
def clerk_page(browser: Any) -> Iterator[Any]:
    """A page the size of the clerk's monitor (script errors fail the test)."""
    with open_page(browser, viewport={"width": 1366, "height": 768}) as tab:
        yield tab


@pytest.fixture
def server(world: World) -> Iterator[LiveServer]:
    """The server under uvicorn on the world's database and fake clock; it may reach the
    local stand-ins."""
    install_passport(world)
    with live_server(world, **LOOPBACK_WEBHOOKS) as live:
        yield live


def _serve_at_window_2(page: Any, url: str, world: World) -> str:
    issued = httpx.post(
        f"{url}/api/v1/offices/central/tickets",
        json={"service": "passport"},
        headers=world.auth("kiosk"),
        timeout=REQUEST_SECONDS,
    )
    assert issued.status_code == 201, issued.text
    number: str = issued.json()["number"]
    page.goto(f"{url}/clerk")
    page.fill("#username", "clerk1")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.click("#window-list button[data-window='2']")
    page.wait_for_selector("#work:not([hidden])")
    page.wait_for_selector(f"#queues li[data-number='{number}']")
    page.keyboard.press("Alt+N")
    page.wait_for_function(f"document.getElementById('current').textContent.startsWith('{number}')")
    page.keyboard.press("Alt+S")  # start: the intake form opens
    page.wait_for_selector("#intake:not([hidden]) #checklist tbody tr")
    return number


def test_the_clerk_takes_the_phone_at_intake_and_the_ready_sms_arrives(
    server: LiveServer, world: World, clerk_page: Any, sms_gateway: Stand
) -> None:
    url, page = server.url, clerk_page
    with httpx.Client(base_url=url, timeout=REQUEST_SECONDS) as api:
        configure(api, world, sms=sms_gateway)  # type: ignore[arg-type]
    loop = NotificationLoop(world.db, world.clock, outbound=loopback_webhook_rules())
    _serve_at_window_2(page, url, world)

    page.select_option("#variant", "replace")
    page.fill("#applicant-name", "Смирнова Ольга Петровна")
    page.fill("#applicant-doc-number", "45 11 222333")
    rows = page.locator("#checklist tbody tr")
    rows.nth(0).locator(".got").check()
    rows.nth(1).locator(".got").check()
    page.check("#consent")
    # The consent to the notice is the applicant's own, shown in full on the form.
    assert "хранится" in page.inner_text("#notify-fields")
    page.fill("#notify-phone", "8 (903) 555-12-34")
    page.click("#register")
    page.wait_for_function(
        "document.getElementById('intake-error').textContent.includes('Без согласия')"
    )
    assert page.is_hidden("#intake-result")  # nothing registered without that consent
    page.check("#notify-consent")
    page.click("#register")
    page.wait_for_selector("#intake-result:not([hidden])")
    registration = page.inner_text("#reg-number")
    # Shown masked once stored; the clerk page never shows the number again.
    page.wait_for_selector("#notify-shown:not([hidden])")
    assert page.inner_text("#notify-masked") == "+7 *** ***-12-34"
    assert "555" not in page.inner_text("#intake-result")

    clerk = world.auth("clerk1")
    with httpx.Client(base_url=f"{url}/api/v1", headers=clerk, timeout=REQUEST_SECONDS) as api:
        found = api.get("/offices/central/cases/lookup", params={"number": registration})
        case = found.json()["cases"][0]
        assert loop.deliver_pending() == 0  # registered: nothing to tell yet
        world.clock.advance(days=1)
        assert api.post(f"/cases/{case['id']}/send", json={}).status_code == 200
        world.clock.advance(days=7)
        assert (
            api.post(f"/cases/{case['id']}/result", json={"outcome": "granted"}).status_code == 200
        )
        assert loop.deliver_pending() == 0
        assert api.post(f"/cases/{case['id']}/ready").status_code == 200
    assert loop.deliver_pending() == 1
    assert loop.deliver_pending() == 0  # once
    assert [r["body"]["phones"] for r in sms_gateway.requests] == ["79035551234"]
    assert texts(sms_gateway)[0].startswith(
        f"МФЦ Центральный: результат по делу {registration} готов"
    )


def _fill_intake(page: Any, name: str, document: str) -> None:
    page.select_option("#variant", "replace")
    page.fill("#applicant-name", name)
    page.fill("#applicant-doc-number", document)
    rows = page.locator("#checklist tbody tr")
    rows.nth(0).locator(".got").check()
    rows.nth(1).locator(".got").check()
    page.check("#consent")


def test_no_phone_is_asked_or_kept_where_the_office_sends_nothing(
    server: LiveServer, world: World, clerk_page: Any
) -> None:
    """Without a channel the form does not offer the notice at all; a phone sent anyway
    (another client of the API) is refused in Russian and nothing of the intake is
    written (a number that serves nothing is not kept)."""
    page = clerk_page
    _serve_at_window_2(page, server.url, world)
    assert page.is_hidden("#notify-fields")
    _fill_intake(page, "Иванов Иван Иванович", "45 10 123456")
    with httpx.Client(
        base_url=server.url, headers=world.auth("clerk1"), timeout=REQUEST_SECONDS
    ) as api:
        form = api.get("/api/v1/services/passport/intake-form").json()
        body = {
            "service": "passport",
            "variant": "replace",
            "applicant": {
                "name": "Петров Пётр Петрович",
                "document_type": "Паспорт",
                "document_number": "45 10 654321",
            },
            "documents": [
                {"service_document_id": d["id"], "original": True, "sheets": 1, "copies": 1}
                for d in form["documents"]
                if d["variant"] in (None, "replace")
            ],
            "consent_personal_data": True,
            "notify_phone": "+7 903 555-12-34",
        }
        refused = api.post("/api/v1/offices/central/cases", json=body)
        assert refused.status_code == 409, refused.text
        assert "не подключён" in refused.json()["error"]["message"]
        found = api.get(
            "/api/v1/offices/central/cases/lookup",
            params={"name": "Петров Пётр Петрович", "document_number": "45 10 654321"},
        )
        assert found.status_code == 200 and found.json()["cases"] == []
    page.click("#register")
    page.wait_for_selector("#intake-result:not([hidden])")
    assert page.is_hidden("#notify-shown")


def test_the_clerk_takes_an_email_at_intake_and_the_ready_mail_arrives(
    server: LiveServer, world: World, clerk_page: Any, smtp_server: Any
) -> None:
    """An office that sends e-mail but no SMS: the form offers the e-mail only, and the
    "ready" notice reaches the SMTP server (aiosmtpd) once."""
    controller, mailbox = smtp_server
    url, page = server.url, clerk_page
    with httpx.Client(base_url=url, timeout=REQUEST_SECONDS) as api:
        configure(
            api,  # type: ignore[arg-type]
            world,
            email={
                "enabled": True,
                "host": "127.0.0.1",
                "port": controller.port,
                "security": "none",
                "sender": "mfc@example.ru",
            },
        )
    loop = NotificationLoop(world.db, world.clock, outbound=loopback_webhook_rules())
    _serve_at_window_2(page, url, world)
    page.wait_for_selector("#notify-email-field:not([hidden])")
    assert page.is_hidden("#notify-phone-field")
    _fill_intake(page, "Смирнова Ольга Петровна", "45 11 222333")
    page.fill("#notify-email", "Smirnova@Mail.ru")
    page.check("#notify-consent")
    page.click("#register")
    page.wait_for_selector("#intake-result:not([hidden])")
    registration = page.inner_text("#reg-number")
    page.wait_for_selector("#notify-shown:not([hidden])")
    assert page.inner_text("#notify-masked") == "s***@mail.ru"

    with httpx.Client(
        base_url=f"{url}/api/v1", headers=world.auth("clerk1"), timeout=REQUEST_SECONDS
    ) as api:
        found = api.get("/offices/central/cases/lookup", params={"number": registration})
        case = found.json()["cases"][0]
        world.clock.advance(days=1)
        assert api.post(f"/cases/{case['id']}/send", json={}).status_code == 200
        world.clock.advance(days=7)
        result = api.post(f"/cases/{case['id']}/result", json={"outcome": "granted"})
        assert result.status_code == 200
        assert api.post(f"/cases/{case['id']}/ready").status_code == 200
    # On a thread of its own, as in the server: aiosmtplib runs its own event loop, and
    # Playwright's sync API keeps one running on this thread.
    with ThreadPoolExecutor(max_workers=1) as thread:
        assert thread.submit(loop.deliver_pending).result() == 1
        assert thread.submit(loop.deliver_pending).result() == 0  # once
    (mail,) = mailbox.messages
    assert mail["To"] == "smirnova@mail.ru"
    body = mail.get_payload(decode=True).decode()
    assert f"результат по делу {registration} готов" in body
