"""CP866 text and the code-page number from python-escpos capability profiles."""

from __future__ import annotations

import pytest
from escpos.capabilities import get_profile
from escpos.magicencode import Encoder
from escpos.printer import Dummy

from printer.encoding import (
    codepage_codecs,
    cyrillic_codepage,
    encode_cp866,
    printable,
    profile_of,
)
from printer.exceptions import PrinterConfigError
from printer.transports import CyrillicEscpos

ESC_INIT = b"\x1b@"


def test_default_profile_puts_cp866_in_slot_17() -> None:
    assert cyrillic_codepage(None) == 17
    assert cyrillic_codepage("TM-T20II") == 17


def test_lowest_cp866_slot_is_chosen_numerically_not_as_a_string() -> None:
    slots = [s for s, name in get_profile("CT-S651").codePages.items() if name == "CP866"]
    # As strings "17" sorts before "7"; the printer's lowest slot is 7.
    assert sorted(slots) == ["17", "7"]
    assert cyrillic_codepage("CT-S651") == 7


def test_profile_without_cp866_is_a_config_error() -> None:
    with pytest.raises(PrinterConfigError, match="no CP866"):
        cyrillic_codepage("simple")


def test_unknown_profile_is_a_config_error() -> None:
    with pytest.raises(PrinterConfigError, match="unknown printer profile"):
        profile_of("no-such-printer")


def test_profile_objects_are_accepted_as_well_as_names() -> None:
    assert cyrillic_codepage(get_profile("TM-T88V")) == 17


def test_codepage_table_maps_slots_to_python_codecs() -> None:
    table = codepage_codecs("default")
    assert table[0] == "cp437"
    assert table[17] == "cp866"
    assert table[46] == "cp1251"


def test_typographic_characters_cp866_lacks_are_replaced() -> None:
    assert printable("«Мои документы» — 15 мин…") == '"Мои документы" - 15 мин...'
    assert printable("Оплата 500 ₽") == "Оплата 500 руб."


def test_characters_cp866_has_are_kept() -> None:
    # № and Ё/ё have their own cells in CP866 (0xFC, 0xF0, 0xF1).
    assert printable("№ Ёё") == "№ Ёё"
    assert encode_cp866("№Ёё") == b"\xfc\xf0\xf1"


def test_unmappable_and_control_characters_become_question_marks() -> None:
    # A control byte in text would be executed by the printer as a command.
    assert printable("a\x1bb☺") == "a?b?"


def test_line_feeds_pass_as_text() -> None:
    assert printable("Строка\n") == "Строка\n"


def test_encoded_cyrillic_round_trips_through_cp866() -> None:
    text = "Съешь же ещё этих мягких французских булок"
    assert encode_cp866(text).decode("cp866") == text


def test_python_escpos_magic_encoder_loses_codepage_after_init() -> None:
    """Why printer does its own encoding: python-escpos 3.1 sends no ESC t after ESC @."""
    printer = Dummy()
    printer.text("Привет\n")
    printer.hw("INIT")
    printer.text("Мир\n")
    after_init = printer.output.split(ESC_INIT, 1)[1]
    assert b"\x1bt" not in after_init


def test_python_escpos_encoder_orders_codepages_as_strings() -> None:
    """Why the slot comes from the profile, not from MagicEncode's search."""
    encoder = Encoder({"CP866": "17", "CP1251": "2"})
    # Both encode Cyrillic; slot "17" < "2" as strings although 2 < 17 as numbers.
    assert encoder.find_suitable_encoding("Ж") == "CP866"


class _Capture(CyrillicEscpos):
    def __init__(self) -> None:
        super().__init__()
        self.setup_cyrillic("default")
        self.sent = bytearray()

    def _raw(self, msg: bytes) -> None:
        self.sent += msg


def test_cyrillic_escpos_reselects_cp866_after_every_init() -> None:
    printer = _Capture()
    printer.text("Привет\n")
    printer.hw("INIT")
    printer.text("Мир\n")
    assert bytes(printer.sent) == (
        b"\x1bt\x11" + encode_cp866("Привет\n") + b"\x1b@\x1bt\x11" + encode_cp866("Мир\n")
    )
