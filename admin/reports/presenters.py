"""Report → response shapes: the JSON of a report and table, the downloads and charts."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from admin.reports.charts import render_chart
from admin.reports.exports import MEDIA_TYPES, export
from admin.reports.tables import Column, Report, Table

CHART_MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def table_json(table: Table) -> dict[str, Any]:
    """The JSON form of one table."""
    return {
        "key": table.key,
        "title_ru": table.title_ru,
        "title_en": table.title_en,
        "columns": [_column_json(c) for c in table.columns],
        "rows": table.rows,
        "note": table.note,
    }


def _column_json(column: Column) -> dict[str, Any]:
    """A column with its names keyed by the code as text (JSON keys are strings)."""
    out: dict[str, Any] = {
        "key": column.key,
        "label_ru": column.label_ru,
        "label_en": column.label_en,
        "kind": column.kind,
    }
    if column.names is not None:
        out["names"] = {str(k): v for k, v in column.names.items()}
    return out


def report_json(report: Report) -> dict[str, Any]:
    """The JSON form of a report: its period, offices and every table."""
    return {
        "from": report.scope.start.isoformat(),
        "to": report.scope.end.isoformat(),
        "offices": [o.code for o in report.scope.offices],
        "generated_at": report.generated_at.isoformat(),
        "tables": {k: table_json(t) for k, t in report.tables.items()},
    }


def export_download(report: Report, fmt: str, *, lang: str) -> Response:
    """The report as an attachment named after its offices and period."""
    scope = report.scope
    name = f"report_{'-'.join(o.code for o in scope.offices)}_{scope.start}_{scope.end}.{fmt}"
    return Response(
        export(report, fmt, lang=lang),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def chart_image(report: Report, chart: str, fmt: str, *, lang: str) -> Response:
    """One chart of the report as an SVG or PNG image."""
    return Response(
        render_chart(report, chart, fmt=fmt, lang=lang), media_type=CHART_MEDIA_TYPES[fmt]
    )
