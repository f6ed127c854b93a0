"""Parsing DLE EOT replies into a printer state."""

from __future__ import annotations

import pytest

from printer.exceptions import (
    CoverOpen,
    PaperOut,
    PrinterError,
    PrinterFault,
    PrinterOffline,
    StatusUnknown,
)
from printer.status import PrinterState, is_status_byte, parse_status

READY = {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}


def test_all_fixed_bits_only_is_ready() -> None:
    status = parse_status(READY)
    assert status.state is PrinterState.READY
    assert status.can_print
    assert status.warnings == []


@pytest.mark.parametrize("near_end_bits", [0x04, 0x08, 0x0C])
def test_either_near_end_bit_means_paper_near_end(near_end_bits: int) -> None:
    status = parse_status({**READY, 4: 0x12 | near_end_bits})
    assert status.state is PrinterState.PAPER_NEAR_END
    assert status.can_print
    assert status.warnings == ["paper_near_end"]


@pytest.mark.parametrize("out_bits", [0x20, 0x40, 0x60])
def test_paper_end_bits_mean_paper_out(out_bits: int) -> None:
    status = parse_status({1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x12 | 0x0C | out_bits})
    assert status.state is PrinterState.PAPER_OUT
    assert not status.can_print


def test_paper_out_beats_near_end_and_offline() -> None:
    status = parse_status({1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x7E})
    assert status.paper_out and status.paper_near_end and status.online is False
    assert status.state is PrinterState.PAPER_OUT


def test_cover_open() -> None:
    status = parse_status({1: 0x1A, 2: 0x16, 3: 0x12, 4: 0x12})
    assert status.state is PrinterState.COVER_OPEN


def test_cutter_error() -> None:
    status = parse_status({1: 0x1A, 2: 0x52, 3: 0x1A, 4: 0x12})
    assert status.state is PrinterState.ERROR


def test_offline_without_a_cause() -> None:
    assert parse_status({**READY, 1: 0x1A}).state is PrinterState.OFFLINE


def test_missing_reply_is_unknown_never_paper_ok() -> None:
    status = parse_status({1: 0x12, 2: 0x12, 3: 0x12, 4: None}, problem="no reply")
    assert status.paper_out is None
    assert status.state is PrinterState.UNKNOWN
    assert not status.can_print


@pytest.mark.parametrize("bad", [0x00, 0xFF, 0x13, 0x92])
def test_bytes_without_the_fixed_bits_are_not_status_replies(bad: int) -> None:
    assert not is_status_byte(bad)
    status = parse_status({**READY, 4: bad})
    assert status.state is PrinterState.UNKNOWN
    assert status.problem is not None and "malformed reply to DLE EOT 4" in status.problem


@pytest.mark.parametrize(
    ("replies", "error"),
    [
        ({1: 0x1A, 2: 0x16, 3: 0x12, 4: 0x12}, CoverOpen),
        ({1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x7E}, PaperOut),
        ({1: 0x1A, 2: 0x52, 3: 0x1A, 4: 0x12}, PrinterFault),
        ({**READY, 1: 0x1A}, PrinterOffline),
        ({1: None}, StatusUnknown),
    ],
)
def test_raise_for_state_maps_each_state_to_its_exception(
    replies: dict[int, int | None], error: type[PrinterError]
) -> None:
    with pytest.raises(error):
        parse_status(replies).raise_for_state()


def test_raise_for_state_passes_a_printable_state() -> None:
    parse_status({**READY, 4: 0x1E}).raise_for_state()
