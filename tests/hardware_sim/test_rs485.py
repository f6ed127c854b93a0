"""The virtual RS-485 bus: LED displays and call keypads."""

from __future__ import annotations

import pytest
import serial

from hardware_sim.rs485 import (
    Frame,
    FrameError,
    FrameReader,
    Key,
    VirtualRs485Bus,
    encode_display_frame,
    encode_key_frame,
    encode_rating_frame,
)
from tests.support.patience import DEVICE_SECONDS

WAIT = DEVICE_SECONDS


def test_display_frame_bytes() -> None:
    assert encode_display_frame(3, "А015") == b"\x01\x03" + "А015".encode("cp1251") + b"\x07"


def test_key_frame_bytes() -> None:
    assert encode_key_frame(12, Key.CALL_NEXT) == b"\x01\x0cN\x07"


def test_key_codes_are_distinct_readable_letters() -> None:
    assert {chr(k) for k in Key} == {"N", "R", "S", "F", "X"}


@pytest.mark.parametrize("address", [0, 255])
def test_address_range(address: int) -> None:
    with pytest.raises(FrameError):
        encode_display_frame(address, "x")


def test_text_too_long_or_with_frame_bytes_is_rejected() -> None:
    with pytest.raises(FrameError):
        encode_display_frame(1, "x" * 65)
    with pytest.raises(FrameError):
        encode_display_frame(1, "a\x07b")


def test_reader_reassembles_split_frames_and_skips_junk() -> None:
    reader = FrameReader()
    data = b"zz" + encode_display_frame(7, "Окно 7") + encode_key_frame(7, Key.FINISH)
    frames: list[Frame] = []
    for i in range(len(data)):
        frames.extend(reader.feed(data[i : i + 1]))
    assert [(f.address, f.text) for f in frames] == [(7, "Окно 7"), (7, "F")]
    assert frames[1].key is Key.FINISH
    assert reader.junk_bytes == 2


def test_address_equal_to_bel_is_positional() -> None:
    (frame,) = FrameReader().feed(encode_display_frame(7, "Б"))
    assert (frame.address, frame.text) == (7, "Б")


def test_driver_writes_displays_and_reads_keypads_through_the_pty() -> None:
    with VirtualRs485Bus(display_addresses=[1, 2]) as bus:
        with serial.Serial(bus.path, 9600, timeout=WAIT) as port:
            # The frame to no one goes first: the bus reads frames in order, so once the
            # displays show theirs, it has been seen (last, it raced the assertion below).
            port.write(encode_display_frame(9, "никому"))
            port.write(encode_display_frame(1, "А015 окно 1"))
            port.write(encode_display_frame(2, "Б003"))
            assert bus.wait_for_display(1, "А015 окно 1", WAIT)
            assert bus.wait_for_display(2, "Б003", WAIT)
            bus.press(2, Key.CALL_NEXT)
            bus.press(1, Key.NO_SHOW)
            frames = FrameReader().feed(port.read(8))
        assert [(f.address, f.key) for f in frames] == [(2, Key.CALL_NEXT), (1, Key.NO_SHOW)]
        assert bus.display_text(3) is None
        assert [f.address for f in bus.frames_to_absent] == [9]


def test_empty_display_frame_blanks_the_display() -> None:
    with (
        VirtualRs485Bus(display_addresses=[4]) as bus,
        serial.Serial(bus.path, timeout=WAIT) as port,
    ):
        port.write(encode_display_frame(4, "В010"))
        assert bus.wait_for_display(4, "В010", WAIT)
        port.write(encode_display_frame(4, ""))
        assert bus.wait_for_display(4, "", WAIT)


def test_rating_keypad_frame_carries_five_marks_r8() -> None:
    """R8: the applicant's rating keypad sends V and five digits (0 for a mark left out)."""
    assert encode_rating_frame(7, [5, 4, None, 2, 1]) == b"\x01\x07V54021\x07"
    with pytest.raises(FrameError):
        encode_rating_frame(7, [6, 4, 3, 2, 1])
    with pytest.raises(FrameError):
        encode_rating_frame(7, [5, 4])
