"""The kiosk agent against a live queue server and a pty printer: no lost or double tickets."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from hardware_sim import Fault, SimulatedPrinter
from kiosk.agent import PRINTER, REFUSED, TICKET, UNREACHABLE, KioskAgent
from kiosk.client import ServerClient
from kiosk.printing import KioskPrinter
from tests.kiosk.conftest import OFFICE, CuttingProxy, KioskWorld, kiosk_config
from tests.support.patience import DEVICE_SECONDS, REQUEST_SECONDS

# A simulated printer on a pty answers in milliseconds; a loaded CI machine can take a
# second or more, which a 0.5 s bound would misread as a silent printer.
PRINTER_SECONDS = 3.0


def run_agent(
    world: KioskWorld,
    sim: SimulatedPrinter,
    scenario: Callable[[KioskAgent], Awaitable[Any]],
    *,
    server_url: str | None = None,
    printer_timeout: float = PRINTER_SECONDS,
) -> Any:
    """Run a scenario with a started agent (monitor loop off: the test drives tick())."""
    assert world.server is not None
    config = kiosk_config(
        server_url or world.server.url,
        world.tokens["kiosk-1"],
        sim.serial_url,
        monitor_seconds=3600,
    )

    async def main() -> Any:
        agent = KioskAgent(
            config,
            ServerClient(config.server_url, config.token, timeout=REQUEST_SECONDS),
            KioskPrinter(config.printer_url, timeout=printer_timeout, job_timeout=10),
        )
        await agent.start()
        try:
            return await scenario(agent)
        finally:
            await agent.stop()

    # Its own thread and loop: the session's Playwright keeps a loop in the main thread.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()


def device_state(world: KioskWorld) -> dict[str, Any]:
    with world.api() as api:
        states = api.get(f"/offices/{OFFICE}/device-states", headers=world.auth("manager"))
    return next(d for d in states.json() if d["name"] == "kiosk-1")


def test_a_double_tap_issues_and_prints_one_ticket(
    kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    async def scenario(agent: KioskAgent) -> list[Any]:
        return list(
            await asyncio.gather(
                *(
                    agent.issue(key="tap-0001-abcdef", service="snils", category=None)
                    for _ in range(3)
                )
            )
        )

    outcomes = run_agent(kiosk_world, printer_sim, scenario)
    assert {o.kind for o in outcomes} == {TICKET}
    assert len({o.ticket["id"] for o in outcomes}) == 1
    receipts = printer_sim.printer.wait_for_receipts(1, timeout=DEVICE_SECONDS)
    assert outcomes[0].ticket["number"] in receipts[0].text
    assert len(kiosk_world.tickets()) == 1
    with pytest.raises(TimeoutError):
        printer_sim.printer.wait_for_receipts(2, timeout=0.5)


def test_a_reply_cut_off_mid_way_is_retried_into_the_same_ticket(
    kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    assert kiosk_world.server is not None
    proxy = CuttingProxy(kiosk_world.server.port)

    async def scenario(agent: KioskAgent) -> tuple[Any, Any]:
        proxy.cut_next = b"POST /api/v1/offices/demo/tickets"
        first = await agent.issue(key="cut-0001-abcdef", service="snils", category=None)
        kind = first.kind
        second = await agent.issue(key="cut-0001-abcdef", service="snils", category=None)
        return kind, second

    try:
        kind, second = run_agent(kiosk_world, printer_sim, scenario, server_url=proxy.url)
    finally:
        proxy.close()
    assert proxy.cuts == 1
    assert kind == UNREACHABLE
    assert second.kind == TICKET and second.printed
    waiting = kiosk_world.tickets()
    assert [t["number"] for t in waiting] == [second.ticket["number"]]
    printer_sim.printer.wait_for_receipts(1, timeout=DEVICE_SECONDS)
    with pytest.raises(TimeoutError):
        printer_sim.printer.wait_for_receipts(2, timeout=0.5)


def test_giving_up_after_a_cut_and_tapping_again_still_gives_one_ticket(
    kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    assert kiosk_world.server is not None
    proxy = CuttingProxy(kiosk_world.server.port)

    async def scenario(agent: KioskAgent) -> Any:
        proxy.cut_next = b"POST /api/v1/offices/demo/tickets"
        lost = await agent.issue(key="first-tap-abcdef", service="inn", category=None)
        assert lost.kind == UNREACHABLE
        # The applicant went back to the start and chose the same service again.
        return await agent.issue(key="second-tap-abcdef", service="inn", category=None)

    try:
        again = run_agent(kiosk_world, printer_sim, scenario, server_url=proxy.url)
    finally:
        proxy.close()
    assert again.kind == TICKET
    assert [t["number"] for t in kiosk_world.tickets()] == [again.ticket["number"]]


def test_server_down_then_back_same_key_one_ticket(
    kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    assert kiosk_world.server is not None
    server = kiosk_world.server

    async def scenario(agent: KioskAgent) -> tuple[Any, Any]:
        await asyncio.to_thread(server.stop)
        down = await agent.issue(key="down-0001-abcdef", service="snils", category=None)
        kind, online = down.kind, agent.online
        await asyncio.to_thread(server.start)
        up = await agent.issue(key="down-0001-abcdef", service="snils", category=None)
        return (kind, online), up

    (kind, online), up = run_agent(kiosk_world, printer_sim, scenario)
    assert kind == UNREACHABLE and online is False
    assert up.kind == TICKET and up.printed and up.attempts == 2
    assert len(kiosk_world.tickets()) == 1


@pytest.mark.parametrize(
    ("fault", "state"),
    [
        (Fault.PAPER_OUT, "paper_out"),
        (Fault.COVER_OPEN, "cover_open"),
        (Fault.CUTTER_ERROR, "error"),
        (Fault.SILENT, "unknown"),
        (Fault.UNPLUGGED, "offline"),
    ],
)
def test_a_printer_that_cannot_print_stops_issuing_and_is_reported(
    kiosk_world: KioskWorld, printer_sim: SimulatedPrinter, fault: Fault, state: str
) -> None:
    async def scenario(agent: KioskAgent) -> Any:
        printer_sim.set_fault(fault)
        return await agent.issue(key="fault-0001-abcdef", service="snils", category=None)

    outcome = run_agent(kiosk_world, printer_sim, scenario)
    assert outcome.kind == PRINTER and outcome.printer_state == state
    assert kiosk_world.tickets() == []
    reported = device_state(kiosk_world)
    assert reported["state"] == "error" and reported["detail"]["printer"] == state


def test_paper_near_end_issues_and_reports_a_warning(
    kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    async def scenario(agent: KioskAgent) -> Any:
        printer_sim.set_fault(Fault.PAPER_NEAR_END)
        return await agent.issue(key="near-0001-abcdef", service="snils", category=None)

    outcome = run_agent(kiosk_world, printer_sim, scenario)
    assert outcome.kind == TICKET and outcome.printed
    printer_sim.printer.wait_for_receipts(1, timeout=DEVICE_SECONDS)
    reported = device_state(kiosk_world)
    assert reported["state"] == "warning"
    assert reported["detail"] == {"printer": "paper_near_end", "warnings": ["paper_near_end"]}


def test_slow_printer_within_the_timeout_still_prints(
    kiosk_world: KioskWorld,
) -> None:
    # A reply 0.3 s late against a 3 s timeout: slow, yet far inside the limit even when
    # a loaded machine schedules the simulator's thread late.
    with SimulatedPrinter(width=80, pty=True, slow_reply_delay=0.3) as sim:
        sim.set_fault(Fault.SLOW)

        async def scenario(agent: KioskAgent) -> Any:
            return await agent.issue(key="slow-0001-abcdef", service="snils", category=None)

        outcome = run_agent(kiosk_world, sim, scenario, printer_timeout=3.0)
        assert outcome.kind == TICKET and outcome.printed
        sim.printer.wait_for_receipts(1, timeout=DEVICE_SECONDS)


def test_print_failing_after_issue_is_recorded_and_a_clerk_reprint_comes_out(
    kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    assert kiosk_world.server is not None
    proxy = CuttingProxy(kiosk_world.server.port)

    def paper_runs_out(chunk: bytes) -> None:
        # The paper runs out while the server is issuing: the gate passed, printing fails.
        if chunk.startswith(b"POST /api/v1/offices/demo/tickets"):
            printer_sim.set_fault(Fault.PAPER_OUT)

    proxy.on_request = paper_runs_out

    async def scenario(agent: KioskAgent) -> tuple[Any, int, int]:
        outcome = await agent.issue(key="fail-0001-abcdef", service="snils", category=None)
        assert outcome.kind == TICKET and not outcome.printed
        ticket = outcome.ticket
        assert ticket is not None
        with kiosk_world.api() as api:
            jobs = api.get(f"/offices/{OFFICE}/print-jobs", headers=kiosk_world.auth("clerk1"))
            assert [j["number"] for j in jobs.json()] == [ticket["number"]]
            assert jobs.json()[0]["status"] == "failed"
            assert jobs.json()[0]["reason"].startswith("paper_out")
            # Nothing comes out while the paper is out; then the clerk asks for a reprint.
            r = api.post(f"/tickets/{ticket['id']}/reprint", headers=kiosk_world.auth("clerk1"))
            assert r.status_code == 200
        await agent.tick()
        before = await agent.print_owed_jobs()
        printer_sim.set_fault(Fault.PAPER_OUT, active=False)
        await agent.tick()
        return outcome, before, len(await agent.client.print_jobs())

    proxy.on_request = paper_runs_out
    try:
        outcome, printed_while_out, still_owed = run_agent(
            kiosk_world, printer_sim, scenario, server_url=proxy.url
        )
    finally:
        proxy.close()
    assert printed_while_out == 0 and still_owed == 0
    assert outcome.printed  # the reprint updated the kiosk's own record too
    receipts = printer_sim.printer.wait_for_receipts(1, timeout=DEVICE_SECONDS)
    assert outcome.ticket["number"] in receipts[0].text
    with kiosk_world.api() as api:
        jobs = api.get(
            f"/offices/{OFFICE}/print-jobs?status=printed", headers=kiosk_world.auth("clerk1")
        ).json()
    assert [j["status"] for j in jobs] == ["printed"]


def test_closed_office_is_refused_without_printing(
    kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    kiosk_world.clock.advance(hours=10)  # Monday 20:00

    async def scenario(agent: KioskAgent) -> Any:
        hours = agent.hours()
        assert hours is not None and not hours.open
        assert hours.next_opening is not None and hours.next_opening.hour == 8
        return await agent.issue(key="closed-0001-abcdef", service="snils", category=None)

    outcome = run_agent(kiosk_world, printer_sim, scenario)
    assert outcome.kind == REFUSED and outcome.error_code == "office_closed"
    with pytest.raises(TimeoutError):
        printer_sim.printer.wait_for_receipts(1, timeout=0.3)
