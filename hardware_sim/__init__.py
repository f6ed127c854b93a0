"""Simulated hardware for tests and ``make demo``: printer, scanner, RS-485 LED bus.

Devices are real endpoints (pty paths, TCP ports) served by background threads,
so client code opens them exactly as it would open the hardware.
"""

from hardware_sim.endpoints import (
    InProcessLink,
    PtyPrinterEndpoint,
    SimulatedPrinter,
    TcpPrinterEndpoint,
)
from hardware_sim.printer import Fault, VirtualPrinter
from hardware_sim.receipt import Receipt
from hardware_sim.rs485 import (
    Key,
    VirtualRs485Bus,
    encode_display_frame,
    encode_key_frame,
    encode_rating_frame,
)
from hardware_sim.scanner import VirtualScanner

__all__ = [
    "Fault",
    "InProcessLink",
    "Key",
    "PtyPrinterEndpoint",
    "Receipt",
    "SimulatedPrinter",
    "TcpPrinterEndpoint",
    "VirtualPrinter",
    "VirtualRs485Bus",
    "VirtualScanner",
    "encode_display_frame",
    "encode_key_frame",
    "encode_rating_frame",
]
