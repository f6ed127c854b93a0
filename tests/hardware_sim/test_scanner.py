"""The virtual barcode scanner on a pty."""

from __future__ import annotations

import serial

from hardware_sim.scanner import VirtualScanner


def test_scans_arrive_as_lines_terminated_by_cr() -> None:
    with VirtualScanner() as scanner, serial.Serial(scanner.path, 9600, timeout=5) as port:
        scanner.scan("12-2025/000123")
        scanner.scan("МФЦ-77")
        assert port.read_until(b"\r") == b"12-2025/000123\r"
        assert port.read_until(b"\r").decode("utf-8") == "МФЦ-77\r"
    assert scanner.scans == ["12-2025/000123", "МФЦ-77"]


def test_suffix_is_configurable() -> None:
    with VirtualScanner(suffix=b"\r\n") as scanner, serial.Serial(scanner.path, timeout=5) as port:
        scanner.scan("A1")
        assert port.read_until(b"\n") == b"A1\r\n"
