"""The virtual printer's command execution, status bytes and faults."""

from __future__ import annotations

import logging

import pytest
from escpos.printer import Dummy
from PIL import Image

from hardware_sim.printer import Fault, VirtualPrinter
from printer.status import PrinterState, is_status_byte, parse_status


def _print(printer: VirtualPrinter, data: bytes) -> bytes:
    return printer.session().receive(data)


def test_esc_at_resets_code_page_and_styles() -> None:
    printer = VirtualPrinter()
    _print(printer, b"\x1bt\x11\x1bE\x01\x1d!\x11\x1ba\x01\x1b@")
    assert (printer.codepage, printer.bold, printer.char_width, printer.align) == (0, False, 1, 0)


def test_text_is_decoded_in_the_selected_code_page() -> None:
    printer = VirtualPrinter()
    _print(printer, b"\x1bt\x11" + "Привет\n".encode("cp866") + b"\x1bt\x2e")
    _print(printer, "Мир\n".encode("cp1251") + b"\x1dV\x00")
    assert printer.receipts[0].text == "Привет\nМир"


def test_a_line_longer_than_the_paper_wraps_like_a_real_printer() -> None:
    printer = VirtualPrinter(width=58)
    _print(printer, b"A" * 40 + b"\n\x1dV\x00")
    assert printer.receipts[0].lines == ["A" * 32, "A" * 8]


def test_double_width_text_fills_half_the_columns() -> None:
    printer = VirtualPrinter(width=58)
    _print(printer, b"\x1d!\x10" + b"B" * 20 + b"\n\x1dV\x00")
    assert printer.receipts[0].lines == ["B" * 16, "B" * 4]


def test_alignment_applies_to_the_printed_line() -> None:
    printer = VirtualPrinter(width=58)
    _print(printer, b"\x1ba\x01ABCD\n\x1ba\x02ABCD\n\x1dV\x00")
    assert printer.receipts[0].lines == [" " * 14 + "ABCD", " " * 28 + "ABCD"]


def test_feed_lines_adds_blank_lines() -> None:
    printer = VirtualPrinter()
    _print(printer, b"A\n\x1bd\x02B\n\x1dV\x00")
    assert printer.receipts[0].lines == ["A", "", "", "B"]


@pytest.mark.parametrize("fault", [None, *Fault])
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_every_status_byte_has_the_fixed_bits(fault: Fault | None, n: int) -> None:
    printer = VirtualPrinter()
    if fault is not None:
        printer.set_fault(fault)
    value = printer.status_byte(n)
    assert value is not None and is_status_byte(value)


@pytest.mark.parametrize(
    ("fault", "state"),
    [
        (None, PrinterState.READY),
        (Fault.PAPER_NEAR_END, PrinterState.PAPER_NEAR_END),
        (Fault.PAPER_OUT, PrinterState.PAPER_OUT),
        (Fault.COVER_OPEN, PrinterState.COVER_OPEN),
        (Fault.CUTTER_ERROR, PrinterState.ERROR),
    ],
)
def test_status_bytes_parse_back_to_the_fault(fault: Fault | None, state: PrinterState) -> None:
    printer = VirtualPrinter()
    if fault is not None:
        printer.set_fault(fault)
    replies = _print(printer, b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04")
    assert len(replies) == 4
    assert parse_status(dict(zip((1, 2, 3, 4), replies, strict=True))).state is state


def test_paper_near_end_uses_the_0x0c_bits_and_paper_out_the_0x60_bits() -> None:
    printer = VirtualPrinter()
    printer.set_fault(Fault.PAPER_NEAR_END)
    assert printer.status_byte(4) == 0x12 | 0x0C
    printer.set_fault(Fault.PAPER_NEAR_END, False)
    printer.set_fault(Fault.PAPER_OUT)
    assert printer.status_byte(4) == 0x12 | 0x0C | 0x60


def test_silent_printer_never_answers() -> None:
    printer = VirtualPrinter()
    printer.set_fault(Fault.SILENT)
    assert _print(printer, b"\x10\x04\x01") == b""


def test_blocked_printer_answers_status_but_holds_print_data() -> None:
    printer = VirtualPrinter()
    printer.set_fault(Fault.COVER_OPEN)
    session = printer.session()
    assert session.receive(b"A\n\x1dV\x00\x10\x04\x02") == bytes([0x16])
    assert printer.receipts == []
    assert printer.held_commands == 3
    printer.clear_faults()
    assert printer.receipts[0].text == "A"


def test_unknown_command_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    printer = VirtualPrinter()
    with caplog.at_level(logging.WARNING, logger="hardware_sim.printer"):
        _print(printer, b"\x1bZA\n\x1dV\x00")
    assert printer.unknown_commands == [b"\x1bZ"]
    assert "unknown command: 1b 5a" in caplog.text
    assert printer.receipts[0].text == "A"


def test_codepage_outside_the_profile_is_reported() -> None:
    printer = VirtualPrinter()
    _print(printer, b"\x1bt\xc8\x80\n\x1dV\x00")
    assert printer.receipts[0].text == "?"
    assert any("200" in p for p in printer.problems)


def test_python_escpos_graphics_column_images_and_barcodes_are_printed() -> None:
    dummy = Dummy()
    dummy.set(align="center")
    dummy.image(Image.new("1", (24, 8), 0), impl="graphics")
    dummy.image(Image.new("1", (24, 8), 0), impl="bitImageColumn")
    dummy.barcode("{B12-34", "CODE128", function_type="B", pos="BELOW")
    dummy.cut()
    printer = VirtualPrinter()
    _print(printer, dummy.output)
    assert printer.problems == []
    (receipt,) = printer.receipts
    kinds = [image.kind for image in receipt.images]
    assert kinds == ["graphics", "column", "barcode"]
    # The human-readable line under the barcode is printed text.
    assert receipt.text.strip() == "12-34"


def test_native_qr_from_python_escpos_becomes_an_image_with_its_data() -> None:
    dummy = Dummy()
    dummy.qr("https://mfc.example.ru/t/1", native=True, size=4)
    dummy.cut()
    printer = VirtualPrinter()
    _print(printer, dummy.output)
    (receipt,) = printer.receipts
    (qr,) = receipt.images
    assert (qr.kind, qr.data) == ("qr", "https://mfc.example.ru/t/1")
    assert qr.image.width % 4 == 0
