"""Ticket, intake receipt and issuance receipt layouts."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from printer.layouts import (
    COPY_APPLICANT,
    COPY_OFFICE,
    build_intake_receipt,
    build_issuance_receipt,
    build_ticket,
    plural,
    render_lines,
    render_text,
    render_ticket,
)
from tests.printer.samples import sample_intake_receipt, sample_issuance_receipt, sample_ticket

TICKET_80 = """\
    МФЦ "Мои документы" Центрального района
------------------------------------------------
                     ТАЛОН
        А015
        Регистрация по месту жительства

Выдан:                          21.11.2025 09:15
Перед вами:                           3 человека
Ожидание:                               ~12 мин.


           Статус талона - по QR-коду
------------------------------------------------
     Ожидание в очереди - не более 15 минут"""

TICKET_58 = """\
МФЦ "Мои документы" Центрального
             района
--------------------------------
             ТАЛОН
А015
Регистрация по месту жительства

Выдан:          21.11.2025 09:15
Перед вами:           3 человека
Ожидание:               ~12 мин.


   Статус талона - по QR-коду
--------------------------------
Ожидание в очереди - не более 15
             минут"""


def test_ticket_text_on_80_mm() -> None:
    assert render_text(build_ticket(sample_ticket(), 80)) == [TICKET_80]


def test_ticket_text_on_58_mm() -> None:
    assert render_text(build_ticket(sample_ticket(), 58)) == [TICKET_58]


@pytest.mark.parametrize(("width", "size_byte"), [(80, 0x77), (58, 0x77)])
def test_ticket_number_is_printed_in_the_largest_size_that_fits(width: int, size_byte: int) -> None:
    data = render_ticket(sample_ticket(), width)
    assert b"\x1d!" + bytes([size_byte]) + "А015".encode("cp866") in data


def test_long_ticket_number_shrinks_to_fit() -> None:
    data = render_ticket(replace(sample_ticket(), number="ВИП-0015"), 58)
    # 8 characters on 384 dots: 4x magnification (8 * 12 * 4 = 384)
    assert b"\x1d!\x33" + "ВИП-0015".encode("cp866") in data


def test_ticket_footer_is_configurable_and_optional() -> None:
    custom = render_lines(build_ticket(replace(sample_ticket(), footer="Хорошего дня"), 80))
    assert custom[-1].strip() == "Хорошего дня"
    bare = render_lines(build_ticket(replace(sample_ticket(), footer=""), 80))
    assert bare[-1].strip() == "Статус талона - по QR-коду"


@pytest.mark.parametrize("width", [80, 58])
def test_a_priority_ticket_names_its_category_for_the_clerk(width: int) -> None:
    ticket = replace(sample_ticket(), priority_category="Беременные женщины")
    lines = [line.strip() for line in render_lines(build_ticket(ticket, width))]
    assert "Льгота: Беременные женщины" in lines
    plain = [line.strip() for line in render_lines(build_ticket(sample_ticket(), width))]
    assert not any(line.startswith("Льгота") for line in plain)


def test_ticket_wait_is_rounded_up_and_optional() -> None:
    lines = render_lines(
        build_ticket(replace(sample_ticket(), estimated_wait=timedelta(seconds=61)), 80)
    )
    assert lines[8].endswith("~2 мин.")
    lines = render_lines(build_ticket(replace(sample_ticket(), estimated_wait=None), 80))
    assert not any(line.startswith("Ожидание:") for line in lines)


def test_with_no_open_window_the_ticket_says_so_instead_of_a_wait() -> None:
    closed = replace(sample_ticket(), estimated_wait=None, no_open_window=True)
    lines = render_lines(build_ticket(closed, 80))
    [line] = [line for line in lines if line.startswith("Ожидание:")]
    assert line.endswith("окна сейчас закрыты") and "мин" not in line


def test_ticket_carries_the_status_url_in_a_qr_code() -> None:
    data = render_ticket(sample_ticket(), 80)
    assert b"1P0https://mfc.example.ru/t/8f3a2c1b" in data


@pytest.mark.parametrize(
    ("n", "word"),
    [
        (1, "человек"),
        (3, "человека"),
        (5, "человек"),
        (11, "человек"),
        (22, "человека"),
        (14, "человек"),
    ],
)
def test_plural(n: int, word: str) -> None:
    assert plural(n, "человек", "человека", "человек") == word


@pytest.mark.parametrize("width", [80, 58])
def test_intake_receipt_is_two_copies_labelled_for_applicant_and_office(width: int) -> None:
    applicant, office = render_text(build_intake_receipt(sample_intake_receipt(), width))
    assert COPY_APPLICANT in applicant and COPY_OFFICE not in applicant
    assert COPY_OFFICE in office and COPY_APPLICANT not in office
    assert applicant.replace(COPY_APPLICANT, COPY_OFFICE) != office  # different centring
    assert applicant.split("\n")[6:] == office.split("\n")[6:]


def test_intake_receipt_lists_documents_with_original_copy_and_sheets() -> None:
    text, _office_copy = render_text(build_intake_receipt(sample_intake_receipt(), 80))
    for expected in (
        "Рег. номер: 12-2025/000123",
        "Дата и время: 21.11.2025 10:42",
        "Заявитель: Иванов Иван Иванович",
        "1. Заявление о государственной регистрации -",
        "   оригинал, 2 л.",
        "2. Паспорт гражданина РФ - копия, 2 л.",
        "3. Договор купли-продажи квартиры - оригинал,",
        "   2 экз. по 4 л.",
        "4. Доверенность представителя - копия, 1 л.",
        "Всего: 4 документа, 13 листов",
        "Срок предоставления услуги: до 05.12.2025",
        "Документы принял: Петрова А. С.",
    ):
        assert expected in text.split("\n"), expected


def test_intake_receipt_has_qr_and_barcode_of_the_registration_number() -> None:
    from printer.layouts import render_intake_receipt

    data = render_intake_receipt(sample_intake_receipt(), 80)
    assert data.count(b"1P012-2025/000123") == 2
    assert data.count(b"\x1dkI\x10{B12-2025/000123") == 2


def test_issuance_receipt_has_case_items_and_signature_lines() -> None:
    (text,) = render_text(build_issuance_receipt(sample_issuance_receipt(), 58))
    lines = text.split("\n")
    assert "Дело №: 12-2025/000123" in lines
    assert "Дата выдачи: 03.12.2025 16:05" in lines
    assert "1. Выписка из ЕГРН об основных" in lines
    assert "______________ / ______________" in lines
    assert "Выдал: Кузнецов Д. В." in lines


def test_render_lines_flattens_all_receipts() -> None:
    doc = build_intake_receipt(sample_intake_receipt(), 80)
    assert render_lines(doc) == "\n".join(render_text(doc)).split("\n")
