"""Agreements as the API shows them, with their state on a given day."""

from __future__ import annotations

from datetime import date

from queue_server.agreements import rules
from queue_server.agreements.models import Agreement
from queue_server.agreements.schemas import AgreementOut


def agreement_state(agreement: Agreement, today: date) -> str:
    """'future', 'valid', 'expiring' (within the warning days) or 'expired' on `today`."""
    if today < agreement.valid_from:
        return "future"
    if today > agreement.valid_to:
        return "expired"
    if rules.expires_soon(agreement.valid_from, agreement.valid_to, today):
        return "expiring"
    return "valid"


def agreement_out(agreement: Agreement, today: date) -> AgreementOut:
    """The stored agreement and its state on `today`."""
    return AgreementOut(
        id=agreement.id,
        agency=agreement.agency.code,
        agency_name=agreement.agency.name,
        number=agreement.number,
        signed_on=agreement.signed_on,
        valid_from=agreement.valid_from,
        valid_to=agreement.valid_to,
        services=sorted(link.service.code for link in agreement.services),
        note=agreement.note,
        state=agreement_state(agreement, today),
        days_left=rules.days_left(agreement.valid_to, today),
    )
