"""Exports read back: CSV parsed, XLSX opened with openpyxl, PDF text extracted with pypdf."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.admin.conftest import MONDAY
from tests.support.app import make_client
from tests.support.world import World

PERIOD = {"from": MONDAY.isoformat(), "to": MONDAY.isoformat()}


def test_report_api_json_and_scope(report_world: World) -> None:
    with make_client(report_world) as api:
        got = api.get("/api/v1/reports", params=PERIOD, headers=report_world.auth("manager"))
        assert got.status_code == 200
        body = got.json()
        assert body["offices"] == ["central"]
        kinds = {r["kind"]: r for r in body["tables"]["wait_by_kind"]["rows"]}
        assert kinds["intake"]["median"] == 300
        refused = api.get(
            "/api/v1/reports", params={**PERIOD, "office": "north"},
            headers=report_world.auth("manager"),
        )  # fmt: skip
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "wrong_office"
        clerk = api.get("/api/v1/reports", params=PERIOD, headers=report_world.auth("clerk1"))
        assert clerk.status_code == 403
        backwards = api.get(
            "/api/v1/reports", params={"from": "2026-11-24", "to": "2026-11-23"},
            headers=report_world.auth("admin"),
        )  # fmt: skip
        assert backwards.status_code == 422
        assert backwards.json()["error"]["code"] == "bad_period"
        bad_date = api.get(
            "/api/v1/reports", params={"from": "yesterday", "to": "2026-11-23"},
            headers=report_world.auth("admin"),
        )  # fmt: skip
        assert bad_date.status_code == 422
        both = api.get(
            "/api/v1/reports", params={**PERIOD, "office": ["central", "north"]},
            headers=report_world.auth("admin"),
        )  # fmt: skip
        assert both.json()["offices"] == ["central", "north"]


def test_csv_export_reads_back(report_world: World) -> None:
    with make_client(report_world) as api:
        got = api.get(
            "/api/v1/reports/export.csv", params=PERIOD, headers=report_world.auth("manager")
        )
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/csv")
    assert got.content.startswith("\ufeff".encode())  # the BOM: Excel reads UTF-8
    # Read back as Russian Excel does: columns split at ";", numbers with a decimal comma.
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig")), delimiter=";"))
    title = rows.index(["Ожидание по видам услуг"])
    header = rows[title + 1]
    kinds = {r[0]: dict(zip(header, r, strict=True)) for r in rows[title + 2 : title + 5]}
    assert set(kinds) == {"приём документов", "выдача результатов", "консультация"}
    assert kinds["приём документов"]["Медиана, с"] == "300"
    assert kinds["приём документов"]["90-й перцентиль, с"] == "1200"
    assert kinds["выдача результатов"]["Доля в пределах, %"] == "50"
    means = [float(k["Среднее, с"].replace(",", ".")) for k in kinds.values()]
    assert all(m > 0 for m in means)
    days = rows.index(["Ожидание по дням недели"])
    monday = dict(zip(rows[days + 1], rows[days + 2], strict=True))
    assert monday["День недели"] == "понедельник"
    assert monday["Доля в пределах, %"] == "57,1"  # 4 of 7, with a decimal comma
    text = got.content.decode("utf-8-sig")
    # No raw codes: offices, weekdays, queues and notes read in Russian.
    for code in ("intake", "issuance", "live", "booked", "breaches", "central", "open days"):
        assert code not in text, code
    assert "МФЦ Центральный" in text and "понедельник" in text and "живая очередь" in text


def test_xlsx_export_reads_back(report_world: World) -> None:
    with make_client(report_world) as api:
        got = api.get(
            "/api/v1/reports/export.xlsx",
            params={**PERIOD, "lang": "en"},
            headers=report_world.auth("manager"),
        )
    assert got.status_code == 200
    book = load_workbook(io.BytesIO(got.content))
    sheet = book["Wait by calling window"]
    header = [c.value for c in sheet[2]]
    rows = {r[header.index("Window")]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows[1][header.index("Median, s")] == 300
    assert rows[1][header.index("Mean, s")] == 340
    counts = book["Tickets"]
    assert [c.value for c in counts[3]][:3] == ["МФЦ Центральный", 7, 5]
    assert len(book["Charts"]._images) == 3  # the three charts are embedded


def test_xlsx_sheets_are_named_in_russian(report_world: World) -> None:
    with make_client(report_world) as api:
        got = api.get(
            "/api/v1/reports/export.xlsx", params=PERIOD, headers=report_world.auth("manager")
        )
    book = load_workbook(io.BytesIO(got.content))
    assert book.sheetnames[:3] == ["Графики", "Талоны", "Ожидание по офисам (региональна"]
    assert all(len(name) <= 31 for name in book.sheetnames)
    assert "Ожидание по дням недели" in book.sheetnames
    days = list(book["Ожидание по дням недели"].iter_rows(min_row=3, values_only=True))
    assert days[0][0] == "понедельник"


def test_pdf_export_reads_back(report_world: World) -> None:
    with make_client(report_world) as api:
        got = api.get(
            "/api/v1/reports/export.pdf", params=PERIOD, headers=report_world.auth("manager")
        )
    assert got.status_code == 200
    assert got.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(got.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "МФЦ Центральный" in text
    assert "Превышения времени ожидания" in text
    # The breach rows: service, window, clerk, late by m:ss (T5 600 s late at window 3).
    lines = [line for line in text.splitlines() if "results" in line and "Clerk3" in line]
    assert lines and lines[0].endswith("10:00"), lines
    assert "Паспорт" in text
    assert any(page.images for page in reader.pages[:2])  # charts embedded as images
    # Compact: several tables a page, not one page for each of the seventeen.
    assert len(reader.pages) <= 8, len(reader.pages)
    # The units say what the values are: times are printed as minutes:seconds.
    assert "Медиана, мин:с" in text and "Медиана, с" not in text
    for code in ("intake", "live", "breaches", "open days"):
        assert code not in text, code


def test_chart_svg_and_png(report_world: World) -> None:
    with make_client(report_world) as api:
        svg = api.get(
            "/api/v1/reports/charts/heatmap.svg", params=PERIOD, headers=report_world.auth("admin")
        )
        png = api.get(
            "/api/v1/reports/charts/wait_by_hour.png",
            params=PERIOD,
            headers=report_world.auth("admin"),
        )
        unknown = api.get(
            "/api/v1/reports/charts/pie.svg", params=PERIOD, headers=report_world.auth("admin")
        )
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert b"<svg" in svg.content
    assert png.content.startswith(b"\x89PNG")
    assert unknown.status_code == 422
    assert unknown.json()["error"]["code"] == "bad_chart"
