"""call-next reads the head of each tier of the plain queue and the few other tickets on
indexes, so that its cost does not grow with the queue

Revision ID: 0016_call_next_heads
Revises: 0015_arrivals_index
Create Date: 2026-12-04 09:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_call_next_heads"
down_revision: str | Sequence[str] | None = "0015_arrivals_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in tickets/models.py when this revision was written (a migration does not import
# the models: they move on).
_PLAIN = (
    "status = 'waiting' AND target_window_id IS NULL AND target_clerk_id IS NULL"
    " AND due_at IS NULL AND priority_rank IS NULL"
)
_NOT_PLAIN = (
    "status = 'waiting' AND (target_window_id IS NOT NULL OR target_clerk_id IS NOT NULL"
    " OR due_at IS NOT NULL OR priority_rank IS NOT NULL)"
)


def upgrade() -> None:
    """Apply this revision."""
    op.create_index(
        "ix_tickets_plain",
        "tickets",
        ["office_id", "deadline", "waiting_since", "id"],
        unique=False,
        postgresql_where=sa.text(_PLAIN),
        sqlite_where=sa.text(_PLAIN),
    )
    op.create_index(
        "ix_tickets_not_plain",
        "tickets",
        # status: SQLite, without statistics, prefers the index with more equal columns.
        ["office_id", "status"],
        unique=False,
        postgresql_where=sa.text(_NOT_PLAIN),
        sqlite_where=sa.text(_NOT_PLAIN),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_tickets_not_plain", table_name="tickets")
    op.drop_index("ix_tickets_plain", table_name="tickets")
