"""``mfc-queue sim-printer`` / ``python -m hardware_sim.cli``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import zxingcpp
from click.testing import CliRunner
from PIL import Image

from hardware_sim.cli import sim_printer
from printer.device import open_printer
from printer.layouts import build_ticket, render_text
from printer.status import PrinterState
from tests.printer.samples import sample_ticket
from tests.support.processes import spawn

ROOT = Path(__file__).resolve().parents[2]


def test_needs_an_endpoint(tmp_path: Path) -> None:
    result = CliRunner().invoke(sim_printer, ["--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--tcp PORT and/or --pty" in result.output


def test_help_lists_faults() -> None:
    result = CliRunner().invoke(sim_printer, ["--help"])
    assert result.exit_code == 0
    assert "paper-near-end" in result.output and "--width" in result.output


def _start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    process = spawn(
        [sys.executable, "-m", "hardware_sim.cli", "--out", str(tmp_path), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    endpoints: dict[str, str] = {}
    for line in process.stdout:
        key, _, value = line.strip().partition(": ")
        endpoints[key] = value
        if key == "receipts":
            break
    return process, endpoints


def test_prints_over_tcp_and_writes_png_and_text(tmp_path: Path) -> None:
    process, endpoints = _start(tmp_path, "--tcp", "0", "--pty", "--exit-after", "1")
    try:
        assert endpoints["pty"].startswith("/dev/")
        with open_printer(endpoints["tcp"], timeout=10) as printer:
            printer.print_ticket(sample_ticket())
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        process.communicate()
    # Each file was written under a hidden name and renamed whole: none is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["receipt-0001.png", "receipt-0001.txt"]
    text = (tmp_path / "receipt-0001.txt").read_text(encoding="utf-8")
    assert text == render_text(build_ticket(sample_ticket(), 80))[0] + "\n"
    with Image.open(tmp_path / "receipt-0001.png") as image:
        decoded = zxingcpp.read_barcodes(image)
    assert [r.text for r in decoded] == ["https://mfc.example.ru/t/8f3a2c1b"]


def test_starts_with_a_fault(tmp_path: Path) -> None:
    process, endpoints = _start(tmp_path, "--pty", "--fault", "paper-out", "--width", "58")
    try:
        with open_printer(f"serial://{endpoints['pty']}", timeout=10) as printer:
            assert printer.read_status().state is PrinterState.PAPER_OUT
    finally:
        process.terminate()
        process.communicate(timeout=30)
    assert process.returncode == 0
