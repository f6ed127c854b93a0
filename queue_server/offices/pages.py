"""Page: the start page (/), which leads to every other page of every office."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from queue_server.deps import SessionDep
from queue_server.offices.models import Office
from queue_server.pages import page_templates, serve_static

HERE = Path(__file__).parent
TEMPLATES = page_templates(HERE)

router = APIRouter(include_in_schema=False)
serve_static(router, "offices", HERE / "static")


def kiosk_url(request: Request) -> str:
    """Where the kiosk screen is: the settings' `kiosk_url`, else this host at port + 1.

    The kiosk is an agent of its own (`mfc-queue kiosk`), beside its printer; the demo
    starts one on the server's port + 1.
    """
    settings = request.state.runtime.settings
    if settings.kiosk_url:
        return str(settings.kiosk_url)
    port = request.url.port or (443 if request.url.scheme == "https" else 80)
    return f"{request.url.scheme}://{request.url.hostname}:{port + 1}/"


@router.get("/", response_class=HTMLResponse)
def start_page(request: Request, session: SessionDep) -> HTMLResponse:
    """Links to the kiosk, the boards, the clerk's workplace, the dashboards and booking."""
    offices = list(session.scalars(select(Office).order_by(Office.code)))
    return TEMPLATES.TemplateResponse(
        request, "start.html", {"offices": offices, "kiosk_url": kiosk_url(request)}
    )
