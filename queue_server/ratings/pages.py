"""Pages: the window's rating screen (/rate/{office}/{window}) and the managers' ratings page."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from queue_server.pages import page_templates, serve_static
from queue_server.types import Code, WindowNumber

HERE = Path(__file__).parent
TEMPLATES = page_templates(HERE)

router = APIRouter(include_in_schema=False)
serve_static(router, "ratings", HERE / "static")


@router.get("/rate/{code}/{number}", response_class=HTMLResponse)
def rating_screen(request: Request, code: Code, number: WindowNumber) -> HTMLResponse:
    """The rating screen at a window (a tablet or the second monitor).

    The device token of a rating screen comes in the URL's fragment (`#token=dev_…`), which
    the browser never sends: it stays out of every access log.
    """
    return TEMPLATES.TemplateResponse(request, "rate.html", {"office": code, "window": number})


@router.get("/admin/ratings", response_class=HTMLResponse)
def ratings_page(request: Request) -> HTMLResponse:
    """Managers' ratings report: averages, low marks with their tickets, the export."""
    return TEMPLATES.TemplateResponse(request, "ratings.html", {})
