"""The office's case settings: storage period (R14), courier days (R11), receipt printers."""

from __future__ import annotations

from sqlalchemy.orm import Session

from queue_server.cases.models import CaseSettings
from queue_server.cases.rules import DEFAULT_STORAGE_DAYS
from queue_server.cases.schemas import CaseSettingsIn
from queue_server.errors import InvalidInput
from queue_server.offices.models import Office
from queue_server.outbound import OutboundRefused, OutboundRules, check_printer_url


def case_settings(*, session: Session, office_id: int) -> CaseSettings:
    """The office's case settings (defaults when never saved)."""
    found = session.get(CaseSettings, office_id)
    return found or CaseSettings(
        office_id=office_id, storage_days=DEFAULT_STORAGE_DAYS, courier_weekdays=[], printers={}
    )


def put_case_settings(*, session: Session, office: Office, data: CaseSettingsIn) -> CaseSettings:
    """Create or replace the office's case settings."""
    row = session.get(CaseSettings, office.id)
    if row is None:
        row = CaseSettings(office_id=office.id)
        session.add(row)
    row.storage_days = data.storage_days
    row.courier_weekdays = list(data.courier_weekdays)
    row.printers = dict(data.printers)
    session.flush()
    return row


def check_printers(*, data: CaseSettingsIn, rules: OutboundRules) -> None:
    """Refuse (422) settings naming a printer the operator's settings do not allow."""
    for window, url in sorted(data.printers.items()):
        try:
            check_printer_url(url, rules)
        except OutboundRefused as exc:
            message = f"Окно {window}: {exc.message}" if window != "*" else exc.message
            raise InvalidInput(code="printer_not_allowed", reason=message) from None
