"""Pages: the clerk workplace (/clerk) and the public case status (/c/{code})."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from queue_server.cases.lookup import case_exists
from queue_server.deps import SessionDep
from queue_server.notifications.templates import CONSENT_TEXT_RU
from queue_server.pages import page_templates, serve_static

HERE = Path(__file__).parent
TEMPLATES = page_templates(HERE)

router = APIRouter(include_in_schema=False)
serve_static(router, "clerk", HERE / "static")


@router.get("/clerk", response_class=HTMLResponse)
def clerk_page(request: Request) -> HTMLResponse:
    """The clerk's workplace: log in, take a window, call and serve, intake and issuance."""
    return TEMPLATES.TemplateResponse(
        request, "clerk.html", {"notify_consent_text": CONSENT_TEXT_RU}
    )


@router.get("/c/{status_code}", response_class=HTMLResponse)
def case_status_page(request: Request, status_code: str, session: SessionDep) -> HTMLResponse:
    """The page the receipt's status link opens; it reads the public case status API."""
    known = case_exists(session=session, status_code=status_code)
    return TEMPLATES.TemplateResponse(
        request,
        "case_status.html",
        {"status_code": status_code, "known": known},
        status_code=200 if known else 404,
    )
