"""Who may work with cases (R16): staff only, and only of the case's own office."""

from __future__ import annotations

from queue_server.auth.service import Principal
from queue_server.errors import Forbidden


def require_staff(principal: Principal) -> None:
    """Only staff members fill intake records (kiosks and displays may not)."""
    if principal.kind != "user":
        raise Forbidden(code="wrong_role", key="wrong_role.staff_fill_intake")


def require_office_staff(principal: Principal, office_id: int) -> None:
    """R16: applicant details only for staff members of the case's own office."""
    if principal.kind != "user":
        raise Forbidden(code="wrong_role", key="wrong_role.staff_work_with_cases")
    if principal.office_id != office_id:
        raise Forbidden(code="wrong_office", key="wrong_office.cases_of_other_office")


def acting_clerk_id(principal: Principal | None) -> int | None:
    """The clerk a step is recorded against; None for the agency side (CLI) and devices."""
    return principal.id if principal is not None and principal.is_staff else None
