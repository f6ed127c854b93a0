"""Exports of a report: CSV, XLSX (openpyxl) and PDF (fpdf2 with a Cyrillic TrueType font)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from admin.reports.charts import CHARTS, render_chart
from admin.reports.labels import shown
from admin.reports.tables import Column, Report, Table

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
    Path("/usr/share/fonts"),
)
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def find_font(name: str = "DejaVuSans.ttf") -> Path:
    """A TrueType font with Cyrillic glyphs: DejaVu in the usual places, or matplotlib's copy."""
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return folder / name
        if folder.is_dir():
            found = next(folder.rglob(name), None)
            if found is not None:
                return found
    # matplotlib ships DejaVu Sans, so a machine without system fonts still has one.
    import matplotlib

    bundled = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name
    if bundled.is_file():
        return bundled
    raise FileNotFoundError(f"No {name} found for the PDF export")


# The unit a column's values are written in, per format: the CSV and XLSX hold numbers
# (seconds, percent or fraction), the PDF prints times as minutes:seconds.
_UNITS = {
    ("seconds", "csv"): ("с", "s"),
    ("seconds", "xlsx"): ("с", "s"),
    ("seconds", "pdf"): ("мин:с", "min:s"),
    ("share", "csv"): ("%", "%"),
    ("share", "pdf"): ("%", "%"),
}
# Characters Excel refuses in a sheet name, and its length limit.
_SHEET_FORBIDDEN = str.maketrans({ch: " " for ch in "[]:*?/\\"})
_SHEET_MAX = 31


def _label(column: Column, lang: str, fmt: str) -> str:
    label = column.label_ru if lang == "ru" else column.label_en
    unit = _UNITS.get((column.kind, fmt))
    return f"{label}, {unit[0] if lang == 'ru' else unit[1]}" if unit else label


def _title(table: Table, lang: str) -> str:
    return table.title_ru if lang == "ru" else table.title_en


def _period(report: Report) -> str:
    return f"{report.scope.start:%d.%m.%Y} — {report.scope.end:%d.%m.%Y}"


def _heading(report: Report, lang: str) -> str:
    offices = ", ".join(o.name for o in report.scope.offices)
    return f"{'Отчёт' if lang == 'ru' else 'Report'}: {offices}, {_period(report)}"


def _note(table: Table, lang: str) -> str:
    return table.note_en if lang == "en" and table.note_en else table.note


def _csv_value(value: Any, column: Column) -> str:
    """A value as Russian Excel reads it: names for codes, a decimal comma, shares in %."""
    value = shown(value, column)
    if value is None:
        return ""
    if column.kind == "share":
        value = round(100 * float(value), 1)
    if isinstance(value, float):
        text = f"{value:.1f}" if value != int(value) else str(int(value))
        return text.replace(".", ",")
    return str(value)


