"""Framing of the ESC/POS byte stream."""

from __future__ import annotations

from escpos.printer import Dummy
from PIL import Image

from hardware_sim.escpos_parser import Command, EscposParser
from printer.layouts import render_intake_receipt
from tests.printer.samples import sample_intake_receipt


def _names(commands: list[Command]) -> list[str]:
    return [c.name for c in commands]


def test_byte_by_byte_gives_the_same_commands_as_one_chunk() -> None:
    data = render_intake_receipt(sample_intake_receipt(), 80)
    whole = EscposParser().feed(data)
    parser = EscposParser()
    pieces: list[Command] = []
    for i in range(len(data)):
        pieces.extend(parser.feed(data[i : i + 1]))
    assert parser.pending == 0
    # Text runs may be split differently; everything else must frame identically.
    assert [c for c in pieces if c.name != "text"] == [c for c in whole if c.name != "text"]
    assert b"".join(c.payload for c in pieces if c.name == "text") == b"".join(
        c.payload for c in whole if c.name == "text"
    )
    assert b"".join(c.raw for c in whole) == data


def test_incomplete_command_waits_for_more_bytes() -> None:
    parser = EscposParser()
    assert parser.feed(b"\x1dv0\x00\x01\x00\x02\x00\xff") == []
    assert parser.pending == 9
    (command,) = parser.feed(b"\x81")
    assert command.name == "raster"
    assert command.params == (0, 1, 2)
    assert command.payload == b"\xff\x81"


def test_raster_image_from_python_escpos_is_framed() -> None:
    printer = Dummy()
    printer.image(Image.new("1", (16, 3), 0), impl="bitImageRaster")
    commands = EscposParser().feed(printer.output)
    raster = [c for c in commands if c.name == "raster"]
    assert len(raster) == 1
    assert raster[0].params == (0, 2, 3)


def test_2d_code_and_barcodes_are_framed_by_their_lengths() -> None:
    data = (
        b"\x1d(k\x04\x001A2\x00"
        + b"\x1dkI\x05{B123"  # CODE128 with a length byte
        + b"\x1dk\x04ABC\x00"  # CODE39, NUL-terminated
        + b"\x1dV\x42\x00"
    )
    commands = EscposParser().feed(data)
    assert _names(commands) == ["gs_paren_k", "barcode", "barcode", "cut"]
    assert commands[1].payload == b"{B123"
    assert commands[2].payload == b"ABC"


def test_status_queries_and_unknown_commands() -> None:
    commands = EscposParser().feed(b"\x10\x04\x04\x1bZ\x07A")
    assert _names(commands) == ["realtime_status", "unknown", "unknown", "text"]
    assert commands[0].params == (4,)
    assert commands[1].raw == b"\x1bZ"


def test_cut_forms() -> None:
    commands = EscposParser().feed(b"\x1dV\x00\x1dV\x01\x1dVA\x10\x1dVB\x00")
    assert _names(commands) == ["cut"] * 4
    assert [c.params[0] for c in commands] == [0, 1, 65, 66]
