"""The manager pages: login, dashboard, reports and the settings pages (data comes by API)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from queue_server.catalogue.models import KIND_DEFAULTS
from queue_server.notifications.templates import KIND_NAMES_RU
from queue_server.pages import page_templates, serve_static

HERE = Path(__file__).parent
TEMPLATES = page_templates(HERE)

router = APIRouter(include_in_schema=False)
serve_static(router, "admin", HERE / "static")


@router.get("/admin", response_class=HTMLResponse)
def home() -> RedirectResponse:
    """The admin start page is the login."""
    return RedirectResponse("/admin/login")


@router.get("/admin/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    """Login: the token goes to sessionStorage."""
    return TEMPLATES.TemplateResponse(request, "login.html", {})


@router.get("/admin/dashboard/{code}", response_class=HTMLResponse)
def dashboard_page(request: Request, code: str) -> HTMLResponse:
    """The live dashboard of one office."""
    return TEMPLATES.TemplateResponse(request, "dashboard.html", {"office": code})


@router.get("/admin/reports", response_class=HTMLResponse)
def reports_page(request: Request) -> HTMLResponse:
    """Reports: period, offices, tables, charts, exports, staffing plan."""
    return TEMPLATES.TemplateResponse(request, "reports.html", {})


@router.get("/admin/reports/chosen-calls", response_class=HTMLResponse)
def chosen_calls_page(request: Request) -> HTMLResponse:
    """Tickets called out of turn: who, where, when and why, with a CSV download."""
    return TEMPLATES.TemplateResponse(request, "chosen_calls.html", {})


@router.get("/admin/planner/{code}", response_class=HTMLResponse)
def planner_page(request: Request, code: str) -> HTMLResponse:
    """The staffing planner's what-if: windows per hour in, simulated waits out."""
    return TEMPLATES.TemplateResponse(request, "planner.html", {"office": code})


@router.get("/admin/settings", response_class=HTMLResponse)
def settings_page(request: Request) -> HTMLResponse:
    """Configuration: the index of the settings pages."""
    return TEMPLATES.TemplateResponse(request, "settings.html", {})


@router.get("/admin/settings/services", response_class=HTMLResponse)
def services_page(request: Request) -> HTMLResponse:
    """The service catalogue with links to each service's editor."""
    return TEMPLATES.TemplateResponse(request, "services.html", {})


@router.get("/admin/settings/services/{service_code}", response_class=HTMLResponse)
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


@router.get("/admin/settings/catalogue", response_class=HTMLResponse)
def catalogue_page(request: Request) -> HTMLResponse:
    """Service groups, agencies and priority categories."""
    return TEMPLATES.TemplateResponse(request, "catalogue.html", {})


@router.get("/admin/settings/users", response_class=HTMLResponse)
def users_page(request: Request) -> HTMLResponse:
    """Staff accounts and roles."""
    return TEMPLATES.TemplateResponse(request, "users.html", {})


@router.get("/admin/settings/offices/{code}/boards", response_class=HTMLResponse)
def boards_page(request: Request, code: str) -> HTMLResponse:
    """The office's waiting-room boards, each with the settings kept for it on the server."""
    return TEMPLATES.TemplateResponse(request, "boards.html", {"office": code})


@router.get("/admin/settings/offices/{code}/notifications", response_class=HTMLResponse)
def notifications_page(request: Request, code: str) -> HTMLResponse:
    """The office's applicant notifications: channels, texts, thresholds, and the report."""
    return TEMPLATES.TemplateResponse(
        request, "notifications.html", {"office": code, "kinds": KIND_NAMES_RU}
    )


@router.get("/admin/settings/offices/{code}", response_class=HTMLResponse)
def office_page(request: Request, code: str) -> HTMLResponse:
    """One office: opening hours, dates, windows and their services, devices."""
    return TEMPLATES.TemplateResponse(request, "office.html", {"office": code})
