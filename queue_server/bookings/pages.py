"""Public pages served by the queue server: the booking form and a booking's own page."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from queue_server.bookings.service import booking_exists, normalize_code
from queue_server.deps import SessionDep
from queue_server.offices.service import find_office
from queue_server.pages import page_templates, serve_static

HERE = Path(__file__).parent
TEMPLATES = page_templates(HERE)

router = APIRouter(include_in_schema=False)
serve_static(router, "bookings", HERE / "static")


@router.get("/book/{office_code}", response_class=HTMLResponse)
def booking_page(request: Request, office_code: str, session: SessionDep) -> HTMLResponse:
    """The booking form: service, date, slot, name, phone, optional e-mail."""
    office = find_office(session=session, code=office_code)
    return TEMPLATES.TemplateResponse(
        request,
        "book.html",
        {"office": office},
        status_code=200 if office is not None else 404,
    )


@router.get("/b/{booking_code}", response_class=HTMLResponse)
def booking_status_page(request: Request, booking_code: str, session: SessionDep) -> HTMLResponse:
    """A booking's page by its code: details, QR, cancel and reschedule."""
    code = normalize_code(booking_code)
    known = booking_exists(session=session, code=code)
    return TEMPLATES.TemplateResponse(
        request,
        "booking.html",
        {"code": code, "known": known},
        status_code=200 if known else 404,
    )
