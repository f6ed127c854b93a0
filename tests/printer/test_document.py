"""Document building, wrapping, and encoding to ESC/POS."""

from __future__ import annotations

import pytest

from printer.commands import Align
from printer.document import (
    Document,
    QrBlock,
    Span,
    TextStyle,
    paper_for,
    to_escpos,
    to_lines,
    to_text,
    wrap,
)
from printer.exceptions import PrinterConfigError


def test_paper_widths() -> None:
    assert paper_for(80).columns == 48
    assert paper_for(58).columns == 32
    with pytest.raises(PrinterConfigError):
        paper_for(76)


def test_wrap_breaks_at_words_and_splits_overlong_words() -> None:
    assert wrap("один два три", 8) == ["один два", "три"]
    assert wrap("абвгдежзий", 4) == ["абвг", "дежз", "ий"]


def test_no_break_space_keeps_a_number_with_its_unit() -> None:
    doc = Document(paper_for(58)).item("1.", "Договор купли-продажи квартиры, 4\u00a0л.")
    assert to_lines(doc.blocks, doc.paper) == ["1. Договор купли-продажи", "   квартиры, 4 л."]


def test_field_continues_a_long_value_indented() -> None:
    doc = Document(paper_for(58)).field("Услуга", "Государственная регистрация прав")
    assert to_lines(doc.blocks, doc.paper) == ["Услуга:", "  Государственная регистрация", "  прав"]


def test_centre_and_right_alignment_pad_with_spaces() -> None:
    doc = Document(paper_for(58))
    doc.line("АБВГ", align=Align.CENTER).line("АБВГ", align=Align.RIGHT)
    doc.line("АБ", align=Align.CENTER, size=2)
    assert to_lines(doc.blocks, doc.paper) == [
        " " * 14 + "АБВГ",
        " " * 28 + "АБВГ",
        " " * 14 + "АБ",
    ]


def test_columns_pair_puts_values_flush_right() -> None:
    doc = Document(paper_for(58)).columns_pair("Выдан:", "21.11.2025 09:15")
    assert to_lines(doc.blocks, doc.paper) == ["Выдан:" + " " * 10 + "21.11.2025 09:15"]


def test_spans_wider_than_the_paper_are_rejected() -> None:
    with pytest.raises(ValueError, match="too wide"):
        Document(paper_for(58)).spans(Span("Ж" * 17, TextStyle(width=2)))


def test_every_receipt_starts_with_init_and_cp866() -> None:
    doc = Document(paper_for(80)).line("Первый").cut().line("Второй").cut()
    data = to_escpos(doc)
    assert data.startswith(b"\x1b@\x1bt\x11")
    assert data.count(b"\x1b@") == 2
    assert data.count(b"\x1b@\x1bt\x11") == 2
    assert to_text(doc) == ["Первый", "Второй"]


def test_codepage_number_follows_the_profile() -> None:
    data = to_escpos(Document(paper_for(80)).line("Ж").cut(), "CT-S651")
    assert data.startswith(b"\x1b@\x1bt\x07")


def test_qr_is_native_when_the_profile_supports_it_and_raster_otherwise() -> None:
    doc = Document(paper_for(58)).qr("https://mfc.example.ru/t/1").cut()
    assert b"\x1d(k" in to_escpos(doc, "default")
    fallback = to_escpos(doc, "POS-5890")
    assert b"\x1d(k" not in fallback
    assert b"\x1dv0" in fallback


def test_styles_are_switched_only_when_they_change() -> None:
    doc = Document(paper_for(80)).line("А", bold=True).line("Б", bold=True).cut()
    data = to_escpos(doc)
    # on and off for each line: style returns to plain at every line end
    assert data.count(b"\x1bE\x01") == 2
    assert data.count(b"\x1bE\x00") == 2


def test_qr_block_is_sized_for_the_paper() -> None:
    doc80 = Document(paper_for(80)).qr("x")
    doc58 = Document(paper_for(58)).qr("x")
    assert isinstance(doc80.blocks[0], QrBlock) and doc80.blocks[0].module_size == 6
    assert isinstance(doc58.blocks[0], QrBlock) and doc58.blocks[0].module_size == 5


def test_barcode_is_left_out_when_it_cannot_fit_or_encode() -> None:
    assert Document(paper_for(80)).barcode("12-2025/000123").blocks
    assert not Document(paper_for(58)).barcode("12-2025/000123").blocks
    assert not Document(paper_for(80)).barcode("МФЦ-1").blocks
