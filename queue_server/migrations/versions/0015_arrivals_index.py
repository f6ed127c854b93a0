"""the wait estimate counts each service's walk-ins of the last hour on an index alone

Revision ID: 0015_arrivals_index
Revises: 0014_queue_heads_indexes
Create Date: 2026-12-04 07:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_arrivals_index"
down_revision: str | Sequence[str] | None = "0014_queue_heads_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ARRIVING = "booking_id IS NULL AND due_at IS NULL"


def upgrade() -> None:
    """Apply this revision."""
    op.create_index(
        "ix_tickets_arrivals",
        "tickets",
        # booking_id and due_at, NULL throughout: there so that the index alone answers.
        ["office_id", "service_id", "issued_at", "priority_rank", "booking_id", "due_at"],
        unique=False,
        postgresql_where=sa.text(_ARRIVING),
        sqlite_where=sa.text(_ARRIVING),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_tickets_arrivals", table_name="tickets")
