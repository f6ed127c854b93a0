"""wait estimates and the guarded dispatch policy: the office's guard, finished-ticket index

Revision ID: 0010_h1_estimates
Revises: 0010_h4_clerk
Create Date: 2026-12-02 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_h1_estimates"
down_revision: str | Sequence[str] | None = "0010_h4_clerk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # Plain ADD COLUMN with a server default (existing offices get 3) and an index: no
    # table rebuild on SQLite.
    op.add_column(
        "offices",
        sa.Column("dispatch_guard_minutes", sa.Integer(), nullable=False, server_default="3"),
    )
    op.create_index("ix_tickets_finished", "tickets", ["office_id", "finished_at"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_tickets_finished", table_name="tickets")
    with op.batch_alter_table("offices") as batch:
        batch.drop_column("dispatch_guard_minutes")
