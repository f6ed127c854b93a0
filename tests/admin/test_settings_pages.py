"""Configuration pages in Chromium: the service editor, and an office's hours and dates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from tests.support.browser import open_page
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import LiveServer, live_server
from tests.support.world import PASSWORD, World

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


def _login(page: Page, base: str, path: str, who: str = "manager") -> None:
    from playwright.sync_api import expect

    page.goto(base + path)
    expect(page).to_have_url(f"{base}/admin/login?next=" + path.replace("/", "%2F"))
    page.fill("input[name=username]", who)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(base + path)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def _api(server: LiveServer, world: World, who: str, path: str) -> Any:
    got = httpx.get(server.url + "/api/v1" + path, headers=world.auth(who), timeout=REQUEST_SECONDS)
    assert got.status_code == 200, got.text
    return got.json()


def test_service_editor_variant_question_validation_then_kiosk_menu(
    sqlite_world: World, browser: Browser
) -> None:
    from playwright.sync_api import expect

    world = sqlite_world
    with live_server(world) as server:
        with open_page(browser) as page:
            # The catalogue is shared by every office: admins edit it (docs/access.md).
            _login(page, server.url, "/admin/settings/services/passport", "admin")
            expect(page.locator("input[name=name_ru]")).to_have_value("Паспорт")
            expect(page.locator("#limit-default")).to_have_text("по умолчанию для вида: 15 мин")
            expect(page.locator("input[name=wait_limit_minutes]")).to_have_value("15")
            expect(page.locator("#documents tr.document")).to_have_count(1)
            # The document is a copy too, and two variants chosen by one question.
            page.locator("#documents tr.document [data-field=needs_copy]").check()
            for code, name in (("first", "Впервые"), ("replace", "Замена")):
                page.click("#add-variant")
                row = page.locator("#variants tr.variant").last
                row.locator("[data-field=code]").fill(code)
                row.locator("[data-field=name_ru]").fill(name)
            page.locator("#variants tr.variant").last.locator(
                "[data-field=term_working_days]"
            ).fill("10")
            page.click("#add-question")
            question = page.locator("#questions fieldset.question").last
            question.get_by_label("Код вопроса").fill("why")
            question.get_by_label("Текст вопроса").fill("Паспорт получаете впервые?")
            options = question.locator("tr.option")
            options.nth(0).locator("[data-field=text_ru]").fill("Да, впервые")
            options.nth(0).locator("select.target").select_option("v:first")
            options.nth(1).locator("[data-field=text_ru]").fill("Нет, замена")
            # Inconsistent: both answers lead to "first", nothing leads to "replace".
            options.nth(1).locator("select.target").select_option("v:first")
            page.click("#save")
            error = page.locator("#service-error")
            expect(error).to_contain_text("к вариантам replace не ведёт ни один ответ")
            expect(page.locator("#saved")).to_have_text("")
            stored = _api(server, world, "manager", "/services/passport")
            assert stored["variants"] == [] and stored["questions"] == []
            assert stored["documents"][0]["needs_copy"] is False  # nothing half-saved
            # Fixed: the second answer leads to "replace".
            options.nth(1).locator("select.target").select_option("v:replace")
            page.click("#save")
            expect(page.locator("#saved")).to_have_text("Сохранено")
            expect(error).to_have_text("")
        menu = _api(server, world, "kiosk", "/offices/central/services")
        passport = next(s for s in menu if s["code"] == "passport")
        assert [
            (v["code"], v["name_ru"], v["term_working_days"]) for v in passport["variants"]
        ] == [
            ("first", "Впервые", None),
            ("replace", "Замена", 10),
        ]
        assert passport["questions"] == [
            {
                "code": "why",
                "text_ru": "Паспорт получаете впервые?",
                "text_en": "",
                "options": [
                    {"text_ru": "Да, впервые", "text_en": "", "next_question": None,
                     "variant": "first"},
                    {"text_ru": "Нет, замена", "text_en": "", "next_question": None,
                     "variant": "replace"},
                ],
            }
        ]  # fmt: skip
        assert passport["documents"][0]["needs_copy"] is True


def test_office_hours_dates_windows_and_devices(sqlite_world: World, browser: Browser) -> None:
    from playwright.sync_api import expect

    world = sqlite_world
    with live_server(world) as server, open_page(browser) as page:
        _login(page, server.url, "/admin/settings/offices/central")
        # Saturday closed from now on; the calendar (Monday 23 Nov onward) shows it.
        saturday = page.locator("#calendar tr[data-date='2026-11-28']")
        expect(saturday).to_have_attribute("data-open", "true")
        page.get_by_label("Сб работает").uncheck()
        page.click("#save-hours")
        expect(page.locator("#hours-saved")).to_have_text("Сохранено")
        expect(saturday).to_have_attribute("data-open", "false")
        assert _api(server, world, "manager", "/offices/central")["opening_hours"]["sat"] is None
        # Inconsistent hours are refused with the API's message; nothing changes.
        page.get_by_label("Пн с").fill("19:00")
        page.get_by_label("Пн до").fill("08:00")
        page.click("#save-hours")
        expect(page.locator("#hours-error")).to_contain_text("понедельник: открытие в 19:00")
        stored = _api(server, world, "manager", "/offices/central")["opening_hours"]
        assert stored["mon"] == ["08:00", "19:00"] and stored["sat"] is None
        # A date of its own: Monday 30 Nov closed, then the exception removed.
        day = page.locator("#day")
        day.locator("input[name=day]").fill("2026-11-30")
        day.locator("input[name=note]").fill("Санитарный день")
        page.click("#save-day")
        monday = page.locator("#calendar tr[data-date='2026-11-30']")
        expect(monday).to_have_attribute("data-open", "false")
        expect(monday).to_contain_text("Санитарный день")
        calendar = _api(
            server, world, "manager", "/offices/central/calendar?start=2026-11-30&days=1"
        )
        assert calendar[0]["is_open"] is False and calendar[0]["override"] is True
        monday.locator("button[data-remove-day]").click()
        expect(monday).to_have_attribute("data-open", "true")
        # Window 4 serves consultations; add passports second.
        window = page.locator("form.window[data-window='4']")
        window.get_by_role("button", name="+ услуга").click()
        window.locator("tr.window-service").last.locator("select").select_option("passport")
        window.locator("tr.window-service").last.locator("[data-field=order]").fill("2")
        window.get_by_role("button", name="Сохранить окно").click()
        expect(window.locator(".ok")).to_have_text("Сохранено")
        windows = _api(server, world, "manager", "/offices/central/windows")
        assert next(w for w in windows if w["number"] == 4)["services"] == [
            {"service": "consult", "order": 1},
            {"service": "passport", "order": 2},
        ]
        # A device: its token is shown once and works; revoking it stops it.
        page.locator("#device select[name=kind]").select_option("board")
        page.locator("#device input[name=name]").fill("hall-3")
        page.click("#add-device")
        token = page.locator("#token")
        expect(token).to_contain_text("dev_")
        headers = {"Authorization": "Bearer " + token.inner_text()}
        assert (
            httpx.get(
                server.url + "/api/v1/auth/me", headers=headers, timeout=REQUEST_SECONDS
            ).status_code
            == 200
        )
        page.on("dialog", lambda dialog: dialog.accept())
        page.locator("#devices tr[data-device=hall-3] button").click()
        expect(page.locator("#devices tr[data-device=hall-3]")).to_have_count(0)
        assert (
            httpx.get(
                server.url + "/api/v1/auth/me", headers=headers, timeout=REQUEST_SECONDS
            ).status_code
            == 401
        )


def test_users_and_catalogue_pages(sqlite_world: World, browser: Browser) -> None:
    from playwright.sync_api import expect

    world = sqlite_world
    with live_server(world) as server, open_page(browser) as page:
        _login(page, server.url, "/admin/settings/users")
        # The manager sees the office's staff; disables clerk3, resets clerk2's password.
        expect(page.locator("#users tr[data-user]")).to_have_count(4)
        page.get_by_label("clerk3 действует").uncheck()
        page.locator("#users tr[data-user=clerk3] button").click()
        expect(page.locator("#users-saved")).to_have_text("Сохранено")
        expect(page.locator("#users tr[data-user=clerk3]")).to_have_class("disabled")
        page.get_by_label("clerk2 новый пароль").fill("brand-new-pass")
        page.locator("#users tr[data-user=clerk2] button").click()
        expect(page.locator("#users-saved")).to_have_text("Сохранено")
        login = httpx.post(
            server.url + "/api/v1/auth/token",
            data={"username": "clerk2", "password": "brand-new-pass"},
            timeout=REQUEST_SECONDS,
        )
        assert login.status_code == 200
        # A manager may not make a manager: the refusal is shown, nothing changes.
        page.locator("#users tr[data-user=clerk1] select[data-field=role]").select_option("manager")
        page.locator("#users tr[data-user=clerk1] button").click()
        expect(page.locator("#users-error")).to_contain_text(
            "только учётными записями консультантов"
        )
        users = {u["username"]: u for u in _api(server, world, "admin", "/users")}
        assert users["clerk1"]["role"] == "clerk" and users["clerk3"]["active"] is False
        # New clerk account.
        form = page.locator("#new-user")
        form.locator("input[name=username]").fill("clerk9")
        form.locator("input[name=password]").fill("long-password")
        form.get_by_role("button", name="Создать").click()
        expect(page.locator("#users tr[data-user=clerk9]")).to_have_count(1)
    # The catalogue page: a new agency, by an admin (managers may not edit the catalogue).
    with live_server(world) as server, open_page(browser) as page:
        _login(page, server.url, "/admin/settings/catalogue", "admin")
        agencies = page.locator("section[data-kind=agencies]")
        agencies.get_by_role("button", name="+ добавить").click()
        new = agencies.locator("tbody tr").last
        new.get_by_label("Код").fill("fns")
        new.get_by_label("Название").fill("ФНС")
        new.get_by_role("button", name="Сохранить").click()
        expect(agencies.locator(".ok")).to_have_text("Сохранено")
        codes = {a["code"]: a["name"] for a in _api(server, world, "manager", "/agencies")}
        assert codes["fns"] == "ФНС"
