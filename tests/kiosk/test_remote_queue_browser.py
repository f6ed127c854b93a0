"""Issue 17 in Chromium: a place in the live queue taken on the phone page, not called until
the applicant checks in at the kiosk; the ticket's page as a live companion that rings,
vibrates and shows a notification when the ticket is called."""

from __future__ import annotations

from typing import Any

import pytest

from hardware_sim.endpoints import SimulatedPrinter
from tests.kiosk.conftest import OFFICE, KioskWorld, LiveServer
from tests.support.browser import open_page
from tests.support.patience import DEVICE_SECONDS

pytestmark = pytest.mark.timeout(120)

# Observes what the page asks of the browser on a call, the real APIs still doing the work:
# the Notification constructor (and permission requests), navigator.vibrate, the chime's tones.
# The context grants notifications (the answer a person gives to the prompt); until the page
# asks, the permission reads "default", as on a first visit.
OBSERVE = """
window.__notes = []; window.__vibrations = []; window.__tones = 0; window.__asked = 0;
const RealNotification = window.Notification;
class ObservedNotification extends RealNotification {
  constructor(title, options) {
    super(title, options);
    window.__notes.push({title, body: options && options.body});
  }
  static get permission() {
    return window.__asked ? RealNotification.permission : "default";
  }
  static requestPermission(...args) {
    window.__asked += 1;
    return RealNotification.requestPermission(...args);
  }
}
window.Notification = ObservedNotification;
navigator.vibrate = (pattern) => { window.__vibrations.push(pattern); return true; };
const realStart = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  window.__tones += 1;
  return realStart.apply(this, args);
};
"""


def issue(world: KioskWorld, service: str = "snils") -> dict[str, Any]:
    with world.api() as api:
        r = api.post(
            f"/offices/{OFFICE}/tickets", json={"service": service}, headers=world.auth("kiosk-2")
        )
        assert r.status_code == 201, r.text
        return dict(r.json())


