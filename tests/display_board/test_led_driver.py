"""The LED driver process against the simulated RS-485 bus on a pty and a live server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from display_board.rs485 import Key as DriverKey
from display_board.rs485 import KeyFrameReader, display_frame
from hardware_sim.rs485 import FrameReader, Key, VirtualRs485Bus, encode_key_frame
from queue_server.auth.service import add_device, resolve_token
from queue_server.offices.models import Office
from queue_server.tickets import moves as tickets
from queue_server.windows.models import Window
from tests.queue_server.realtime_support import Api
from tests.support.patience import STARTUP_SECONDS
from tests.support.processes import spawn, stop
from tests.support.servers import free_port, fresh_live_server
from tests.support.world import World

# How long a display may take to show what the server said: one event through the
# WebSocket, the driver and the pty on a loaded machine. It returns as soon as shown.
DISPLAY_SECONDS = 60.0


def test_frames_match_the_bus_format() -> None:
    frame = display_frame(3, "А015")
    assert frame == bytes([0x01, 0x03, 0xC0, 0x30, 0x31, 0x35, 0x07])
    (decoded,) = FrameReader().feed(frame)
    assert (decoded.address, decoded.text) == (3, "А015")
    reader = KeyFrameReader()
    raw = b"junk" + encode_key_frame(12, Key.CALL_NEXT) + encode_key_frame(2, Key.FINISH)
    presses = reader.feed(raw[:7]) + reader.feed(raw[7:])
    assert [(p.address, p.key) for p in presses] == [
        (12, DriverKey.CALL_NEXT),
        (2, DriverKey.FINISH),
    ]


@pytest.fixture
def led_token(sqlite_world: World) -> str:
    """An LED device of office central; windows 1-4 get bus addresses 11-14."""
    world = sqlite_world
    with world.db.transaction() as session:
        office = session.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        session.execute(
            update(Window)
            .where(Window.office_id == office.id)
            .values(led_address=Window.number + 10)
        )
        _device, token = add_device(
            session=session, clock=world.clock, office=office, kind="led", name="led-bus"
        )
    return token


@pytest.fixture
def port_link(tmp_path: Path) -> Path:
    """A stable port path (like /dev/ttyUSB0) that the test points at a bus's pty."""
    return tmp_path / "ttyLED"


def point(link: Path, bus: VirtualRs485Bus) -> None:
    """Make the port path lead to this bus (a cable plugged in)."""
    tmp = link.with_suffix(".new")
    tmp.symlink_to(bus.path)
    tmp.replace(link)


@pytest.fixture
def driver_process(
    sqlite_world: World, led_token: str, port_link: Path
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """Starts the server port and the `mfc-queue led-driver` process (server first)."""
    port = free_port()
    process = spawn(
        [
            sys.executable,
            "-m",
            "queue_server.cli",
            "led-driver",
            "--server",
            f"http://127.0.0.1:{port}",
            "--token",
            led_token,
            "--port",
            str(port_link),
            "--clerk-token",
            f"1={sqlite_world.tokens['clerk1']}",
        ],
        env={**os.environ},
    )
    try:
        yield port, process
    finally:
        stop(process, timeout=10)


def test_calls_light_displays_and_keypads_call_through_port_and_server_loss(
    sqlite_world: World, driver_process: tuple[int, subprocess.Popen[bytes]], port_link: Path
) -> None:
    world = sqlite_world
    port, process = driver_process
    bus = VirtualRs485Bus(display_addresses=[11, 12, 13, 14])
    point(port_link, bus)
    try:
        with fresh_live_server(world, port=port) as server, Api(server, world) as api:
            # Subscribed, the driver sends its heartbeat: the dashboard knows it is alive.
            assert wait_for_driver(api, world) == "ok"
            api.take("clerk1", 1)
            api.take("clerk3", 3)
            first = api.issue()["number"]
            second = api.issue()["number"]
            third = api.issue("results")["number"]

            # A call through the API lights the display of window 1 (address 11) only.
            api.call_next("clerk1", 1)
            assert bus.wait_for_display(11, first, timeout=DISPLAY_SECONDS), bus.display_text(11)
            assert bus.display_text(13) == ""

            # Keypad of window 1: start, finish, call next — with clerk1's token.
            bus.press(11, Key.START)
            bus.press(11, Key.FINISH)
            assert bus.wait_for_display(11, "", timeout=DISPLAY_SECONDS)
            bus.press(11, Key.CALL_NEXT)
            assert bus.wait_for_display(11, second, timeout=DISPLAY_SECONDS)
            window = next(
                w
                for w in api.http.get(
                    "/api/v1/offices/central/windows", headers=world.auth("manager")
                ).json()
                if w["number"] == 1
            )
            assert window["current_ticket"]["number"] == second
            assert window["current_ticket"]["status"] == "called"

            # The cable is pulled and plugged into another port: the driver reopens the
            # path and repaints what every display should show. The path leads to the new
            # port before the old one goes: a driver reopening a path that still named the
            # freed pty could get that number's next owner, another test's bus (the two CI
            # passes run these tests side by side), and read its key presses.
            old_bus, bus = bus, VirtualRs485Bus(display_addresses=[11, 12, 13, 14])
            point(port_link, bus)
            old_bus.close()
            assert bus.wait_for_display(11, second, timeout=DISPLAY_SECONDS), bus.display_text(11)

        # The server goes away; a call happens meanwhile; the server comes back.
        with world.db.transaction() as session:
            office = session.scalar(select(Office).where(Office.code == "central"))
            assert office is not None
            clerk3 = resolve_token(session=session, clock=world.clock, token=world.tokens["clerk3"])
            called = tickets.call_next(
                session=session, clock=world.clock, office=office, number=3, principal=clerk3
            )
            assert called is not None and called.number == third
        with fresh_live_server(world, port=port):
            # The driver retries with a back-off of up to 10 s while the server is away.
            assert bus.wait_for_display(13, third, timeout=DISPLAY_SECONDS), bus.display_text(13)
            assert bus.display_text(11) == second
        assert process.poll() is None  # it survived both
    finally:
        # The driver reopens the port path while it runs: unplug the path first, so it
        # cannot reach the pty number once the bus frees it for another test's device.
        port_link.unlink(missing_ok=True)
        bus.close()


def wait_for_driver(api: Api, world: World) -> str | None:
    """The LED driver's first reported state: it reports once subscribed to the server.

    The driver process starts before the server and retries with a growing back-off; on a
    loaded machine its imports alone can take seconds. A readiness wait, so the bound is
    generous: it returns as soon as the driver is there.
    """
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        states = api.http.get(
            "/api/v1/offices/central/device-states", headers=world.auth("manager")
        ).json()
        state = next(d for d in states if d["name"] == "led-bus")["state"]
        if state is not None:
            return str(state)
        time.sleep(0.1)
    return None
