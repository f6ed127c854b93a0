"""Page: the agreements settings (/admin/settings/agreements); data comes by API."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from queue_server.agreements.rules import EXPIRY_WARNING_DAYS
from queue_server.pages import page_templates, serve_static

HERE = Path(__file__).parent
TEMPLATES = page_templates(HERE)

router = APIRouter(include_in_schema=False)
serve_static(router, "agreements", HERE / "static")


@router.get("/admin/settings/agreements", response_class=HTMLResponse)
def agreements_page(request: Request) -> HTMLResponse:
    """Agency agreements: number, dates, services; add, replace, remove (admins edit)."""
    return TEMPLATES.TemplateResponse(
        request, "agreements.html", {"warning_days": EXPIRY_WARNING_DAYS}
    )
