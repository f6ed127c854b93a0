"""Pages: the public complaint form (/complaints/{office}), the staff register."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from queue_server.complaints.rules import (
    ANSWER_WORKING_DAYS,
    CATEGORIES,
    CATEGORY_RU,
    SHORT_ANSWER_WORKING_DAYS,
)
from queue_server.deps import SessionDep
from queue_server.offices.service import find_office
from queue_server.pages import page_templates, serve_static

HERE = Path(__file__).parent
TEMPLATES = page_templates(HERE)

router = APIRouter(include_in_schema=False)
serve_static(router, "complaints", HERE / "static")

_CATEGORIES = [(code, CATEGORY_RU[code]) for code in CATEGORIES]


@router.get("/complaints/{office_code}", response_class=HTMLResponse)
def complaint_form_page(request: Request, office_code: str, session: SessionDep) -> HTMLResponse:
    """The public complaint form of an office: no login; the number and term come back."""
    office = find_office(session=session, code=office_code)
    return TEMPLATES.TemplateResponse(
        request,
        "complaint_form.html",
        {
            "office": office,
            "categories": _CATEGORIES,
            "answer_days": ANSWER_WORKING_DAYS,
            "short_days": SHORT_ANSWER_WORKING_DAYS,
        },
        status_code=200 if office is not None else 404,
    )


@router.get("/staff/complaints", response_class=HTMLResponse)
def complaints_register_page(request: Request) -> HTMLResponse:
    """The office's complaints register for its staff: register, review, answer, withdraw."""
    return TEMPLATES.TemplateResponse(request, "complaints.html", {"categories": _CATEGORIES})
