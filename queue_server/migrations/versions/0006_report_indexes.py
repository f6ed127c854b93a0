"""report indexes: redirected tickets per office/day, breaches per office/time

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-21 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_tickets_redirected",
        "tickets",
        ["office_id", "day"],
        unique=False,
        postgresql_where=sa.text("redirect_count > 0"),
        sqlite_where=sa.text("redirect_count > 0"),
    )
    op.create_index(
        "ix_wait_breaches_report", "wait_breaches", ["office_id", "waiting_since"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_wait_breaches_report", table_name="wait_breaches")
    op.drop_index(
        "ix_tickets_redirected",
        table_name="tickets",
        postgresql_where=sa.text("redirect_count > 0"),
        sqlite_where=sa.text("redirect_count > 0"),
    )
