"""The waiting-room board page: the server's route, `display_board`'s template and assets.

The board's front end lives in `display_board` with its other devices (LED, keypads); the
server only serves those files, never importing its code: the board talks to the server by
API and WebSocket only, like every other device. The composition root hands the folder
over (`board_pages(assets)`), so this module does not even name the display package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from queue_server.deps import SessionDep
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
        text: Annotated[str, Query(max_length=500)] = "",
        recent: Annotated[int, Query(ge=1, le=20)] = 8,
        voice: bool = True,
        lang: Annotated[str, Query(pattern="^(ru|en)$")] = "ru",
    ) -> HTMLResponse:
        """The waiting-room board of an office (the token comes in the URL: ?token=dev_…)."""
        return board_page(templates, request, code, session, text, recent, voice, lang)

    router.add_api_route("/board/{code}", page, methods=["GET"], response_class=HTMLResponse)
    return router


def board_page(
    templates: Jinja2Templates,
    request: Request,
    code: str,
    session: SessionDep,
    text: str,
    recent: int,
    voice: bool,
    lang: str,
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
                "runningText": text,
                "recent": recent,
                "voice": voice,
                "lang": lang,
            },
        },
        status_code=200 if office is not None else 404,
    )
