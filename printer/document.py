"""A printed document as plain data: lines of styled text, QR codes, barcodes, feeds, cuts.

Layouts build a :class:`Document`; :func:`to_escpos` turns it into printer bytes and
:func:`to_lines` into the text a person reads on the paper, so the kiosk can show
the same ticket on screen that the printer prints.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import qrcode
import qrcode.constants

from printer import commands
from printer.commands import Align, QrErrorLevel
from printer.encoding import NBSP, cyrillic_codepage, encode_cp866, printable, profile_of
from printer.exceptions import PrinterConfigError

#: Width of one font-A character cell in dots; the layouts use font A only.
CHAR_DOTS = 12
#: Narrowest CODE128 module ``GS w`` allows (2 dots = 0.25 mm at 203 dpi).
BARCODE_MODULE = 2


@dataclass(frozen=True)
class PaperSpec:
    """Printable width of a paper roll."""

    width_mm: int
    dots: int

    @property
    def columns(self) -> int:
        """Font-A characters per line at normal size."""
        return self.dots // CHAR_DOTS

    @property
    def qr_module(self) -> int:
        """QR module size in dots that keeps the code scannable and within the paper."""
        return 6 if self.dots >= 512 else 5


PAPERS: dict[int, PaperSpec] = {
    80: PaperSpec(80, 576),  # 72 mm printable at 203 dpi: 48 columns
    58: PaperSpec(58, 384),  # 48 mm printable at 203 dpi: 32 columns
}


def paper_for(width_mm: int) -> PaperSpec:
    """Return the paper spec for 80 or 58 mm rolls."""
    try:
        return PAPERS[width_mm]
    except KeyError:
        raise PrinterConfigError(f"paper width must be 80 or 58 mm, got {width_mm}") from None


@dataclass(frozen=True)
class TextStyle:
    """Character attributes that ESC/POS can switch per span."""

    bold: bool = False
    underline: bool = False
    invert: bool = False
    width: int = 1
    height: int = 1


PLAIN = TextStyle()


@dataclass(frozen=True)
class Span:
    """A run of text with one style; ``text`` is already CP866-printable."""

    text: str
    style: TextStyle = PLAIN


@dataclass(frozen=True)
class TextLine:
    """One printed line (never longer than the paper)."""

    spans: tuple[Span, ...]
    align: Align = Align.LEFT

    @property
    def dots(self) -> int:
        """Width of the line's characters in dots."""
        return sum(len(s.text) * CHAR_DOTS * s.style.width for s in self.spans)

    @property
    def text(self) -> str:
        """The characters of the line without alignment padding."""
        return "".join(s.text for s in self.spans)


@dataclass(frozen=True)
class QrBlock:
    """A QR code, printed centred or aligned like a line."""

    data: str
    module_size: int
    level: QrErrorLevel = QrErrorLevel.M
    align: Align = Align.CENTER


@dataclass(frozen=True)
class BarcodeBlock:
    """A CODE128 barcode (printable ASCII), no human-readable line under it."""

    data: str
    height: int = 80
    module_width: int = 2
    align: Align = Align.CENTER


@dataclass(frozen=True)
class Feed:
    """Blank lines."""

    lines: int = 1


@dataclass(frozen=True)
class Cut:
    """Feed to the cutter and cut; ends one receipt."""

    partial: bool = True


Block = TextLine | QrBlock | BarcodeBlock | Feed | Cut


