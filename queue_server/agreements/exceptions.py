"""Errors of the agreements domain: each with a stable code and a Russian message."""

from __future__ import annotations

from queue_server.errors import Conflict, InvalidInput, NotFound


class AgreementNotFound(NotFound):
    """No agreement with this id."""

    code = "agreement_not_found"


class AgreementTermInvalid(InvalidInput):
    """The dates are reversed, or the agreement runs longer than a year (R18)."""

    code = "agreement_term_invalid"


class AgreementInvalid(InvalidInput):
    """The agency or a service named is unknown, or the number is taken."""

    code = "agreement_invalid"


class NoValidAgreement(Conflict):
    """R18: the service's agency has no agreement in force that covers it; nothing registered."""

    code = "no_valid_agreement"
