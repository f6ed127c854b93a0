"""The auth domain's errors (mapped to HTTP once, in queue_server/errors.py)."""

from __future__ import annotations

from queue_server.errors import DomainError


class TooManyLoginAttempts(DomainError):
    """Too many failed logins for this account or from this address: wait, then retry."""

    status_code = 429
    code = "too_many_login_attempts"

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(minutes=max(1, -(-retry_after // 60)))
        self.retry_after = retry_after

    def response_headers(self) -> dict[str, str]:
        """Retry-After: the seconds until the window that refused the attempt ends."""
        return {"Retry-After": str(self.retry_after)}
