"""Device health without false alarms: a healthy kiosk's heartbeats keep "нет связи" away;
it appears only when they stop and clears with the first that comes back."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable
from typing import Any

from hardware_sim import SimulatedPrinter
from kiosk.agent import KioskAgent
from kiosk.client import ServerClient
from kiosk.printing import KioskPrinter
from queue_server.devices import rules
from tests.kiosk.conftest import OFFICE, KioskWorld, kiosk_config
from tests.support.patience import REQUEST_SECONDS

# A simulated printer on a pty answers in milliseconds; a loaded CI machine can take a
# second or more, which a 0.5 s bound would misread as a silent printer.
PRINTER_SECONDS = 3.0


def run_agent(
    world: KioskWorld,
    sim: SimulatedPrinter,
    scenario: Callable[[KioskAgent], Awaitable[Any]],
    **overrides: Any,
) -> Any:
    """A started agent whose monitor loop is off: the test drives `tick()` on its clock."""
    assert world.server is not None
    config = kiosk_config(
        world.server.url, world.tokens["kiosk-1"], sim.serial_url, monitor_seconds=3600,
        **overrides,
    )  # fmt: skip

    async def main() -> Any:
        agent = KioskAgent(
            config,
            ServerClient(config.server_url, config.token, timeout=REQUEST_SECONDS),
            KioskPrinter(config.printer_url, timeout=PRINTER_SECONDS, job_timeout=10),
        )
        await agent.start()
        try:
            return await scenario(agent)
        finally:
            await agent.stop()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()


def device_alerts(world: KioskWorld) -> list[str]:
    """The dashboard's device alerts, as the manager reads them."""
    with world.api() as api:
        got = api.get(f"/offices/{OFFICE}/dashboard", headers=world.auth("manager"))
    assert got.status_code == 200, got.text
    return [a["text"] for a in got.json()["alerts"] if a["kind"].startswith("device")]


def test_a_healthy_kiosk_is_never_shown_offline_and_a_silent_one_is_until_it_returns(
    kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    clock = kiosk_world.clock

    async def scenario(agent: KioskAgent) -> dict[str, Any]:
        seen: dict[str, Any] = {"healthy": []}
        # An hour of a healthy kiosk whose printer never changes: one heartbeat a minute.
        for _ in range(60):
            clock.advance(seconds=rules.HEARTBEAT_SECONDS)
            await agent.tick()
            seen["healthy"].append(device_alerts(kiosk_world))
        # The kiosk falls silent: one or two missed heartbeats are no alarm, three are.
        clock.advance(seconds=rules.HEARTBEAT_SECONDS * 2)
        seen["two_missed"] = device_alerts(kiosk_world)
        clock.advance(seconds=rules.HEARTBEAT_SECONDS * 2)
        seen["silent"] = device_alerts(kiosk_world)
        # It comes back: the next heartbeat clears the alarm.
        await agent.tick()
        seen["back"] = device_alerts(kiosk_world)
        return seen

    seen = run_agent(kiosk_world, printer_sim, scenario, heartbeat_seconds=0)
    shown = [(minute, alerts) for minute, alerts in enumerate(seen["healthy"], 1) if alerts]
    assert shown == [], shown  # which minute of the hour, and what the manager read
    assert seen["two_missed"] == []
    assert seen["silent"] == ["kiosk-1: нет связи"]
    assert seen["back"] == []


def test_the_heartbeat_is_sent_unchanged_only_once_per_interval(
    kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    """Between heartbeats an unchanged state is not sent again at every printer check."""
    puts: list[str] = []

    async def scenario(agent: KioskAgent) -> None:
        sent = agent.client.report_state

        async def counting(state: str, detail: dict[str, Any]) -> dict[str, Any]:
            puts.append(state)
            return await sent(state, detail)

        agent.client.report_state = counting  # type: ignore[method-assign]
        for _ in range(5):
            await agent.tick()

    run_agent(kiosk_world, printer_sim, scenario, heartbeat_seconds=3600)
    assert puts == ["ok"]  # the first check reports; nothing changed in the four after it


def test_a_printer_fault_reads_in_russian_on_the_dashboard(
    kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    from hardware_sim import Fault

    async def scenario(agent: KioskAgent) -> list[str]:
        printer_sim.set_fault(Fault.PAPER_OUT)
        await agent.tick()
        return device_alerts(kiosk_world)

    assert run_agent(kiosk_world, printer_sim, scenario) == ["kiosk-1: закончилась бумага"]
