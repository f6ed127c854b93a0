"""The audit trail's refusals."""

from __future__ import annotations

from queue_server.errors import Conflict


class AuditIsAppendOnly(Conflict):
    """An audit entry may not be changed or removed."""

    code = "audit_append_only"
