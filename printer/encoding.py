"""Cyrillic text for ESC/POS printers: CP866 and the code-page number from the profile.

python-escpos 3.1's ``MagicEncode`` is not used for text: it forgets the selected
code page after ``ESC @`` (the printer falls back to page 0 but the encoder thinks
CP866 is still active) and it orders candidate code pages by their index as a
string ("17" < "2"), so it may switch pages in mid-line. We always print CP866,
select it explicitly with ``ESC t n`` after every ``ESC @``, and replace the few
characters CP866 lacks with close ASCII equivalents.
"""

from __future__ import annotations

import codecs
from functools import lru_cache
from typing import Any

from escpos.capabilities import CAPABILITIES, BaseProfile, get_profile

from printer.exceptions import PrinterConfigError

#: Encoding name used in python-escpos capability profiles for DOS Cyrillic.
CYRILLIC_ENCODING = "CP866"
CYRILLIC_CODEC = "cp866"

# Typographic characters that CP866 has no cell for. Each is replaced with what a
# person would write on a typewriter, so no code-page switch is ever needed
# mid-line and the line length stays predictable for layout.
SUBSTITUTES: dict[str, str] = {
    "«": '"',
    "»": '"',
    "„": '"',
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "‚": "'",
    "—": "-",
    "–": "-",
    "‑": "-",
    "−": "-",
    "…": "...",
    "₽": "руб.",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "×": "x",
    "✓": "+",
    "•": "*",
    "€": "EUR",
    "Ґ": "Г",
    "ґ": "г",
    "І": "I",
    "і": "i",
}

#: What replaces a character that neither CP866 nor SUBSTITUTES know.
REPLACEMENT = "?"


def profile_of(profile: Any = None) -> Any:
    """Return a python-escpos profile object for a name, a profile or None (the default)."""
    if isinstance(profile, BaseProfile):
        return profile
    try:
        return get_profile(profile)
    except KeyError as exc:
        raise PrinterConfigError(f"unknown printer profile {profile!r}") from exc


def cyrillic_codepage(profile: Any = None) -> int:
    """Return the ``ESC t`` number of CP866 in the printer's capability profile.

    Profiles may list CP866 under several slots (e.g. a vendor page and the Epson
    page 17); the lowest slot is taken, compared as a number, not as a string.
    """
    prof = profile_of(profile)
    slots = sorted(int(slot) for slot, name in prof.codePages.items() if name == CYRILLIC_ENCODING)
    if not slots:
        raise PrinterConfigError(
            f"printer profile {prof.profile_data.get('name', profile)!r} has no CP866 code page"
        )
    return slots[0]


def codepage_codecs(profile: Any = None) -> dict[int, str]:
    """Map each ``ESC t`` slot of the profile to a Python codec name, where there is one."""
    prof = profile_of(profile)
    encodings: dict[str, Any] = CAPABILITIES["encodings"]
    table: dict[int, str] = {}
    for slot, name in prof.codePages.items():
        codec = encodings.get(name, {}).get("python_encode")
        if codec:
            try:
                codecs.lookup(codec)
            except LookupError:
                continue
            table[int(slot)] = codec
    return table


@lru_cache(maxsize=4096)
def _printable_char(char: str) -> str:
    """Return what one character becomes on paper in CP866."""
    if ord(char) < 0x80:
        # Control characters would be taken as printer commands; only plain text and
        # line feeds (print the line) pass.
        return char if char.isprintable() or char == "\n" else REPLACEMENT
    try:
        char.encode(CYRILLIC_CODEC)
    except UnicodeEncodeError:
        return SUBSTITUTES.get(char, REPLACEMENT)
    return char


NBSP = "\u00a0"


def printable(text: str, *, keep_nbsp: bool = False) -> str:
    """Return the text exactly as a CP866 printer will show it (substitutions applied).

    With ``keep_nbsp`` no-break spaces survive so that line wrapping can respect
    them ("4\u00a0л." stays together); the caller turns them into spaces afterwards.
    """
    if keep_nbsp:
        return NBSP.join(printable(part) for part in text.split(NBSP))
    return "".join(_printable_char(c) for c in text)


def encode_cp866(text: str) -> bytes:
    """Encode text for the printer in CP866, substituting characters CP866 lacks."""
    return printable(text).encode(CYRILLIC_CODEC)
