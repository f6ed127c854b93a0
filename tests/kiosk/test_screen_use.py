"""The kiosk uses its whole screen, portrait or landscape, and large text cuts nothing off;
no keyboard hint on a touch screen, no two start tiles for the same services, and a
mistyped booking code can be typed again (R7: the applicant finds the service)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.kiosk.conftest import LiveServer
from tests.kiosk.test_kiosk_browser import shot
from tests.support.browser import open_page

pytestmark = pytest.mark.timeout(120)

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
SCREENS = [PORTRAIT, LANDSCAPE]
IDS = ["portrait", "landscape"]

CUT_OFF = """() => {
  const w = window.innerWidth;
  const out = [...document.querySelectorAll("a, button, input:not([type=hidden]), h1, p, li")]
    .filter((el) => el.offsetParent !== null)
    .map((el) => ({el, r: el.getBoundingClientRect()}))
    .filter(({r}) => r.left < -1 || r.right > w + 1)
    .map(({el, r}) => (el.id || el.textContent.trim().slice(0, 40)) + " " + r.left + "–" + r.right);
  if (document.documentElement.scrollWidth > w + 1) out.push("page wider than the screen");
  return out;
}"""

LAST_TILE_BOTTOM = """() => Math.max(...[...document.querySelectorAll(".tile")]
  .map((el) => el.getBoundingClientRect().bottom))"""


@pytest.mark.parametrize("viewport", SCREENS, ids=IDS)
def test_r7_the_start_screen_fills_the_screen(
    browser: Any, kiosk: LiveServer, viewport: dict[str, int]
) -> None:
    with open_page(browser, viewport=viewport) as page:
        page.goto(kiosk.url)
        page.wait_for_selector(".tile")  # a loaded machine: the tiles, not an empty page yet
        bottom = page.evaluate(LAST_TILE_BOTTOM)
        # The tiles reach the lower part of the screen (today they stopped at 40 %).
        assert bottom >= 0.85 * viewport["height"], bottom
        assert bottom <= viewport["height"]
        assert page.evaluate(CUT_OFF) == []
        shot(page, "start-" + ("portrait" if viewport is PORTRAIT else "landscape"))


@pytest.mark.parametrize("viewport", SCREENS, ids=IDS)
def test_with_contrast_and_large_text_nothing_is_cut_off(
    browser: Any, kiosk: LiveServer, viewport: dict[str, int]
) -> None:
    with open_page(browser, viewport=viewport) as page:
        page.goto(kiosk.url)
        for toggle in ("#contrast", "#large"):
            with page.expect_navigation():
                page.click(toggle)
        assert page.get_attribute("html", "class") == "contrast large"
        assert page.evaluate(CUT_OFF) == []
        for selector in ("#lang", "#contrast", "#large"):
            box = page.locator(selector).bounding_box()
            assert box is not None and box["x"] >= 0
            assert box["x"] + box["width"] <= viewport["width"], selector
        if viewport is PORTRAIT:
            shot(page, "contrast-large-portrait")
        for step in ("[data-group=passports]", "[data-service=passport]", "[data-answer='1']"):
            with page.expect_navigation():
                page.click(step)
            assert page.evaluate(CUT_OFF) == [], page.url
        page.click("[data-answer='0']")
        page.wait_for_selector("[data-screen=documents]")
        assert page.evaluate(CUT_OFF) == []


def test_no_keyboard_hint_on_a_touch_kiosk(page: Any, kiosk: LiveServer) -> None:
    page.goto(kiosk.url)
    assert "клавиатур" not in page.text_content("body").lower()
    assert page.locator(".hint").count() == 0


def test_r7_no_two_start_tiles_lead_to_the_same_services(page: Any, kiosk: LiveServer) -> None:
    page.goto(kiosk.url)
    tiles = page.eval_on_selector_all(
        "a.tile", "els => els.map(e => [e.textContent.trim(), e.getAttribute('href')])"
    )
    reached: dict[str, frozenset[str]] = {}
    for label, href in tiles:
        if "/priority" in href or "/booking" in href:
            continue  # not a way to services
        page.goto(kiosk.url + href)
        screen = page.get_attribute("body", "data-screen")
        if screen == "services":
            codes = page.eval_on_selector_all(
                "[data-service]", "els => els.map(e => e.dataset.service)"
            )
        else:  # straight on to the only service
            codes = [page.url.split("/service/")[1].split("/")[0].split("?")[0]]
        reached[label] = frozenset(codes)
    assert len(reached) >= 5
    assert len(set(reached.values())) == len(reached), reached


def test_a_mistyped_booking_code_can_be_typed_again(page: Any, kiosk: LiveServer) -> None:
    page.goto(kiosk.url + "/booking")
    page.fill("#code", "ABCDE2345")
    page.click("#check-in")
    page.wait_for_selector("[data-screen=refused]")
    assert page.get_attribute("#refused", "data-code") == "booking_not_found"
    assert page.text_content("#retype").strip() == "Ввести ещё раз"
    assert page.is_visible("#live")  # or queue without the booking
    page.click("#retype")
    page.wait_for_selector("[data-screen=booking]")
    assert page.input_value("#code") == "ABCDE2345"  # to correct, not to retype whole
