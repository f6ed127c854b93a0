"""login failures: the login throttle's counts per account and per client address

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from queue_server.db import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(
        "ix_login_failures_window_start", "login_failures", ["window_start"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_login_failures_window_start", table_name="login_failures")
    op.drop_table("login_failures")
