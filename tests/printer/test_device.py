"""Printing through real endpoints of the virtual printer: pty, TCP and sim://."""

from __future__ import annotations

import asyncio
import time

import pytest
import serial
from escpos.printer import Network
from escpos.printer import Serial as EscposSerial

from hardware_sim.printer import Fault
from printer.device import open_printer, open_printer_async
from printer.exceptions import (
    CoverOpen,
    PaperOut,
    PrinterConfigError,
    PrinterDisconnected,
    PrinterFault,
    PrinterTimeout,
    StatusUnknown,
)
from printer.layouts import (
    build_intake_receipt,
    build_issuance_receipt,
    build_ticket,
    render_text,
    render_ticket,
)
from printer.status import PrinterState
from tests.printer.conftest import SimFactory, url_of
from tests.printer.samples import sample_intake_receipt, sample_issuance_receipt, sample_ticket
from tests.support.patience import DEVICE_SECONDS

LAYOUTS = {
    "ticket": (build_ticket, sample_ticket, "print_ticket"),
    "intake": (build_intake_receipt, sample_intake_receipt, "print_intake_receipt"),
    "issuance": (build_issuance_receipt, sample_issuance_receipt, "print_issuance_receipt"),
}
# Generous: only the silent-printer tests assert a short bound.
WAIT = DEVICE_SECONDS


@pytest.mark.parametrize("kind", ["pty", "tcp"])
@pytest.mark.parametrize("width", [80, 58])
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_each_layout_decodes_to_the_intended_text(
    make_sim: SimFactory, kind: str, width: int, layout: str
) -> None:
    build, sample, method = LAYOUTS[layout]
    sim = make_sim(width=width)
    expected = render_text(build(sample(), width))  # type: ignore[operator]
    with open_printer(url_of(sim, kind), width=width, timeout=WAIT) as printer:
        report = getattr(printer, method)(sample())
    assert report.receipts == len(expected)
    receipts = sim.printer.wait_for_receipts(len(expected), WAIT)
    assert [r.text for r in receipts] == expected
    assert sim.printer.problems == []
    # Cyrillic really arrived as Cyrillic (not e.g. CP437 box-drawing characters).
    assert 'МФЦ "Мои документы"' in receipts[0].text


def test_plain_python_escpos_serial_prints_into_the_pty(make_sim: SimFactory) -> None:
    sim = make_sim()
    assert sim.pty is not None
    printer = EscposSerial(devfile=sim.pty.path, baudrate=19200, dsrdtr=False, timeout=WAIT)
    printer.open()
    try:
        printer._raw(render_ticket(sample_ticket(), 80))
    finally:
        printer.close()
    (receipt,) = sim.printer.wait_for_receipts(1, WAIT)
    assert receipt.text == render_text(build_ticket(sample_ticket(), 80))[0]


def test_plain_python_escpos_network_prints_and_reads_status(make_sim: SimFactory) -> None:
    sim = make_sim()
    assert sim.tcp is not None
    printer = Network(host=sim.tcp.host, port=sim.tcp.port, timeout=WAIT)
    printer.open()
    try:
        printer._raw(render_ticket(sample_ticket(), 80))
        assert printer.query_status(b"\x10\x04\x04") == b"\x12"
    finally:
        printer.close()
    (receipt,) = sim.printer.wait_for_receipts(1, WAIT)
    assert "А015" in receipt.text


def test_pyserial_reads_real_status_bytes_from_the_pty(make_sim: SimFactory) -> None:
    sim = make_sim(faults={Fault.PAPER_NEAR_END})
    assert sim.pty is not None
    with serial.Serial(sim.pty.path, 19200, timeout=WAIT) as port:
        port.write(b"\x10\x04\x01\x10\x04\x04")
        assert port.read(2) == b"\x12\x1e"


@pytest.mark.parametrize("kind", ["pty", "tcp", "sim"])
def test_ready_printer(make_sim: SimFactory, kind: str) -> None:
    sim = make_sim()
    with open_printer(url_of(sim, kind), timeout=WAIT) as printer:
        status = printer.read_status()
    assert status.state is PrinterState.READY
    assert status.raw == {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}


