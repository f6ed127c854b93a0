"""The waiting-room board page: the server's route, `display_board`'s template and assets.

The board's front end lives in `display_board` with its other devices (LED, keypads); the
server only serves those files, found by package location, never importing its code: the
board talks to the server by API and WebSocket only, like every other device.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from queue_server.deps import SessionDep
from queue_server.offices.models import Office
from queue_server.pages import page_templates, serve_static

BOARD_ASSETS = Path(str(files("display_board")))
TEMPLATES = page_templates(BOARD_ASSETS)

router = APIRouter(include_in_schema=False)
serve_static(router, "board", BOARD_ASSETS / "static")


@router.get("/board/{code}", response_class=HTMLResponse)
def board_page(
    request: Request,
    code: str,
    session: SessionDep,
    text: Annotated[str, Query(max_length=500)] = "",
    recent: Annotated[int, Query(ge=1, le=20)] = 8,
    voice: bool = True,
    lang: Annotated[str, Query(pattern="^(ru|en)$")] = "ru",
) -> HTMLResponse:
    """The waiting-room board of an office (the token comes in the URL: ?token=dev_…)."""
    office = session.scalar(select(Office).where(Office.code == code))
    return TEMPLATES.TemplateResponse(
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
