"""the wait estimate numbers each queue on an index alone: FIFO, walk-ins, the others

Revision ID: 0014_queue_heads_indexes
Revises: 0013_hc_notify2_poller_lease
Create Date: 2026-12-03 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_queue_heads_indexes"
down_revision: str | Sequence[str] | None = "0013_hc_notify2_poller_lease"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WAITING = "status = 'waiting'"
_WALK_INS = "status = 'waiting' AND due_at IS NULL AND priority_rank IS NULL"
_OTHERS = "status = 'waiting' AND (due_at IS NOT NULL OR priority_rank IS NOT NULL)"

_INDEXES = {
    "ix_tickets_fifo": (["office_id", "service_id", "waiting_since", "id"], _WAITING),
    "ix_tickets_walk_ins": (
        ["office_id", "service_id", "deadline", "waiting_since", "id"],
        _WALK_INS,
    ),
    "ix_tickets_waiting_others": (["office_id", "status", "service_id"], _OTHERS),
}


def upgrade() -> None:
    """Apply this revision."""
    for name, (columns, where) in _INDEXES.items():
        op.create_index(
            name,
            "tickets",
            columns,
            unique=False,
            postgresql_where=sa.text(where),
            sqlite_where=sa.text(where),
        )


def downgrade() -> None:
    """Revert this revision."""
    for name in _INDEXES:
        op.drop_index(name, table_name="tickets")
