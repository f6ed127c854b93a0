"""call-next reads the head of each of the window's services on the estimate's indexes
(`ix_tickets_walk_ins`, `ix_tickets_fifo`): the index of the plain queue by deadline,
which a window serving a rare service walked past the other services' tickets on, is
dropped

Revision ID: 0017_call_next_service_heads
Revises: 0016_call_next_heads
Create Date: 2026-12-04 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_call_next_service_heads"
down_revision: str | Sequence[str] | None = "0016_call_next_heads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in revision 0016 (a migration does not import the models: they move on).
_PLAIN = (
    "status = 'waiting' AND target_window_id IS NULL AND target_clerk_id IS NULL"
    " AND due_at IS NULL AND priority_rank IS NULL"
)


def upgrade() -> None:
    """Apply this revision."""
    op.drop_index("ix_tickets_plain", table_name="tickets")


def downgrade() -> None:
    """Revert this revision."""
    op.create_index(
        "ix_tickets_plain",
        "tickets",
        ["office_id", "deadline", "waiting_since", "id"],
        unique=False,
        postgresql_where=sa.text(_PLAIN),
        sqlite_where=sa.text(_PLAIN),
    )