@pytest.mark.parametrize("kind", ["pty", "tcp", "sim"])
def test_paper_near_end_prints_with_a_warning(make_sim: SimFactory, kind: str) -> None:
    sim = make_sim(faults={Fault.PAPER_NEAR_END})
    with open_printer(url_of(sim, kind), timeout=WAIT) as printer:
        report = printer.print_ticket(sample_ticket())
    assert report.status_before is not None
    assert report.status_before.state is PrinterState.PAPER_NEAR_END
    assert report.warnings == ["paper_near_end"]
    assert len(sim.printer.wait_for_receipts(1, WAIT)) == 1


@pytest.mark.parametrize(
    ("fault", "state", "error"),
    [
        (Fault.PAPER_OUT, PrinterState.PAPER_OUT, PaperOut),
        (Fault.COVER_OPEN, PrinterState.COVER_OPEN, CoverOpen),
        (Fault.CUTTER_ERROR, PrinterState.ERROR, PrinterFault),
    ],
)
@pytest.mark.parametrize("kind", ["pty", "tcp", "sim"])
def test_blocking_faults_are_reported_and_refuse_printing(
    make_sim: SimFactory,
    kind: str,
    fault: Fault,
    state: PrinterState,
    error: type[Exception],
) -> None:
    sim = make_sim(faults={fault})
    with open_printer(url_of(sim, kind), timeout=WAIT) as printer:
        assert printer.read_status().state is state
        with pytest.raises(error):
            printer.print_ticket(sample_ticket())
    assert sim.printer.receipts == []
    assert sim.printer.held_commands == 0  # refused before sending anything


@pytest.mark.parametrize("kind", ["pty", "tcp"])
def test_paper_out_holds_data_and_prints_it_when_paper_is_loaded(
    make_sim: SimFactory, kind: str
) -> None:
    sim = make_sim(faults={Fault.PAPER_OUT})
    with open_printer(url_of(sim, kind), timeout=WAIT) as printer:
        printer.print_ticket(sample_ticket(), check_status=False)
        # The status answer proves the earlier bytes were all received.
        assert printer.read_status().state is PrinterState.PAPER_OUT
    assert sim.printer.receipts == []
    assert sim.printer.held_commands > 0
    sim.set_fault(Fault.PAPER_OUT, False)
    (receipt,) = sim.printer.wait_for_receipts(1, WAIT)
    assert receipt.text == render_text(build_ticket(sample_ticket(), 80))[0]


@pytest.mark.parametrize("kind", ["pty", "tcp", "sim"])
def test_silent_printer_is_unknown_within_the_timeout(make_sim: SimFactory, kind: str) -> None:
    sim = make_sim(faults={Fault.SILENT})
    with open_printer(url_of(sim, kind), timeout=0.3) as printer:
        started = time.monotonic()
        status = printer.read_status()
        elapsed = time.monotonic() - started
        assert status.state is PrinterState.UNKNOWN
        assert status.problem is not None and "no reply to DLE EOT 1" in status.problem
        assert 0.25 <= elapsed < 1.5
        started = time.monotonic()
        with pytest.raises(StatusUnknown):
            printer.print_ticket(sample_ticket())
        assert time.monotonic() - started < 1.5
    assert sim.printer.receipts == []


@pytest.mark.parametrize("kind", ["pty", "tcp", "sim"])
def test_slow_replies_within_the_timeout_are_accepted(make_sim: SimFactory, kind: str) -> None:
    sim = make_sim(faults={Fault.SLOW}, slow_reply_delay=0.05)
    with open_printer(url_of(sim, kind), timeout=WAIT) as printer:
        assert printer.read_status().state is PrinterState.READY


@pytest.mark.parametrize("kind", ["pty", "tcp", "sim"])
def test_replies_slower_than_the_timeout_are_unknown(make_sim: SimFactory, kind: str) -> None:
    sim = make_sim(faults={Fault.SLOW}, slow_reply_delay=0.5)
    with open_printer(url_of(sim, kind), timeout=0.2) as printer:
        assert printer.read_status().state is PrinterState.UNKNOWN


