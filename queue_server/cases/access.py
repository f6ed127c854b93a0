"""Who may work with cases (R16): staff only, and only of the case's own office."""

from __future__ import annotations

from queue_server.auth.service import Principal
from queue_server.errors import Forbidden


def require_staff(principal: Principal) -> None:
    """Only staff members fill intake records (kiosks and displays may not)."""
    if principal.kind != "user":
        raise Forbidden("Only staff fill intake records.", code="wrong_role")


def require_office_staff(principal: Principal, office_id: int) -> None:
    """R16: applicant details only for staff members of the case's own office."""
    if principal.kind != "user":
        raise Forbidden("Only staff members work with cases.", code="wrong_role")
    if principal.office_id != office_id:
        raise Forbidden(
            "Cases and applicants' personal data are visible only to the staff of their office.",
            code="wrong_office",
        )


def acting_clerk_id(principal: Principal | None) -> int | None:
    """The clerk a step is recorded against; None for the agency side (CLI) and devices."""
    return principal.id if principal is not None and principal.is_staff else None