@dataclass
class Document:
    """A sequence of blocks laid out for one paper width."""

    paper: PaperSpec
    blocks: list[Block] = field(default_factory=list)

    # -- building ---------------------------------------------------------------

    def line(
        self,
        text: str = "",
        *,
        align: Align = Align.LEFT,
        bold: bool = False,
        size: int = 1,
        underline: bool = False,
        invert: bool = False,
    ) -> Document:
        """Add text, wrapped at word boundaries to the paper width at this size."""
        style = TextStyle(bold=bold, underline=underline, invert=invert, width=size, height=size)
        for chunk in wrap(printable(text, keep_nbsp=True), self.paper.columns // size):
            self.blocks.append(TextLine((Span(chunk, style),) if chunk else (), align))
        return self

    def spans(self, *spans: Span, align: Align = Align.LEFT) -> Document:
        """Add one line made of several styled spans (caller keeps it within the width)."""
        line = TextLine(tuple(Span(printable(s.text), s.style) for s in spans), align)
        if line.dots > self.paper.dots:
            raise ValueError(f"line too wide for {self.paper.width_mm} mm paper: {line.text!r}")
        self.blocks.append(line)
        return self

    def field(self, label: str, value: str, *, bold_value: bool = False) -> Document:
        """Add "label: value"; a value that does not fit continues indented on the next lines."""
        label_text = printable(label) + ": "
        value_text = printable(value, keep_nbsp=True)
        columns = self.paper.columns
        value_style = TextStyle(bold=bold_value)
        if len(label_text) + len(value_text) <= columns:
            value_text = value_text.replace(NBSP, " ")
            self.blocks.append(TextLine((Span(label_text), Span(value_text, value_style))))
            return self
        self.blocks.append(TextLine((Span(label_text.rstrip()),)))
        for chunk in wrap(value_text, columns - 2):
            self.blocks.append(TextLine((Span("  "), Span(chunk, value_style))))
        return self

    def columns_pair(self, left: str, right: str) -> Document:
        """Add a line with ``left`` flush left and ``right`` flush right."""
        left_text, right_text = printable(left), printable(right)
        gap = self.paper.columns - len(left_text) - len(right_text)
        if gap < 1:
            self.line(left)
            self.line(right, align=Align.RIGHT)
        else:
            self.blocks.append(TextLine((Span(left_text + " " * gap + right_text),)))
        return self

    def item(self, marker: str, text: str) -> Document:
        """Add a list item whose continuation lines hang under the text, not the marker."""
        marker_text = printable(marker) + " "
        chunks = wrap(printable(text, keep_nbsp=True), self.paper.columns - len(marker_text))
        for i, chunk in enumerate(chunks):
            prefix = marker_text if i == 0 else " " * len(marker_text)
            self.blocks.append(TextLine((Span(prefix + chunk),)))
        return self

    def signature(self, label: str) -> Document:
        """Add a label followed by a line to sign on, on one line if at least 10 columns remain."""
        label_text = printable(label)
        free = self.paper.columns - len(label_text) - 1
        if free >= 10:
            self.blocks.append(TextLine((Span(label_text + " " + "_" * free),)))
        else:
            self.line(label)
            self.blocks.append(TextLine((Span("_" * (self.paper.columns // 2)),), Align.RIGHT))
        return self

    def rule(self, char: str = "-") -> Document:
        """Add a full-width separator line."""
        self.blocks.append(TextLine((Span(char * self.paper.columns),)))
        return self

    def blank(self, lines: int = 1) -> Document:
        """Add blank lines."""
        self.blocks.append(Feed(lines))
        return self

    def qr(self, data: str, *, align: Align = Align.CENTER) -> Document:
        """Add a QR code sized for the paper."""
        self.blocks.append(QrBlock(data, self.paper.qr_module, align=align))
        return self

    def barcode(self, data: str) -> Document:
        """Add a CODE128 barcode if the data is printable ASCII and fits; otherwise nothing."""
        if is_code128_printable(data, self.paper):
            self.blocks.append(BarcodeBlock(data, module_width=BARCODE_MODULE))
        return self

    def cut(self, partial: bool = True) -> Document:
        """End the receipt with a cut."""
        self.blocks.append(Cut(partial))
        return self


def is_code128_printable(data: str, paper: PaperSpec) -> bool:
    """Tell whether a CODE128-B barcode of ``data`` fits the paper at the smallest module."""
    if not data or not all(0x20 <= ord(c) < 0x7F for c in data):
        return False
    # start + data + check + stop symbols, 11 modules each, stop has 13, plus quiet zones.
    modules = 11 * (len(data) + 3) + 2 + 20
    return modules * BARCODE_MODULE <= paper.dots


def wrap(text: str, width: int) -> list[str]:
    """Split text into lines of at most ``width`` characters, breaking long words if needed."""
    if width < 1:
        raise ValueError("nothing fits in zero columns")
    if not text:
        return [""]
    lines: list[str] = []
    # textwrap splits on ASCII whitespace only, so no-break spaces hold words together.
    for paragraph in text.split("\n"):
        lines.extend(
            textwrap.wrap(
                paragraph,
                width=width,
                break_long_words=True,
                break_on_hyphens=False,
                drop_whitespace=True,
            )
            or [""]
        )
    return [line.replace(NBSP, " ") for line in lines]


# -- rendering -----------------------------------------------------------------------


def line_text(line: TextLine, paper: PaperSpec) -> str:
    """Render one line as the printer aligns it, padding with spaces of normal width."""
    free = max(0, paper.dots - line.dots)
    if line.align == Align.CENTER:
        pad = free // 2
    elif line.align == Align.RIGHT:
        pad = free
    else:
        pad = 0
    return (" " * (pad // CHAR_DOTS) + line.text).rstrip()


def to_lines(blocks: Iterable[Block], paper: PaperSpec) -> list[str]:
    """Return the text lines that appear on paper; codes and cuts add no text."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, TextLine):
            out.append(line_text(block, paper))
        elif isinstance(block, Feed):
            out.extend([""] * block.lines)
    return out


def split_receipts(doc: Document) -> list[list[Block]]:
    """Split a document at its cuts; a trailing piece without a cut is kept too."""
    receipts: list[list[Block]] = [[]]
    for block in doc.blocks:
        if isinstance(block, Cut):
            receipts.append([])
        else:
            receipts[-1].append(block)
    if not receipts[-1]:
        receipts.pop()
    return receipts


def to_text(doc: Document) -> list[str]:
    """Return each receipt's text, trailing blank lines removed (as the simulator reports it)."""
    return ["\n".join(to_lines(blocks, doc.paper)).rstrip("\n") for blocks in split_receipts(doc)]


def qr_image(data: str, module_size: int, level: QrErrorLevel = QrErrorLevel.M) -> Any:
    """Draw a QR code the way a printer's 2D engine does: no quiet zone, square modules."""
    levels = {
        QrErrorLevel.L: qrcode.constants.ERROR_CORRECT_L,
        QrErrorLevel.M: qrcode.constants.ERROR_CORRECT_M,
        QrErrorLevel.Q: qrcode.constants.ERROR_CORRECT_Q,
        QrErrorLevel.H: qrcode.constants.ERROR_CORRECT_H,
    }
    code = qrcode.QRCode(error_correction=levels[level], box_size=module_size, border=0)
    code.add_data(data.encode("utf-8"))
    code.make(fit=True)
    return code.make_image().get_image().convert("1")


def to_escpos(doc: Document, profile: Any = None) -> bytes:
    """Encode the document as ESC/POS bytes for the printer's capability profile.

    Every receipt starts with ``ESC @`` + ``ESC t`` so a half-finished earlier job
    cannot leave the printer in another code page or style.
    """
    prof = profile_of(profile)
    slot = cyrillic_codepage(prof)
    native_qr = bool(prof.supports("qrCode"))
    out = bytearray()
    state = _Emitter(out, slot)
    state.start()
    for block in doc.blocks:
        if isinstance(block, TextLine):
            out += commands.align(block.align)
            for span in block.spans:
                state.style(span.style)
                out += encode_cp866(span.text)
            state.style(PLAIN)
            out += commands.LF
        elif isinstance(block, Feed):
            out += commands.feed_lines(block.lines)
        elif isinstance(block, QrBlock):
            out += commands.align(block.align)
            if native_qr:
                out += commands.qr_native(block.data, block.module_size, block.level)
            else:
                image = qr_image(block.data, block.module_size, block.level)
                out += commands.raster_image(image)
        elif isinstance(block, BarcodeBlock):
            out += commands.align(block.align)
            out += commands.barcode_code128(block.data, block.height, block.module_width)
        elif isinstance(block, Cut):
            out += commands.cut(block.partial)
            state.start()
    # The last cut already started a new receipt; drop that dangling reset.
    if doc.blocks and isinstance(doc.blocks[-1], Cut):
        del out[-len(commands.init(slot)) :]
    return bytes(out)


class _Emitter:
    """Tracks the printer's style so only changes are sent."""

    def __init__(self, out: bytearray, slot: int) -> None:
        self.out = out
        self.slot = slot
        self.current = PLAIN

    def start(self) -> None:
        """Reset the printer and select CP866."""
        self.out += commands.init(self.slot)
        self.current = PLAIN

    def style(self, style: TextStyle) -> None:
        """Send only the attributes that differ from the current ones."""
        cur = self.current
        if style.bold != cur.bold:
            self.out += commands.bold(style.bold)
        if style.underline != cur.underline:
            self.out += commands.underline(style.underline)
        if style.invert != cur.invert:
            self.out += commands.invert(style.invert)
        if (style.width, style.height) != (cur.width, cur.height):
            self.out += commands.char_size(style.width, style.height)
        self.current = style
