"""Route: the dashboard's JSON (the manager pages themselves are in `pages.py`)."""

from __future__ import annotations

from typing import Any

from admin.web.dashboard import office_dashboard
from queue_server.api import api_router
from queue_server.deps import ClockDep, CurrentOffice, PrincipalDep, SessionDep

router = api_router(tags=["admin"])


@router.get("/offices/{code}/dashboard")
def dashboard(
    office: CurrentOffice, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> dict[str, Any]:
    """The live state of the office for managers of that office and admins."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    return office_dashboard(session=session, office=office, now=clock.now())
