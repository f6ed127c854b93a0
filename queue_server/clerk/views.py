"""Routes of the pages: the clerk workplace (/clerk) and the public case status (/c/{code})."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from queue_server.cases.models import Case
from queue_server.deps import SessionDep
from queue_server.errors import NotFound

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
STATIC = {
    "clerk.js": "text/javascript",
    "clerk.css": "text/css",
}

router = APIRouter(include_in_schema=False)


@router.get("/clerk", response_class=HTMLResponse)
def clerk_page(request: Request) -> HTMLResponse:
    """The clerk's workplace: log in, take a window, call and serve, intake and issuance."""
    return TEMPLATES.TemplateResponse(request, "clerk.html", {})


@router.get("/clerk/static/{name}")
def clerk_static(name: str) -> FileResponse:
    """The page's script and style (a fixed list, nothing else is served)."""
    if name not in STATIC:
        raise NotFound(f"No file {name!r}.")
    return FileResponse(HERE / "static" / name, media_type=STATIC[name])


@router.get("/c/{status_code}", response_class=HTMLResponse)
def case_status_page(request: Request, status_code: str, session: SessionDep) -> HTMLResponse:
    """The page the receipt's status link opens; it reads the public case status API."""
    exists = session.scalar(select(Case.id).where(Case.status_code == status_code))
    return TEMPLATES.TemplateResponse(
        request,
        "case_status.html",
        {"status_code": status_code, "known": exists is not None},
        status_code=200 if exists is not None else 404,
    )
