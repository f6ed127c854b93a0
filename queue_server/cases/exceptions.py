"""Errors of the case domain."""

from __future__ import annotations

from queue_server.errors import Conflict, InvalidInput


class IllegalCaseStep(Conflict):
    """The case's status does not allow this step; nothing was changed."""

    code = "illegal_case_step"


class ResultNotReady(Conflict):
    """Issuance asked for a case whose result has not arrived or is not ready (R13)."""

    code = "result_not_ready"


class AlreadyIssued(Conflict):
    """The result was already handed over (R13)."""

    code = "already_issued"


class ConsentMissing(InvalidInput):
    """The application lacks consent to processing of personal data (R10)."""

    code = "consent_required"


class PrintFailed(Conflict):
    """The workplace printer could not print; the case itself is unchanged."""

    code = "print_failed"
