"""What the virtual printer put on paper: lines of glyphs and images, as text and as PNG."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

#: Base character cells in dots (Epson font A 12x24, font B 9x17).
FONT_CELLS: dict[int, tuple[int, int]] = {0: (12, 24), 1: (9, 17)}
#: Space between the bottom of one text line and the top of the next at default spacing.
DEFAULT_LINE_SPACING = 30

DEJAVU_DIR = "/usr/share/fonts/truetype/dejavu"
FONT_FILES = {False: "DejaVuSansMono.ttf", True: "DejaVuSansMono-Bold.ttf"}
#: Where to look for DejaVu when it is not at the Debian path (other distros, macOS, Windows).
FONT_SEARCH_DIRS = (
    DEJAVU_DIR,
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "/Library/Fonts",
    os.path.expanduser("~/.fonts"),
    os.path.expanduser("~/.local/share/fonts"),
    "C:\\Windows\\Fonts",
)
FONT_ENV = "MFCQ_SIM_FONT_DIR"


@dataclass(frozen=True)
class GlyphRun:
    """Consecutive characters printed with the same attributes."""

    text: str
    font: int = 0
    bold: bool = False
    underline: bool = False
    invert: bool = False
    width: int = 1
    height: int = 1

    @property
    def cell(self) -> tuple[int, int]:
        """Size of one magnified character cell in dots."""
        w, h = FONT_CELLS.get(self.font, FONT_CELLS[0])
        return w * self.width, h * self.height

    @property
    def dots(self) -> int:
        """Width of the run in dots."""
        return len(self.text) * self.cell[0]


@dataclass
class PrintedLine:
    """One line of text as it left the print head."""

    runs: list[GlyphRun]
    align: int
    spacing: int = DEFAULT_LINE_SPACING

    @property
    def dots(self) -> int:
        """Width of the line's glyphs in dots."""
        return sum(r.dots for r in self.runs)

    @property
    def text(self) -> str:
        """The characters without alignment."""
        return "".join(r.text for r in self.runs)

    @property
    def height(self) -> int:
        """Vertical advance of the line in dots."""
        tallest = max((r.cell[1] for r in self.runs), default=0)
        return max(self.spacing, tallest + (self.spacing - FONT_CELLS[0][1]))


@dataclass
class PrintedImage:
    """Raster graphics: a bit image, a QR code or a barcode (black = 0 in mode "1")."""

    image: Image.Image
    align: int
    kind: str = "raster"
    data: str | None = None


@dataclass
class PaperFeed:
    """Blank paper fed by dots (``ESC J``)."""

    dots: int


Item = PrintedLine | PrintedImage | PaperFeed


@dataclass
class Receipt:
    """One cut piece of paper."""

    width_dots: int
    items: list[Item] = field(default_factory=list)
    cut: str = "partial"

    @property
    def lines(self) -> list[str]:
        """Printed text lines, aligned with spaces of font-A width, right side trimmed."""
        out: list[str] = []
        for item in self.items:
            if isinstance(item, PrintedLine):
                free = max(0, self.width_dots - item.dots)
                pad = {1: free // 2, 2: free}.get(item.align, 0)
                out.append((" " * (pad // FONT_CELLS[0][0]) + item.text).rstrip())
        return out

    @property
    def text(self) -> str:
        """The receipt's text, trailing blank lines removed."""
        return "\n".join(self.lines).rstrip("\n")

    @property
    def images(self) -> list[PrintedImage]:
        """Graphics on the receipt in print order."""
        return [i for i in self.items if isinstance(i, PrintedImage)]

    def render(self, margin: int = 16) -> Image.Image:
        """Draw the receipt as the paper would look (white paper, black dots)."""
        return render_receipt(self, margin)

    def save_png(self, path: str | Path) -> Path:
        """Write the rendered receipt to a PNG file."""
        target = Path(path)
        self.render().save(target, format="PNG", optimize=True)
        return target


def find_font_file(bold: bool) -> str | None:
    """Locate DejaVu Sans Mono: $MFCQ_SIM_FONT_DIR, the Debian path, then common font dirs."""
    name = FONT_FILES[bold]
    dirs = [os.environ[FONT_ENV]] if os.environ.get(FONT_ENV) else []
    dirs.extend(FONT_SEARCH_DIRS)
    for directory in dirs:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate):
            return candidate
    for directory in dirs:
        if not os.path.isdir(directory):
            continue
        for root, _subdirs, files in os.walk(directory):
            if name in files:
                return os.path.join(root, name)
    return None


@lru_cache(maxsize=8)
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = find_font_file(bold) or find_font_file(False)
    if path is None:
        # Pillow's bundled font has no Cyrillic; the text file stays right, the PNG degrades.
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size)


@lru_cache(maxsize=4096)
def _glyph(char: str, font: int, bold: bool) -> Image.Image:
    """One character in its base cell, mode "L", 0 = ink."""
    cell_w, cell_h = FONT_CELLS.get(font, FONT_CELLS[0])
    # DejaVu Sans Mono advances 0.602 em, so em = cell width / 0.602 fills the cell.
    size = round(cell_w / 0.602)
    image = Image.new("L", (cell_w, cell_h), 255)
    draw = ImageDraw.Draw(image)
    face = _font(bold, size)
    draw.text((cell_w / 2, cell_h * 0.8), char, font=face, fill=0, anchor="ms")
    # A thermal head either burns a dot or not: no grey anti-aliasing.
    return image.point(lambda v: 0 if v < 140 else 255)


def _aligned_x(width: int, content: int, align: int) -> int:
    free = max(0, width - content)
    return {1: free // 2, 2: free}.get(align, 0)


def _draw_line(canvas: Image.Image, line: PrintedLine, top: int) -> None:
    x = _aligned_x(canvas.width, line.dots, line.align)
    baseline_bottom = top + line.height - (line.spacing - FONT_CELLS[0][1])
    for run in line.runs:
        cell_w, cell_h = run.cell
        y = baseline_bottom - cell_h
        for char in run.text:
            glyph = _glyph(char, run.font, run.bold)
            if (run.width, run.height) != (1, 1):
                # ESC/POS magnifies by repeating dots, so nearest-neighbour is faithful.
                glyph = glyph.resize((cell_w, cell_h), Image.Resampling.NEAREST)
            if run.invert:
                glyph = Image.eval(glyph, lambda v: 255 - v)
            if run.underline:
                glyph = glyph.copy()
                ImageDraw.Draw(glyph).line(
                    [(0, cell_h - 2), (cell_w, cell_h - 2)], fill=0, width=run.height
                )
            canvas.paste(glyph, (x, y))
            x += cell_w


def render_receipt(receipt: Receipt, margin: int = 16) -> Image.Image:
    """Lay out the receipt's items top to bottom on white paper."""
    height = margin * 2
    for item in receipt.items:
        if isinstance(item, PrintedLine):
            height += item.height
        elif isinstance(item, PrintedImage):
            height += item.image.height
        else:
            height += item.dots
    canvas = Image.new("L", (receipt.width_dots, max(1, height)), 255)
    y = margin
    for item in receipt.items:
        if isinstance(item, PrintedLine):
            _draw_line(canvas, item, y)
            y += item.height
        elif isinstance(item, PrintedImage):
            x = _aligned_x(canvas.width, item.image.width, item.align)
            canvas.paste(item.image.convert("L"), (x, y))
            y += item.image.height
        else:
            y += item.dots
    return canvas
