"""Offices as the API shows them."""

from __future__ import annotations

from queue_server.offices.models import Office
from queue_server.offices.schemas import OfficeIn, OfficeOut


def office_out(office: Office) -> OfficeOut:
    """The stored office as its API representation."""
    data = {c: getattr(office, c) for c in OfficeIn.model_fields}
    return OfficeOut(
        code=office.code,
        schedule_override_by=office.schedule_override_by,
        schedule_override_at=office.schedule_override_at,
        **data,
    )
