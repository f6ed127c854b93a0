"""configuration version: one stamp that changes with every configuration write, read by
each process's configuration cache

Revision ID: 0013_ha_writepath_config_version
Revises: 0012_h5_remote_queue
Create Date: 2026-12-03 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_ha_writepath_config_version"
down_revision: str | Sequence[str] | None = "0012_h5_remote_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "config_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_version")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("config_version")