def test_a_place_taken_on_the_phone_is_called_only_after_the_kiosk_check_in(
    page: Any, kiosk: LiveServer, kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    assert kiosk_world.server is not None
    clerk = kiosk_world.auth("clerk1")
    with kiosk_world.api() as api:
        policy = {"enabled": True, "services": ["snils"]}
        r = api.put(
            f"/offices/{OFFICE}/remote-policy", json=policy, headers=kiosk_world.auth("manager")
        )
        assert r.status_code == 200, r.text
        assert api.post(f"/offices/{OFFICE}/windows/6/take", headers=clerk).status_code == 200

    # Monday 10:00, on a phone: the page offers only the opened service, with its wait.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{kiosk_world.server.url}/q/{OFFICE}")
    page.wait_for_selector("#form:not([hidden])")
    assert page.eval_on_selector_all("#service option", "os => os.map(o => o.value)") == ["snils"]
    assert page.text_content("#estimate") == "Ожидание сейчас — около 0 мин."
    page.fill("#phone", "+7 916 555-44-33")
    page.click("#submit")
    page.wait_for_selector("#error:not([hidden])")
    assert page.text_content("#error") == "Нужно согласие на обработку персональных данных."
    page.check("#consent")
    page.click("#submit")

    # The ticket's page: not arrived, the code to check in with, when to come.
    page.wait_for_url("**/t/**")
    page.wait_for_selector("#checkin:not([hidden])")
    number = page.text_content("#number").strip()
    code = page.text_content("#checkin-code").strip()
    assert page.text_content("#status") == "Не прибыл"
    assert page.text_content("#come-at") == "10:00"
    assert page.text_content("#checkin-until") == "10:30"
    assert "не вызовут, пока вы не отметитесь" in page.text_content("#checkin-text")

    # Not arrived: call-next skips it, and calls the applicant who came in person after.
    with kiosk_world.api() as api:
        assert api.post(f"/offices/{OFFICE}/windows/6/call-next", headers=clerk).status_code == 204
        walk_in = issue(kiosk_world)
        r = api.post(f"/offices/{OFFICE}/windows/6/call-next", headers=clerk)
        assert r.json()["number"] == walk_in["number"] != number
        api.post(f"/tickets/{walk_in['id']}/start", headers=clerk)
        kiosk_world.clock.advance(minutes=10)
        api.post(f"/tickets/{walk_in['id']}/finish", headers=clerk)

    # At the kiosk, on the booking code screen: the ticket is printed and joins the queue.
    page.goto(kiosk.url)
    page.click("#booking")
    page.fill("#code", code)
    page.click("#check-in")
    page.wait_for_selector("[data-screen=ticket]")
    assert page.text_content("#number").strip() == number
    receipt = printer_sim.printer.wait_for_receipts(1, timeout=DEVICE_SECONDS)[0]
    assert number in receipt.text
    with kiosk_world.api() as api:
        r = api.post(f"/offices/{OFFICE}/windows/6/call-next", headers=clerk)
        assert r.status_code == 200 and r.json()["number"] == number


def test_the_place_is_given_up_on_the_ticket_page(page: Any, kiosk_world: KioskWorld) -> None:
    assert kiosk_world.server is not None
    with kiosk_world.api() as api:
        r = api.put(
            f"/offices/{OFFICE}/remote-policy",
            json={"enabled": True, "services": ["snils"]},
            headers=kiosk_world.auth("manager"),
        )
        assert r.status_code == 200, r.text
        take = api.post(f"/offices/{OFFICE}/windows/6/take", headers=kiosk_world.auth("clerk1"))
        assert take.status_code == 200
        place = api.post(
            f"/public/offices/{OFFICE}/remote-tickets",
            json={"service": "snils", "phone": "+7 916 555-44-33", "consent": True},
        )
        assert place.status_code == 201, place.text
    page.goto(place.json()["status_url"])
    page.wait_for_selector("#checkin:not([hidden])")
    page.click("#give-up")
    page.click("#give-up-confirm")
    page.wait_for_selector("#notice:not([hidden])")
    assert page.text_content("#notice").strip() == "Талон отменён."
    assert page.is_hidden("#checkin")
    with kiosk_world.api() as api:
        expected = api.get(
            f"/offices/{OFFICE}/remote-tickets", headers=kiosk_world.auth("clerk1")
        ).json()
    assert expected == []


def test_an_unknown_code_at_the_kiosk_is_still_an_unknown_booking(
    page: Any, kiosk: LiveServer, kiosk_world: KioskWorld
) -> None:
    page.goto(kiosk.url)
    page.click("#booking")
    page.fill("#code", "ABCDE-FGHJK")
    page.click("#check-in")
    page.wait_for_selector("[data-screen=refused]")
    assert "Запись с таким кодом не найдена" in page.text_content("body")


def test_the_status_page_rings_vibrates_and_notifies_when_the_ticket_is_called(
    browser: Any, kiosk_world: KioskWorld
) -> None:
    assert kiosk_world.server is not None
    first, mine = issue(kiosk_world), issue(kiosk_world)
    clerk = kiosk_world.auth("clerk1")
    with open_page(browser, permissions=["notifications"]) as page:
        page.add_init_script(OBSERVE)
        page.clock.install()
        page.goto(mine["status_url"])
        page.wait_for_selector("#status")
        # Nothing is asked on load: the permission waits for the button, in Russian.
        assert page.evaluate("window.__asked") == 0
        assert page.text_content("#call-alert") == "Включить оповещение о вызове"
        page.click("#call-alert")
        page.wait_for_selector("#call-alert", state="hidden")
        assert page.evaluate("window.__asked") == 1
        assert page.text_content("#call-alert-state").startswith("Оповещение включено")
        assert page.text_content("#wait") == "Сейчас нет открытых окон для этой услуги"

        # The estimate follows the queue: a window opens, the applicant ahead is served.
        with kiosk_world.api() as api:
            assert api.post(f"/offices/{OFFICE}/windows/6/take", headers=clerk).is_success
            page.clock.run_for(5000)
            page.wait_for_function("document.querySelector('#wait')?.textContent === '≈ 15 мин'")
            assert api.post(f"/offices/{OFFICE}/windows/6/call-next", headers=clerk).is_success
            api.post(f"/tickets/{first['id']}/start", headers=clerk)
            kiosk_world.clock.advance(minutes=10)
            page.clock.run_for(5000)
            page.wait_for_function("document.querySelector('#wait')?.textContent === '≈ 5 мин'")
            assert page.evaluate("window.__notes.length + window.__vibrations.length") == 0
            api.post(f"/tickets/{first['id']}/finish", headers=clerk)
            r = api.post(f"/offices/{OFFICE}/windows/6/call-next", headers=clerk)
            assert r.json()["number"] == mine["number"]

        # Called: one notification, one vibration, the three tones of the chime.
        page.clock.run_for(5000)
        page.wait_for_function("window.__notes.length === 1")
        assert page.evaluate("window.__notes") == [
            {"title": f"Талон {mine['number']}: вас вызывают к окну 6", "body": "Пройдите к окну."}
        ]
        assert page.evaluate("window.__vibrations") == [[300, 150, 300, 150, 300]]
        assert page.evaluate("window.__tones") == 3
        assert page.text_content("#notice").strip() == "Вас вызывают! Пройдите к окну 6"
        # The next poll finds it still called: no second alert.
        page.clock.run_for(5000)
        page.wait_for_function("document.querySelector('#status')?.textContent === 'Вызван'")
        assert page.evaluate("window.__notes.length") == 1
