"""Who may see complaints (R16): the applicants' personal data stay with their office's staff."""

from __future__ import annotations

from queue_server.auth.service import Principal
from queue_server.complaints.exceptions import ComplaintsOfAnotherOffice
from queue_server.errors import Forbidden


def require_office_staff(principal: Principal, office_id: int) -> None:
    """Only a staff member of the complaint's office (not an admin of all offices, not a device)."""
    if not principal.is_staff:
        raise Forbidden(code="staff_only")
    if principal.office_id != office_id:
        raise ComplaintsOfAnotherOffice()
