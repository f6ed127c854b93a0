"""audit trail (R16): append-only entries; triggers refuse UPDATE and DELETE

Revision ID: 0011_h7_audit
Revises: 0010_h7_ratings
Create Date: 2026-12-02 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from queue_server.db import UTCDateTime

revision: str = "0011_h7_audit"
down_revision: str | Sequence[str] | None = "0010_h7_ratings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "Записи журнала аудита нельзя изменять или удалять."

# PostgreSQL: every UPDATE is refused row by row. A DELETE is refused unless it leaves the
# table empty (checked after the statement): only emptying the whole table, as TRUNCATE
# does, passes — a test database is emptied so; picking entries out never is.
PG_UP = f"""
CREATE FUNCTION audit_entries_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END $$;
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse_update();
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
PG_DOWN = """
DROP TRIGGER audit_entries_no_delete ON audit_entries;
DROP TRIGGER audit_entries_no_update ON audit_entries;
DROP FUNCTION audit_entries_refuse_partial_delete();
DROP FUNCTION audit_entries_refuse_update();
"""
SQLITE_UP = [
    f"CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_audit_entries_office_id_offices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index("ix_audit_entries_at", "audit_entries", ["at"])
    op.create_index("ix_audit_entries_office_at", "audit_entries", ["office_id", "at"])
    op.create_index(op.f("ix_audit_entries_action"), "audit_entries", ["action"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_UP)
    else:
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_DOWN)
    op.drop_index(op.f("ix_audit_entries_action"), table_name="audit_entries")
    op.drop_index("ix_audit_entries_office_at", table_name="audit_entries")
    op.drop_index("ix_audit_entries_at", table_name="audit_entries")
    op.drop_table("audit_entries")