@pytest.mark.parametrize("kind", ["pty", "tcp", "sim"])
def test_unplugged_printer_raises_a_clear_error(make_sim: SimFactory, kind: str) -> None:
    sim = make_sim()
    printer = open_printer(url_of(sim, kind), timeout=WAIT)
    try:
        assert printer.read_status().state is PrinterState.READY
        sim.set_fault(Fault.UNPLUGGED)
        with pytest.raises(PrinterDisconnected) as caught:
            printer.print_ticket(sample_ticket())
        assert url_of(sim, kind) in str(caught.value)
    finally:
        printer.close()
    with pytest.raises(PrinterDisconnected):
        open_printer(url_of(sim, kind), timeout=WAIT)


@pytest.mark.parametrize("kind", ["pty", "tcp"])
def test_cyrillic_survives_esc_at_in_the_middle(make_sim: SimFactory, kind: str) -> None:
    sim = make_sim()
    with open_printer(url_of(sim, kind), timeout=WAIT) as printer:
        escpos = printer.transport
        escpos.text("Первая строка\n")
        escpos.hw("INIT")
        escpos.text("Вторая строка\n")
        escpos.cut()
    (receipt,) = sim.printer.wait_for_receipts(1, WAIT)
    assert receipt.text == "Первая строка\nВторая строка"


def test_the_simulator_really_resets_the_code_page_on_esc_at(make_sim: SimFactory) -> None:
    """Without ESC t after ESC @ Cyrillic turns into CP437 glyphs: the test above can fail."""
    sim = make_sim()
    with open_printer(sim.tcp_url, timeout=WAIT) as printer:
        printer.send(
            b"\x1bt\x11" + "Ж\n".encode("cp866") + b"\x1b@" + "Ж\n".encode("cp866") + b"\x1dV\x00"
        )
    (receipt,) = sim.printer.wait_for_receipts(1, WAIT)
    assert receipt.text == "Ж\n" + bytes([0x86]).decode("cp437")


def test_document_width_must_match_the_printer(make_sim: SimFactory) -> None:
    sim = make_sim()
    with open_printer(sim.sim_url, width=58) as printer, pytest.raises(PrinterConfigError):
        printer.print_document(build_ticket(sample_ticket(), 80))


def test_width_can_come_from_the_url(make_sim: SimFactory) -> None:
    sim = make_sim(width=58)
    with open_printer(sim.sim_url + "?width=58") as printer:
        assert printer.width == 58
        printer.print_ticket(sample_ticket())
    (receipt,) = sim.printer.wait_for_receipts(1, WAIT)
    assert receipt.text == render_text(build_ticket(sample_ticket(), 58))[0]


def test_a_busy_printer_times_out_instead_of_waiting_forever(make_sim: SimFactory) -> None:
    sim = make_sim()
    printer = open_printer(sim.sim_url, timeout=0.2, job_timeout=0.2)
    try:
        # Another thread's job holds the printer.
        with printer._lock, pytest.raises(PrinterTimeout, match="busy"):
            printer.read_status()
    finally:
        printer.close()


@pytest.mark.parametrize("kind", ["pty", "tcp", "sim"])
def test_async_api_prints_without_blocking_the_event_loop(make_sim: SimFactory, kind: str) -> None:
    sim = make_sim()

    async def scenario() -> None:
        printer = await open_printer_async(url_of(sim, kind), timeout=WAIT)
        try:
            status = await printer.read_status()
            assert status.can_print
            report = await printer.print_ticket(sample_ticket())
            assert report.receipts == 1
        finally:
            await printer.close()

    asyncio.run(scenario())
    assert len(sim.printer.wait_for_receipts(1, WAIT)) == 1


def test_async_status_of_a_silent_printer_keeps_the_loop_responsive(make_sim: SimFactory) -> None:
    sim = make_sim(faults={Fault.SILENT})
    ticks = 0

    async def ticker(stop: asyncio.Event) -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.02)

    async def scenario() -> PrinterState:
        printer = await open_printer_async(sim.serial_url, timeout=0.5)
        stop = asyncio.Event()
        task = asyncio.create_task(ticker(stop))
        try:
            with pytest.raises(StatusUnknown):
                await printer.ensure_ready()
            return (await printer.read_status()).state
        finally:
            stop.set()
            await task
            await printer.close()

    started = time.monotonic()
    assert asyncio.run(scenario()) is PrinterState.UNKNOWN
    assert time.monotonic() - started < 4.0
    # About 50 ticks fit in the two 0.5 s waits; a blocked loop would give 1 or 2.
    assert ticks >= 10
