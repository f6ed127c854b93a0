"""Pages: the public status of a ticket (/t/{code}), which the QR on the ticket opens, and
the place in the live queue taken from the phone (/q/{office})."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from queue_server.deps import SessionDep
from queue_server.offices.service import find_office
from queue_server.pages import page_templates, serve_static
from queue_server.tickets.issuing import ticket_label

HERE = Path(__file__).parent
TEMPLATES = page_templates(HERE)

router = APIRouter(include_in_schema=False)
serve_static(router, "tickets", HERE / "static")


@router.get("/t/{status_code}", response_class=HTMLResponse)
def ticket_status_page(
    request: Request, status_code: str, session: SessionDep, lang: str = "ru"
) -> HTMLResponse:
    """Live position, and a notice when called; the page polls the public status API."""
    row = ticket_label(session=session, status_code=status_code)
    return TEMPLATES.TemplateResponse(
        request,
        "ticket_status.html",
        {
            "status_code": status_code,
            "known": row is not None,
            "number": row[0] if row else "",
            "office_name": row[1] if row else "",
            "lang": "en" if lang == "en" else "ru",
        },
        status_code=200 if row is not None else 404,
    )


@router.get("/q/{office_code}", response_class=HTMLResponse)
def remote_queue_page(request: Request, office_code: str, session: SessionDep) -> HTMLResponse:
    """Take a place in the live queue from the phone: service, phone, consent; then the
    ticket's own page tells when to come and calls the applicant."""
    office = find_office(session=session, code=office_code)
    return TEMPLATES.TemplateResponse(
        request,
        "remote_queue.html",
        {"office": office},
        status_code=200 if office is not None else 404,
    )
