"""Printer URLs and the transports behind them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from printer.device import open_printer
from printer.exceptions import PrinterConfigError, PrinterDisconnected
from printer.layouts import render_ticket
from printer.status import PrinterState
from printer.transports import (
    make_transport,
    parse_printer_url,
    register_sim,
    registered_sims,
    unregister_sim,
)
from tests.printer.samples import sample_ticket


def test_serial_url_with_options() -> None:
    url = parse_printer_url("serial:///dev/ttyUSB0?baudrate=19200&rtscts=1")
    assert (url.scheme, url.target) == ("serial", "/dev/ttyUSB0")
    assert url.option_int("baudrate", 9600) == 19200
    assert url.option_bool("rtscts", False) is True


def test_serial_url_with_windows_port_name() -> None:
    assert parse_printer_url("serial://COM3").target == "COM3"


def test_tcp_url_defaults_to_port_9100() -> None:
    assert parse_printer_url("tcp://192.168.1.50").target == "192.168.1.50:9100"
    assert parse_printer_url("tcp://printer.local:9101").target == "printer.local:9101"
    assert parse_printer_url("tcp://[::1]:9100").target == "[::1]:9100"


def test_usb_file_and_sim_urls() -> None:
    assert parse_printer_url("usb://04b8:0e15?in_ep=0x82").option_int("in_ep", 0) == 0x82
    assert parse_printer_url("file:///var/spool/ticket.bin").target == "/var/spool/ticket.bin"
    assert parse_printer_url("sim://kiosk-1").target == "kiosk-1"


@pytest.mark.parametrize(
    "url",
    ["lpt://1", "tcp://", "serial://", "tcp://host:notaport", "sim://"],
)
def test_bad_urls_are_config_errors(url: str) -> None:
    with pytest.raises(PrinterConfigError):
        parse_printer_url(url)


def test_bad_option_values_are_config_errors() -> None:
    url = parse_printer_url("serial:///dev/ttyS0?baudrate=fast&rtscts=maybe")
    with pytest.raises(PrinterConfigError):
        url.option_int("baudrate", 9600)
    with pytest.raises(PrinterConfigError):
        url.option_bool("rtscts", False)


def test_usb_ids_must_be_hex() -> None:
    with pytest.raises(PrinterConfigError, match="vendor:product"):
        make_transport("usb://epson:printer", timeout=1)


@pytest.mark.skipif(importlib.util.find_spec("usb") is not None, reason="pyusb is installed")
def test_usb_without_pyusb_says_what_is_missing() -> None:
    with pytest.raises(PrinterConfigError, match="pyusb"):
        open_printer("usb://04b8:0e15", timeout=1)


def test_profile_from_the_url_sets_the_code_page() -> None:
    transport = make_transport("tcp://127.0.0.1:9?profile=CT-S651", timeout=1)
    assert transport.codepage_slot == 7


def test_file_printer_writes_bytes_but_cannot_report_status(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    with open_printer(f"file://{target}") as printer:
        status = printer.read_status()
        assert status.state is PrinterState.UNKNOWN
        assert status.problem is not None and "cannot report status" in status.problem
        printer.print_ticket(sample_ticket(), check_status=False)
    assert target.read_bytes() == render_ticket(sample_ticket(), 80)


def test_sim_registry() -> None:
    def factory() -> object:
        raise ConnectionRefusedError("not today")

    register_sim("registry-test", factory)  # type: ignore[arg-type]
    try:
        assert "registry-test" in registered_sims()
        with pytest.raises(PrinterDisconnected, match="not today"):
            open_printer("sim://registry-test")
    finally:
        unregister_sim("registry-test")
    assert "registry-test" not in registered_sims()
    with pytest.raises(PrinterDisconnected, match="no simulated printer"):
        open_printer("sim://registry-test")


def test_missing_serial_device_is_disconnected() -> None:
    with pytest.raises(PrinterDisconnected):
        open_printer("serial:///dev/mfcq-no-such-tty")


def test_refused_tcp_connection_is_disconnected() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(PrinterDisconnected):
        open_printer(f"tcp://127.0.0.1:{port}", timeout=2)
