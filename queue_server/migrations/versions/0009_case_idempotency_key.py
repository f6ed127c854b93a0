"""case idempotency key: a clerk's double press registers one case

Revision ID: 0009_case_idempotency
Revises: 0008
Create Date: 2026-11-24 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_case_idempotency"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # Plain ADD COLUMN and a unique index: no table rebuild on SQLite.
    op.add_column("cases", sa.Column("idempotency_key", sa.String(length=100), nullable=True))
    op.add_column("cases", sa.Column("request_digest", sa.String(length=64), nullable=True))
    op.create_index(
        "uq_cases_idempotency_key", "cases", ["office_id", "idempotency_key"], unique=True
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("uq_cases_idempotency_key", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("request_digest")
        batch.drop_column("idempotency_key")
