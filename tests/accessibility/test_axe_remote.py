"""axe-core on the phone's pages of issue 17: the queue form, its refusal, and the ticket's
page of a place not arrived yet, on a phone-sized screen: no critical or serious violation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.accessibility.test_axe import check
from tests.kiosk.conftest import OFFICE, KioskWorld
from tests.support.browser import open_page

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.filterwarnings("ignore::pydantic.warnings.UnsupportedFieldAttributeWarning"),
]

PHONE = {"width": 390, "height": 844}


def test_the_phone_queue_pages(browser: Any, kiosk_world: KioskWorld) -> None:
    assert kiosk_world.server is not None
    base = kiosk_world.server.url
    with kiosk_world.api() as api:
        r = api.put(
            f"/offices/{OFFICE}/remote-policy",
            json={"enabled": True, "services": ["snils"]},
            headers=kiosk_world.auth("manager"),
        )
        assert r.status_code == 200, r.text
        take = api.post(f"/offices/{OFFICE}/windows/6/take", headers=kiosk_world.auth("clerk1"))
        assert take.status_code == 200
    found: dict[str, list[str]] = {}
    with open_page(browser, viewport=PHONE) as page:
        page.goto(f"{base}/q/{OFFICE}")
        page.wait_for_selector("#form:not([hidden])")
        check(page, found, "queue form")
        page.fill("#phone", "12")
        page.check("#consent")
        page.click("#submit")
        page.wait_for_selector("#error:not([hidden])")
        check(page, found, "queue form refusal")
        page.fill("#phone", "+7 916 555-44-33")
        page.click("#submit")
        page.wait_for_selector("#checkin:not([hidden])")
        check(page, found, "ticket page, not arrived")
    assert {name: v for name, v in found.items() if v} == {}
