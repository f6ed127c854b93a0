"""Errors of the complaints register: each with a stable code and a Russian message."""

from __future__ import annotations

from queue_server.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound


class ComplaintNotFound(NotFound):
    """No complaint with this id (or it belongs to another office)."""

    code = "complaint_not_found"


class IllegalComplaintStep(Conflict):
    """The complaint's status does not allow this step; nothing was changed."""

    code = "illegal_complaint_step"


class ComplaintConsentMissing(InvalidInput):
    """The applicant did not consent to processing of the personal data in the complaint."""

    code = "complaint_consent_required"


class ComplaintLinkInvalid(InvalidInput):
    """A ticket, case, window, clerk or service the complaint names is unknown in the office."""

    code = "complaint_link_invalid"


class ReceivedAtInvalid(InvalidInput):
    """The stated time of receipt lies in the future."""

    code = "complaint_received_at_invalid"


class ComplaintsOfAnotherOffice(Forbidden):
    """Complaints hold applicants' personal data: only their own office's staff see them."""

    code = "complaint_wrong_office"


class TooManyComplaints(DomainError):
    """Too many complaints from one client address on the public form: wait, then retry."""

    status_code = 429
    code = "too_many_complaints"

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(minutes=max(1, -(-retry_after // 60)))
        self.retry_after = retry_after

    def response_headers(self) -> dict[str, str]:
        """Retry-After: the seconds until the client's hour of complaints ends."""
        return {"Retry-After": str(self.retry_after)}
