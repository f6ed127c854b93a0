"""The complaint pages in Chromium against a real uvicorn server (R17): the applicant's
public form, and the office's register where staff register, review and answer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from queue_server.clock import FakeClock
from queue_server.db import Database
from tests.support.servers import free_port, live_server
from tests.support.world import PASSWORD, World, build_world


@pytest.fixture
def live(db: Database, clock: FakeClock) -> Iterator[tuple[str, World]]:
    """The queue server under uvicorn in a thread, on the test's SQLite file and fake clock."""
    world = build_world(db, clock)
    port = free_port()
    with live_server(world, port, public_url=f"http://127.0.0.1:{port}") as server:
        yield server.url, world


def _fill_public(page: Any, *, category: str = "waiting") -> None:
    page.select_option("#category", category)
    page.fill("#name", "Петрова Анна Сергеевна")
    page.fill("#contact", "+7 900 111-22-33")
    page.fill("#text", "Ждала вызова 50 минут, табло не работало.")


def test_r17_the_applicant_sends_a_complaint_and_gets_its_number_and_term(
    live: tuple[str, World], page: Any
) -> None:
    """R17/R10: the form checks the fields in Russian, needs consent, then shows the term."""
    url, _world = live
    page.goto(f"{url}/complaints/central")
    assert "МФЦ Центральный" in page.inner_text("main")
    page.click("#submit")
    assert page.inner_text("#error") == "Укажите фамилию, имя и отчество."
    _fill_public(page, category="refused_intake")
    page.click("#submit")
    assert "согласия на обработку персональных данных" in page.inner_text("#error")
    page.check("#consent")
    page.click("#submit")
    page.wait_for_selector("#done:not([hidden])")
    assert page.inner_text("#number") == "Ж-central-2026/0001"
    assert page.inner_text("#due") == "30.11.2026"  # 5 working days for a refused intake
    assert page.inner_text("#days") == "5"
    assert page.is_hidden("#complaint-form")


def test_the_form_of_an_unknown_office_says_so(live: tuple[str, World], page: Any) -> None:
    """A mistyped office address answers 404 with a page in Russian, not a form."""
    url, _world = live
    response = page.goto(f"{url}/complaints/nowhere")
    assert response.status == 404
    assert page.inner_text("h1") == "Офис не найден"


def test_r17_staff_register_review_and_answer_on_the_register_page(
    live: tuple[str, World], page: Any
) -> None:
    """R17: the applicant's complaint appears; staff register another, review and answer it."""
    url, _world = live
    page.goto(f"{url}/complaints/central")
    _fill_public(page)
    page.check("#consent")
    page.click("#submit")
    page.wait_for_selector("#done:not([hidden])")

    page.goto(f"{url}/clerk")
    assert page.get_attribute("#complaints-link", "href") == "/staff/complaints"
    page.goto(f"{url}/staff/complaints")
    page.fill("#username", "clerk1")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("body[data-ready=true]")
    assert page.get_attribute("#public-link", "href") == "/complaints/central"
    row = page.locator("#complaints tr[data-number='Ж-central-2026/0001']")
    assert "Петрова Анна Сергеевна" in row.inner_text()
    assert "14.12.2026" in row.inner_text()

    # A wrong window is refused by the server in Russian; nothing is registered.
    page.select_option("#category", "conduct")
    page.fill("#applicant-name", "Сидоров Пётр")
    page.fill("#applicant-contact", "sidorov@example.ru")
    page.fill("#text", "Грубость сотрудника в окне.")
    page.fill("#window", "99")
    page.check("#consent")
    page.click("#register")
    page.wait_for_function("document.getElementById('new-error').textContent !== ''")
    assert "нет окна № 99" in page.inner_text("#new-error")
    page.fill("#window", "2")
    page.fill("#clerk", "clerk2")
    page.click("#register")
    page.wait_for_selector("#registered:has-text('Ж-central-2026/0002')")
    page.wait_for_selector("#d-number:has-text('Ж-central-2026/0002')")
    page.wait_for_selector("#complaints tr[data-number='Ж-central-2026/0002']")
    assert "окно 2" in page.inner_text("#d-concerns")
    assert "сотрудник Clerk2" in page.inner_text("#d-concerns")

    page.click("#review")
    page.wait_for_selector("#detail[data-status=under_review]")
    page.fill("#answer", "Проведена беседа с сотрудником, приносим извинения.")
    page.click("#answer-button")
    page.wait_for_selector("#detail[data-status=answered]")
    assert page.inner_text("#d-status") == "дан ответ"
    steps = page.locator("#d-steps li").all_inner_texts()
    assert len(steps) == 3
    assert "взята на рассмотрение (Clerk1)" in steps[1]
    assert "дан ответ (Clerk1): Проведена беседа" in steps[2]
    assert page.is_hidden("#d-actions")
    # The applicant's own complaint came from the site: no staff name on its first step.
    page.click("#complaints tr[data-number='Ж-central-2026/0001']")
    page.wait_for_selector("#d-number:has-text('0001')")
    first_step = page.locator("#d-steps li").first.inner_text()
    assert "(с сайта)" in first_step
    assert first_step.startswith("23.11.2026, 10:00:00")  # the office's time (Moscow)
