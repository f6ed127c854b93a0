"""What every page module shares: its package's templates, its static files, the common script.

The convention: a package that owns pages has `pages.py` (routes rendering templates),
`templates/` and `static/`; its files are served at `/static/{owner}/{name}`, and the client
every page shares (`queue_server/static/mfcq.js`) at `/static/common/mfcq.js`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.templating import Jinja2Templates

from queue_server.errors import NotFound


def page_templates(package_dir: Path) -> Jinja2Templates:
    """The templates of a page-owning package (its `templates/` folder)."""
    return Jinja2Templates(directory=str(package_dir / "templates"))


def serve_static(router: APIRouter, owner: str, directory: Path) -> None:
    """Serve the files directly in `directory` at /static/{owner}/{name}, nothing else."""

    def static_file(name: str) -> FileResponse:
        path = directory / name
        if "/" in name or name.startswith(".") or not path.is_file():
            raise NotFound(code="not_found", key="not_found.file_not_found", name=name)
        return FileResponse(path)

    static_file.__doc__ = f"The {owner} pages' scripts and styles."
    router.add_api_route(
        f"/static/{owner}/{{name}}",
        static_file,
        methods=["GET"],
        name=f"{owner}-static",
        include_in_schema=False,
    )


router = APIRouter(include_in_schema=False)
serve_static(router, "common", Path(__file__).parent / "static")
