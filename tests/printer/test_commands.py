"""ESC/POS command bytes."""

from __future__ import annotations

import pytest
from PIL import Image

from printer import commands
from printer.commands import Align, QrErrorLevel


def test_init_always_reselects_the_code_page() -> None:
    assert commands.init(17) == b"\x1b@\x1bt\x11"


def test_char_size_packs_width_and_height() -> None:
    assert commands.char_size(1, 1) == b"\x1d!\x00"
    assert commands.char_size(8, 8) == b"\x1d!\x77"
    assert commands.char_size(2, 3) == b"\x1d!\x12"


@pytest.mark.parametrize(("width", "height"), [(0, 1), (9, 1), (1, 9)])
def test_char_size_outside_1_to_8_is_rejected(width: int, height: int) -> None:
    with pytest.raises(ValueError):
        commands.char_size(width, height)


def test_status_query_only_for_n_1_to_4() -> None:
    assert commands.status_query(4) == b"\x10\x04\x04"
    with pytest.raises(ValueError):
        commands.status_query(5)


def test_raster_image_packs_black_pixels_msb_first_and_pads_rows() -> None:
    image = Image.new("1", (10, 2), 1)
    image.putpixel((0, 0), 0)
    image.putpixel((9, 0), 0)
    image.putpixel((1, 1), 0)
    data = commands.raster_image(image)
    assert data[:8] == b"\x1dv0\x00" + bytes([2, 0, 2, 0])
    assert data[8:] == bytes([0x80, 0x40, 0x40, 0x00])


def test_native_qr_frames_each_function_with_its_length() -> None:
    data = commands.qr_native("https://x.ru/t/1", 6, QrErrorLevel.M)
    store = b"\x1d(k" + (len("https://x.ru/t/1") + 3).to_bytes(2, "little") + b"1P0"
    assert store + b"https://x.ru/t/1" in data
    assert data.endswith(b"\x1d(k\x03\x001Q0")
    assert b"\x1d(k\x03\x001C\x06" in data


def test_code128_takes_printable_ascii_only() -> None:
    assert commands.barcode_code128("12-2025/1").endswith(b"\x1dkI\x0b{B12-2025/1")
    with pytest.raises(ValueError):
        commands.barcode_code128("№12")


def test_align_values() -> None:
    assert commands.align(Align.CENTER) == b"\x1ba\x01"
