"""audit trail (R16): on PostgreSQL every DELETE and TRUNCATE of the entries is refused

Revision ID: 0012_h3_audit_sealed
Revises: 0011_h7_audit
Create Date: 2026-12-03 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012_h3_audit_sealed"
down_revision: str | Sequence[str] | None = "0011_h7_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "Записи журнала аудита нельзя изменять или удалять."

# 0011 let a DELETE through when it emptied the whole table, so that a test database could
# be emptied: that also let anyone wipe the trail. Now no DELETE statement passes, whatever
# it leaves, nor TRUNCATE. (Only the tables' owner can still switch the triggers off, as
# the tests' reset does in its own transaction; the server should not run as that owner.)
# SQLite's row trigger of 0011 already refuses every DELETE, and SQLite has no TRUNCATE.
PG_UP = f"""
DROP TRIGGER audit_entries_no_delete ON audit_entries;
DROP FUNCTION audit_entries_refuse_partial_delete();
CREATE FUNCTION audit_entries_refuse_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END $$;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_refuse_removal();
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_refuse_removal();
"""
PG_DOWN = f"""
DROP TRIGGER audit_entries_no_truncate ON audit_entries;
DROP TRIGGER audit_entries_no_delete ON audit_entries;
DROP FUNCTION audit_entries_refuse_removal();
CREATE FUNCTION audit_entries_refuse_partial_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM audit_entries) THEN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER audit_entries_no_delete AFTER DELETE ON audit_entries
FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_refuse_partial_delete();
"""


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_UP)


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_DOWN)
