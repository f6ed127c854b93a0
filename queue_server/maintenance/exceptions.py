"""Errors of the maintenance commands (stable codes; texts for the operator in Russian)."""

from __future__ import annotations

from queue_server.errors import Conflict, DomainError, InvalidInput


class BackupToolMissing(DomainError):
    """pg_dump or pg_restore is not installed."""

    status_code = 500
    code = "backup_tool_missing"


class BackupFailed(DomainError):
    """The backup or restore tool failed, or the copy is not a sound database."""

    status_code = 500
    code = "backup_failed"


class WrongBackupFile(InvalidInput):
    """The file is not a backup of this kind of database."""

    code = "wrong_backup_file"


class DatabaseInUse(Conflict):
    """A restore would replace the data under a running server."""

    code = "database_in_use"
