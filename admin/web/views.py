"""Routes: the dashboard's JSON and the manager pages (login, dashboard, reports, settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from admin.web.dashboard import office_dashboard
from queue_server.catalogue.models import KIND_DEFAULTS
from queue_server.deps import ClockDep, CurrentOffice, PrincipalDep, SessionDep
from queue_server.errors import NotFound

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
STATIC = HERE / "static"

router = APIRouter(tags=["admin"])
pages_router = APIRouter(prefix="/admin", include_in_schema=False)


@router.get("/offices/{code}/dashboard")
def dashboard(
    office: CurrentOffice, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> dict[str, Any]:
    """The live state of the office for managers of that office and admins."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    return office_dashboard(session=session, office=office, now=clock.now())


@pages_router.get("", response_class=HTMLResponse)
def home() -> RedirectResponse:
    """The admin start page is the login."""
    return RedirectResponse("/admin/login")


@pages_router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    """Login: the token goes to sessionStorage."""
    return TEMPLATES.TemplateResponse(request, "login.html", {})


@pages_router.get("/dashboard/{code}", response_class=HTMLResponse)
def dashboard_page(request: Request, code: str) -> HTMLResponse:
    """The live dashboard of one office."""
    return TEMPLATES.TemplateResponse(request, "dashboard.html", {"office": code})


@pages_router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request) -> HTMLResponse:
    """Reports: period, offices, tables, charts, exports, staffing plan."""
    return TEMPLATES.TemplateResponse(request, "reports.html", {})


@pages_router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request) -> HTMLResponse:
    """Configuration: the index of the settings pages."""
    return TEMPLATES.TemplateResponse(request, "settings.html", {})


@pages_router.get("/settings/services", response_class=HTMLResponse)
def services_page(request: Request) -> HTMLResponse:
    """The service catalogue with links to each service's editor."""
    return TEMPLATES.TemplateResponse(request, "services.html", {})


@pages_router.get("/settings/services/{service_code}", response_class=HTMLResponse)
def service_page(request: Request, service_code: str) -> HTMLResponse:
    """The structured editor of one service ("+new" for a new one)."""
    return TEMPLATES.TemplateResponse(
        request,
        "service.html",
        {
            "service_code": service_code,
            "kind_defaults": {k: {"limit": v[0], "norm": v[1]} for k, v in KIND_DEFAULTS.items()},
        },
    )


@pages_router.get("/settings/catalogue", response_class=HTMLResponse)
def catalogue_page(request: Request) -> HTMLResponse:
    """Service groups, agencies and priority categories."""
    return TEMPLATES.TemplateResponse(request, "catalogue.html", {})


@pages_router.get("/settings/users", response_class=HTMLResponse)
def users_page(request: Request) -> HTMLResponse:
    """Staff accounts and roles."""
    return TEMPLATES.TemplateResponse(request, "users.html", {})


@pages_router.get("/settings/offices/{code}", response_class=HTMLResponse)
def office_page(request: Request, code: str) -> HTMLResponse:
    """One office: opening hours, dates, windows and their services, devices."""
    return TEMPLATES.TemplateResponse(request, "office.html", {"office": code})


@pages_router.get("/static/{name}")
def static_file(name: str) -> FileResponse:
    """The pages' scripts and styles."""
    path = STATIC / name
    if "/" in name or not path.is_file():
        raise NotFound(f"No file {name!r}.")
    return FileResponse(path)
