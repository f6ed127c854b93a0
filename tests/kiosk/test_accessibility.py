"""Accessibility of the kiosk screens: 15 mm targets, contrast, larger text, keyboard, idle."""

from __future__ import annotations

from typing import Any

import pytest

from hardware_sim import SimulatedPrinter
from tests.kiosk.conftest import KioskWorld, LiveServer
from tests.kiosk.test_kiosk_browser import shot

pytestmark = pytest.mark.timeout(120)

MM_15 = 15 * 96 / 25.4  # CSS px at 96 dpi; the kiosk runs Chromium so that CSS mm = mm

SMALLEST_TARGET = """() => {
  const items = [...document.querySelectorAll("a, button, input:not([type=hidden])")]
    .filter((el) => el.offsetParent !== null);
  return items.map((el) => {
    const r = el.getBoundingClientRect();
    return {id: el.id || el.textContent.trim().slice(0, 30), w: r.width, h: r.height};
  });
}"""

CONTRAST = """(selector) => {
  const lum = (rgb) => {
    const [r, g, b] = rgb.match(/\\d+/g).slice(0, 3).map(Number).map((v) => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const el = document.querySelector(selector);
  let bgEl = el;
  let bg = getComputedStyle(bgEl).backgroundColor;
  while (bg === "rgba(0, 0, 0, 0)" && bgEl.parentElement) {
    bgEl = bgEl.parentElement; bg = getComputedStyle(bgEl).backgroundColor;
  }
  const a = lum(getComputedStyle(el).color), b = lum(bg);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def targets_ok(page: Any) -> list[dict[str, Any]]:
    """Interactive elements smaller than 15 mm in either direction."""
    return [t for t in page.evaluate(SMALLEST_TARGET) if t["w"] < MM_15 or t["h"] < MM_15]


def test_every_touch_target_is_at_least_15_mm_on_every_screen(
    page: Any, kiosk: LiveServer, printer_sim: SimulatedPrinter
) -> None:
    page.goto(kiosk.url)
    assert targets_ok(page) == []
    for step in ("[data-group=passports]", "[data-service=passport]", "[data-answer='0']"):
        page.click(step)
        assert targets_ok(page) == [], page.url
    page.click("#missing")
    assert targets_ok(page) == []
    page.go_back()
    page.click("#confirm")
    page.wait_for_selector("[data-screen=ticket]")
    assert targets_ok(page) == []
    page.goto(kiosk.url + "/booking")
    assert targets_ok(page) == []
    page.goto(kiosk.url + "/priority")
    assert targets_ok(page) == []


def test_high_contrast_and_larger_text_modes(page: Any, kiosk: LiveServer) -> None:
    page.goto(kiosk.url)
    normal_h1 = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    assert page.evaluate(CONTRAST, "h1") >= 7
    page.click("#contrast")
    assert "contrast" in (page.get_attribute("html", "class") or "")
    assert page.get_attribute("#contrast", "aria-pressed") == "true"
    for selector in ("h1", "a.tile", "#lang"):
        assert page.evaluate(CONTRAST, selector) >= 7, selector
    page.click("#large")
    shot(page, "contrast-large")
    assert page.get_attribute("#large", "aria-pressed") == "true"
    large_h1 = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    assert large_h1 >= normal_h1 * 1.3
    # The modes stay on through the whole flow.
    page.click("[data-group=social]")
    assert "contrast" in (page.get_attribute("html", "class") or "")
    assert "large" in (page.get_attribute("html", "class") or "")
    assert targets_ok(page) == []
    page.click("#contrast")
    assert "contrast" not in (page.get_attribute("html", "class") or "")


def tab_to(page: Any, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_the_whole_flow_works_from_the_keyboard(
    page: Any, kiosk: LiveServer, kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    page.goto(kiosk.url)
    tab_to(page, "[data-group=social]")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-screen=services]")
    page.keyboard.press("Escape")  # back
    page.wait_for_selector("[data-screen=start]")
    tab_to(page, "[data-group=social]")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-screen=services]")
    tab_to(page, "[data-service=snils]")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-screen=documents]")
    tab_to(page, "#confirm")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-screen=ticket]")
    number = page.text_content("#number").strip()
    assert [t["number"] for t in kiosk_world.tickets()] == [number]
    tab_to(page, "#done")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-screen=start]")
    # The booking code is typed on a real keyboard too.
    tab_to(page, "#booking")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-screen=booking]")
    tab_to(page, "#code")
    page.keyboard.type("abcde-fghjk")
    assert page.input_value("#code") == "abcde-fghjk"


def test_idle_timeout_warns_waits_for_a_touch_and_then_goes_to_the_start(
    page: Any, kiosk: LiveServer
) -> None:
    page.clock.install()
    page.goto(kiosk.url)
    assert page.get_attribute("body", "data-idle") == "0"  # the start screen is not timed
    page.click("[data-group=social]")
    page.wait_for_selector("[data-screen=services]")
    idle = int(page.get_attribute("body", "data-idle") or 0)
    grace = int(page.get_attribute("body", "data-grace") or 0)
    assert idle >= 60 and grace >= 20  # a slow reader has time, and time to answer
    page.clock.run_for((idle - 1) * 1000)
    assert page.is_hidden("#idle")
    page.mouse.move(5, 5)
    page.mouse.down()
    page.mouse.up()  # a touch restarts the count
    page.clock.run_for((idle - 1) * 1000)
    assert page.is_hidden("#idle")
    page.clock.run_for(2000)
    assert page.is_visible("#idle")
    assert page.evaluate("document.activeElement.id") == "idle-continue"
    page.click("#idle-continue")
    assert page.is_hidden("#idle")
    assert page.get_attribute("body", "data-screen") == "services"
    page.clock.run_for((idle + 1) * 1000)
    assert page.is_visible("#idle")
    page.clock.run_for((grace + 1) * 1000)
    page.wait_for_selector("[data-screen=start]")