def to_csv(report: Report, *, lang: str = "ru") -> bytes:
    """Every table under its title, for Russian Excel: `;` between columns, a decimal comma,
    UTF-8 with a BOM (so Excel does not take it for the ANSI code page)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_heading(report, lang)])
    for table in report.tables.values():
        writer.writerow([])
        writer.writerow([_title(table, lang)])
        writer.writerow([_label(c, lang, "csv") for c in table.columns])
        for row in table.rows:
            writer.writerow([_csv_value(row.get(c.key), c) for c in table.columns])
        if _note(table, lang):
            writer.writerow([_note(table, lang)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_name(table: Table, lang: str, taken: set[str]) -> str:
    """The table's title as a sheet name Excel accepts: no []:*?/\\, 31 characters, unique."""
    base = " ".join(_title(table, lang).translate(_SHEET_FORBIDDEN).split())[:_SHEET_MAX]
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: _SHEET_MAX - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def to_xlsx(report: Report, *, lang: str = "ru") -> bytes:
    """One sheet per table named by its title (numbers stay numbers) and one of charts."""
    # Imported here: openpyxl weighs ~25 MiB, and only an export needs it (idle RSS).
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image as XLImage
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Charts" if lang == "en" else "Графики"
    taken = {summary.title.lower()}
    summary["A1"] = _heading(report, lang)
    summary["A1"].font = Font(bold=True)
    for i, chart in enumerate(CHARTS):
        image = XLImage(io.BytesIO(render_chart(report, chart, fmt="png", lang=lang)))
        summary.add_image(image, f"A{3 + i * 24}")
    for table in report.tables.values():
        sheet = book.create_sheet(_sheet_name(table, lang, taken))
        sheet.append([_title(table, lang)])
        sheet["A1"].font = Font(bold=True)
        sheet.append([_label(c, lang, "xlsx") for c in table.columns])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([shown(row.get(c.key), c) for c in table.columns])
        for row_cells in sheet.iter_rows(min_row=3):
            for cell, column in zip(row_cells, table.columns, strict=False):
                if column.kind == "share":
                    cell.number_format = "0.0%"
        if _note(table, lang):
            sheet.append([_note(table, lang)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any, column: Column) -> str:
    value = shown(value, column)
    if value is None:
        return "—"
    if column.kind == "seconds":
        seconds = round(float(value))
        return f"{seconds // 60}:{seconds % 60:02d}"
    if column.kind == "share":
        return f"{100 * float(value):.1f}".replace(".", ",")
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def to_pdf(report: Report, *, lang: str = "ru", max_rows: int = 200) -> bytes:
    """A compact printable report: heading, the charts two a row, then the tables one after
    another (a new page only when one is full); times as minutes:seconds."""
    from fpdf import FPDF  # here, not at start-up: fpdf2 and fontTools weigh ~20 MiB

    pdf = FPDF(orientation="L", format="A4")
    pdf.add_font("DejaVu", "", str(find_font("DejaVuSans.ttf")))
    pdf.add_font("DejaVu", "B", str(find_font("DejaVuSans-Bold.ttf")))
    pdf.set_auto_page_break(auto=True, margin=10)
    pdf.set_margins(10, 10, 10)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(0, 7, _heading(report, lang), new_x="LMARGIN", new_y="NEXT")
    width = (pdf.w - pdf.l_margin - pdf.r_margin - 6) / 2
    row_top = row_bottom = pdf.get_y()
    for i, chart in enumerate(CHARTS):
        if i % 2 == 0 and i:
            row_top = row_bottom + 3
        png = render_chart(report, chart, fmt="png", lang=lang)
        x = pdf.l_margin + (i % 2) * (width + 6)
        info = pdf.image(io.BytesIO(png), x=x, y=row_top, w=width)
        row_bottom = max(row_bottom, row_top + info.rendered_height)
    pdf.set_y(row_bottom + 4)
    for table in report.tables.values():
        if pdf.get_y() > pdf.h - 40:  # a title never ends a page alone
            pdf.add_page()
        pdf.set_font("DejaVu", "B", 10)
        pdf.multi_cell(0, 6, _title(table, lang), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 7)
        rows = table.rows[:max_rows]
        with pdf.table(text_align="LEFT", first_row_as_headings=True, line_height=4) as grid:
            head = grid.row()
            for column in table.columns:
                head.cell(_label(column, lang, "pdf"))
            for row in rows:
                line = grid.row()
                for column in table.columns:
                    line.cell(_cell(row.get(column.key), column))
        note = _note(table, lang)
        if len(table.rows) > max_rows:
            shown_rows = (
                f"напечатано {max_rows} строк из {len(table.rows)}"
                if lang == "ru"
                else f"{max_rows} of {len(table.rows)} rows printed"
            )
            note = f"{note}; {shown_rows}".strip("; ")
        if note:
            pdf.multi_cell(0, 5, note, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())


def export(report: Report, fmt: str, *, lang: str = "ru") -> bytes:
    """The report in one of the formats csv, xlsx, pdf."""
    return {"csv": to_csv, "xlsx": to_xlsx, "pdf": to_pdf}[fmt](report, lang=lang)
