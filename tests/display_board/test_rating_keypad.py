"""The applicant's rating keypad at a window (R8): a pty bus, the LED driver, a live server."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from sqlalchemy import select

from display_board.rs485 import KeyFrameReader, RatingPress
from hardware_sim.rs485 import Key, VirtualRs485Bus, encode_rating_frame
from queue_server.ratings.models import Rating
from tests.display_board.test_led_driver import (  # noqa: F401  (fixtures)
    DISPLAY_SECONDS,
    driver_process,
    led_token,
    point,
    port_link,
    wait_for_driver,
)
from tests.queue_server.realtime_support import Api
from tests.support.servers import fresh_live_server
from tests.support.world import World

PATIENCE_SECONDS = 60.0


def test_the_driver_reads_a_rating_frame_r8() -> None:
    """R8: the driver's reader turns the keypad's frame into marks by criterion."""
    (press,) = KeyFrameReader().feed(b"junk" + encode_rating_frame(11, [5, None, 4, 1, 3]))
    assert isinstance(press, RatingPress) and press.address == 11
    assert press.body() == {"waiting": 5, "comfort": 4, "information": 1, "service_time": 3}
    assert KeyFrameReader().feed(b"\x01\x0bV5409\x07") == []  # 9 is no mark


def _ratings(world: World) -> list[Rating]:
    with world.db.transaction(read_only=True) as session:
        return list(session.scalars(select(Rating)))


def test_a_rating_keypad_press_rates_the_ticket_just_served_at_its_window_r8(
    sqlite_world: World,
    driver_process: tuple[int, subprocess.Popen[bytes]],  # noqa: F811 (the fixture)
    port_link: Path,  # noqa: F811
) -> None:
    """R8: marks keyed at window 1's rating keypad reach the server through the LED driver
    and rate the ticket finished there; a second press is refused, nothing doubles."""
    world = sqlite_world
    port, process = driver_process
    bus = VirtualRs485Bus(display_addresses=[11, 12, 13, 14])
    point(port_link, bus)
    try:
        with fresh_live_server(world, port=port) as server, Api(server, world) as api:
            assert wait_for_driver(api, world) == "ok"
            api.take("clerk1", 1)
            number = api.issue()["number"]
            ticket = api.call_next("clerk1", 1)
            assert bus.wait_for_display(11, number, timeout=DISPLAY_SECONDS), bus.display_text(11)
            api.post("clerk1", f"/api/v1/tickets/{ticket['id']}/start")
            api.post("clerk1", f"/api/v1/tickets/{ticket['id']}/finish")
            assert bus.wait_for_display(11, "", timeout=DISPLAY_SECONDS)

            bus.rate(11, [5, 4, None, 2, 5])
            deadline = time.monotonic() + PATIENCE_SECONDS
            while not _ratings(world) and time.monotonic() < deadline:
                time.sleep(0.1)
            (rating,) = _ratings(world)
            assert rating.ticket_id == ticket["id"] and rating.source == "keypad"
            assert (rating.waiting, rating.comfort, rating.information) == (5, None, 2)
            assert rating.low is True

            # A second press (the applicant presses again) is refused by the server, and so
            # is a press at window 2, which served nobody. The driver forwards presses in
            # order: once the clerk's "call next" pressed after them has lit the display,
            # both were answered.
            bus.rate(11, [1, 1, 1, 1, 1])
            bus.rate(12, [1, 1, 1, 1, 1])
            number = api.issue()["number"]
            bus.press(11, Key.CALL_NEXT)
            assert bus.wait_for_display(11, number, timeout=DISPLAY_SECONDS), bus.display_text(11)
            (still,) = _ratings(world)
            assert still.id == rating.id and still.waiting == 5
        assert process.poll() is None
    finally:
        # The driver reopens the port path while it runs: unplug the path first, so it
        # cannot reach the pty number once the bus frees it for another test's device.
        port_link.unlink(missing_ok=True)
        bus.close()
