"""The waiting-room board page: the server's route, `display_board`'s template and assets.

The board's front end lives in `display_board` with its other devices (LED, keypads); the
server only serves those files, never importing its code: the board talks to the server by
API and WebSocket only, like every other device. The composition root hands the folder
over (`board_pages(assets)`), so this module does not even name the display package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from queue_server.auth.models import Device
from queue_server.auth.service import resolve_token
from queue_server.clock import Clock
from queue_server.deps import ClockDep, SessionDep
from queue_server.devices.models import BOARD_DEFAULTS
from queue_server.devices.service import board_settings
from queue_server.errors import DomainError
from queue_server.offices.service import find_office
from queue_server.pages import page_templates, serve_static


def board_pages(assets: Path) -> APIRouter:
    """The /board/{office} page and its static files, from the board package's folder."""
    router = APIRouter(include_in_schema=False)
    serve_static(router, "board", assets / "static")
    templates = page_templates(assets)

    def page(
        request: Request,
        code: str,
        session: SessionDep,
        clock: ClockDep,
        token: Annotated[str, Query(max_length=200)] = "",
        text: Annotated[str | None, Query(max_length=500)] = None,
        recent: Annotated[int | None, Query(ge=1, le=20)] = None,
        voice: bool | None = None,
        lang: Annotated[str | None, Query(pattern="^(ru|en)$")] = None,
        page_seconds: Annotated[int | None, Query(ge=3, le=60)] = None,
    ) -> HTMLResponse:
        """The waiting-room board of an office (the token comes in the URL: ?token=dev_…).

        The board's settings come from its device record on the server; a parameter in
        the URL overrides one of them (for a test screen or a technician).
        """
        device_id, stored = _stored_settings(session, clock, token, code)
        given = {
            "running_text": text,
            "recent": recent,
            "voice": voice,
            "lang": lang,
            "page_seconds": page_seconds,
        }
        settings = {**stored, **{k: v for k, v in given.items() if v is not None}}
        return board_page(templates, request, code, session, settings, device_id)

    router.add_api_route("/board/{code}", page, methods=["GET"], response_class=HTMLResponse)
    return router


def _stored_settings(
    session: Session, clock: Clock, token: str, code: str
) -> tuple[int | None, dict[str, Any]]:
    """The board whose token the URL carries and its kept settings (defaults otherwise)."""
    device = None
    if token:
        try:
            principal = resolve_token(session=session, clock=clock, token=token)
        except DomainError:
            principal = None  # the page's API calls will say so on the screen
        if principal is not None and principal.kind == "device" and principal.role == "board":
            found = session.get(Device, principal.id)
            office = find_office(session=session, code=code)
            if found is not None and office is not None and found.office_id == office.id:
                device = found
    if device is None:
        return None, dict(BOARD_DEFAULTS)
    return device.id, board_settings(device)


def board_page(
    templates: Jinja2Templates,
    request: Request,
    code: str,
    session: SessionDep,
    settings: dict[str, Any],
    device_id: int | None = None,
) -> HTMLResponse:
    """The board page for an office; 404 with the page when the office is unknown."""
    office = find_office(session=session, code=code)
    return templates.TemplateResponse(
        request,
        "board.html",
        {
            "office": office,
            "code": code,
            "config": {
                "office": code,
                "runningText": settings["running_text"],
                "recent": settings["recent"],
                "voice": settings["voice"],
                "lang": settings["lang"],
                "pageSeconds": settings["page_seconds"],
                "deviceId": device_id,
            },
        },
        status_code=200 if office is not None else 404,
    )
