"""Page: the audit trail for managers and admins (/admin/audit)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from queue_server.pages import page_templates, serve_static

HERE = Path(__file__).parent
TEMPLATES = page_templates(HERE)

router = APIRouter(include_in_schema=False)
serve_static(router, "audit", HERE / "static")


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request) -> HTMLResponse:
    """Who did what and when, with filters (who, what, office, period) and a CSV export."""
    return TEMPLATES.TemplateResponse(request, "audit.html", {})
