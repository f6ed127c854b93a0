"""Exports of a report: CSV, XLSX (openpyxl) and PDF (fpdf2 with a Cyrillic TrueType font)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.drawing.image import Image as XLImage
from openpyxl.styles import Font

from admin.reports.charts import CHARTS, render_chart
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


def _label(column: Column, lang: str) -> str:
    label = column.label_ru if lang == "ru" else column.label_en
    return f"{label}, {'с' if lang == 'ru' else 's'}" if column.kind == "seconds" else label


def _title(table: Table, lang: str) -> str:
    return table.title_ru if lang == "ru" else table.title_en


def _heading(report: Report, lang: str) -> str:
    offices = ", ".join(o.name if lang == "ru" else o.code for o in report.scope.offices)
    period = f"{report.scope.start.isoformat()} — {report.scope.end.isoformat()}"
    return f"{'Отчёт' if lang == 'ru' else 'Report'}: {offices}, {period}"


def to_csv(report: Report, *, lang: str = "ru") -> bytes:
    """Every table one after another, each under its title; UTF-8 with BOM for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_heading(report, lang)])
    for table in report.tables.values():
        writer.writerow([])
        writer.writerow([_title(table, lang)])
        writer.writerow([_label(c, lang) for c in table.columns])
        for row in table.rows:
            writer.writerow(["" if row.get(c.key) is None else row[c.key] for c in table.columns])
        if table.note:
            writer.writerow([table.note])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(report: Report, *, lang: str = "ru") -> bytes:
    """One sheet per table (numbers stay numbers) and a sheet with the charts."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "charts" if lang == "en" else "графики"
    summary["A1"] = _heading(report, lang)
    summary["A1"].font = Font(bold=True)
    for i, chart in enumerate(CHARTS):
        image = XLImage(io.BytesIO(render_chart(report, chart, fmt="png", lang=lang)))
        summary.add_image(image, f"A{3 + i * 24}")
    for table in report.tables.values():
        sheet = book.create_sheet(table.key[:31])
        sheet.append([_title(table, lang)])
        sheet["A1"].font = Font(bold=True)
        sheet.append([_label(c, lang) for c in table.columns])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([row.get(c.key) for c in table.columns])
        for row_cells in sheet.iter_rows(min_row=3):
            for cell, column in zip(row_cells, table.columns, strict=False):
                if column.kind == "share":
                    cell.number_format = "0.0%"
        if table.note:
            sheet.append([table.note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any, column: Column) -> str:
    if value is None:
        return "—"
    if column.kind == "seconds":
        seconds = round(float(value))
        return f"{seconds // 60}:{seconds % 60:02d}"
    if column.kind == "share":
        return f"{100 * float(value):.1f}%"
    return str(value)


def to_pdf(report: Report, *, lang: str = "ru", max_rows: int = 200) -> bytes:
    """A printable report: heading, the charts, then every table (times as m:ss)."""
    pdf = FPDF(orientation="L", format="A4")
    pdf.add_font("DejaVu", "", str(find_font("DejaVuSans.ttf")))
    pdf.add_font("DejaVu", "B", str(find_font("DejaVuSans-Bold.ttf")))
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 8, _heading(report, lang), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    for chart in CHARTS:
        png = render_chart(report, chart, fmt="png", lang=lang)
        pdf.image(io.BytesIO(png), w=180)
    for table in report.tables.values():
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 11)
        pdf.multi_cell(0, 7, _title(table, lang), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 7)
        rows = table.rows[:max_rows]
        with pdf.table(text_align="LEFT", first_row_as_headings=True) as grid:
            head = grid.row()
            for column in table.columns:
                head.cell(_label(column, lang))
            for row in rows:
                line = grid.row()
                for column in table.columns:
                    line.cell(_cell(row.get(column.key), column))
        note = table.note
        if len(table.rows) > max_rows:
            note = f"{note}; {max_rows} of {len(table.rows)} rows printed".strip("; ")
        if note:
            pdf.multi_cell(0, 6, note, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def export(report: Report, fmt: str, *, lang: str = "ru") -> bytes:
    """The report in one of the formats csv, xlsx, pdf."""
    return {"csv": to_csv, "xlsx": to_xlsx, "pdf": to_pdf}[fmt](report, lang=lang)
