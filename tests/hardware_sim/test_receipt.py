"""Receipts rendered to PNG, read back by an independent decoder (zxing-cpp)."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageFont

from hardware_sim.endpoints import SimulatedPrinter
from hardware_sim.receipt import find_font_file
from printer.device import open_printer
from tests.printer.samples import sample_intake_receipt, sample_ticket
from tests.support.patience import DEVICE_SECONDS

WAIT = DEVICE_SECONDS


def _decode(path: Path) -> list[tuple[str, str]]:
    with Image.open(path) as image:
        return [(r.format.name, r.text) for r in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("width", [80, 58])
@pytest.mark.parametrize("profile", ["default", "POS-5890"])  # native QR / raster QR
def test_ticket_qr_in_the_png_decodes_to_the_status_url(
    tmp_path: Path, width: int, profile: str
) -> None:
    with SimulatedPrinter(width=width, tcp_port=0, profile=profile) as sim:
        with open_printer(sim.tcp_url, width=width, profile=profile, timeout=WAIT) as printer:
            printer.print_ticket(sample_ticket())
        (receipt,) = sim.printer.wait_for_receipts(1, WAIT)
    png = receipt.save_png(tmp_path / "ticket.png")
    with Image.open(png) as image:
        assert image.width == {80: 576, 58: 384}[width]
    assert _decode(png) == [("QRCode", "https://mfc.example.ru/t/8f3a2c1b")]


def test_intake_receipt_png_carries_registration_number_as_qr_and_code128(
    tmp_path: Path,
) -> None:
    with SimulatedPrinter(width=80, pty=True) as sim:
        with open_printer(sim.serial_url, timeout=WAIT) as printer:
            printer.print_intake_receipt(sample_intake_receipt())
        applicant, office = sim.printer.wait_for_receipts(2, WAIT)
    for receipt in (applicant, office):
        decoded = sorted(_decode(receipt.save_png(tmp_path / "intake.png")))
        assert decoded == [("Code128", "12-2025/000123"), ("QRCode", "12-2025/000123")]


def test_the_rendering_font_has_cyrillic() -> None:
    path = find_font_file(bold=False)
    assert path is not None, "install fonts-dejavu-core"
    font = ImageFont.truetype(path, 20)
    # A missing glyph is drawn as the font's .notdef box, like this private-use one.
    notdef = bytes(font.getmask("\U000f0000"))
    for letter in "ЖЩЁ№":
        assert bytes(font.getmask(letter)) != notdef, letter


def test_rendered_text_has_ink_where_the_text_is() -> None:
    with SimulatedPrinter(sim_name="ink-test") as sim:
        with open_printer(sim.sim_url) as printer:
            printer.send(b"\x1b@\x1bt\x11" + "ЖЖЖЖ\n".encode("cp866") + b"\x1dV\x00")
        (receipt,) = sim.printer.wait_for_receipts(1, WAIT)
    image = receipt.render(margin=0)
    assert image.height == 30
    left = image.crop((0, 0, 48, 30))
    right = image.crop((48, 0, 576, 30))
    assert left.getextrema()[0] == 0  # black dots under the letters
    assert right.getextrema() == (255, 255)  # nothing after them


def test_committed_doc_images_decode_to_the_sample_data() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "img"
    assert _decode(docs / "ticket-80mm.png") == [("QRCode", "https://mfc.example.ru/t/8f3a2c1b")]
    assert ("QRCode", "12-2025/000123") in _decode(docs / "intake-receipt-80mm.png")
