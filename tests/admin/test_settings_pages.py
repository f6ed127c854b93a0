"""Configuration pages in Chromium: the service editor, and an office's hours and dates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from tests.admin.conftest import AppServer
from tests.queue_server.conftest import PASSWORD, World

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


def _api(server: AppServer, world: World, who: str, path: str) -> Any:
    got = httpx.get(server.base + "/api/v1" + path, headers=world.auth(who))
    assert got.status_code == 200, got.text
    return got.json()


def test_service_editor_variant_question_validation_then_kiosk_menu(
    sqlite_world: World, browser: Browser
) -> None:
    from playwright.sync_api import expect

    world = sqlite_world
    with AppServer(world) as server:
        page = browser.new_page()
        try:
            _login(page, server.base, "/admin/settings/services/passport")
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
            page.locator("#variants tr.variant").last.locator("[data-field=term_working_days]").fill(
                "10"
            )
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
            expect(error).to_contain_text("variants no answer leads to: ['replace']")
            expect(page.locator("#saved")).to_have_text("")
            stored = _api(server, world, "manager", "/services/passport")
            assert stored["variants"] == [] and stored["questions"] == []
            assert stored["documents"][0]["needs_copy"] is False  # nothing half-saved
            # Fixed: the second answer leads to "replace".
            options.nth(1).locator("select.target").select_option("v:replace")
            page.click("#save")
            expect(page.locator("#saved")).to_have_text("Сохранено")
            expect(error).to_have_text("")
        finally:
            page.close()
        menu = _api(server, world, "kiosk", "/offices/central/services")
        passport = next(s for s in menu if s["code"] == "passport")
        assert [(v["code"], v["name_ru"], v["term_working_days"]) for v in passport["variants"]] == [
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
