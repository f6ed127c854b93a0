"""one process polls the Telegram bots' updates: a lease row with expiry

Revision ID: 0013_hc_notify2_poller_lease
Revises: 0013_ha_writepath_config_version
Create Date: 2026-12-03 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from queue_server.db import UTCDateTime

revision: str = "0013_hc_notify2_poller_lease"
down_revision: str | Sequence[str] | None = "0013_ha_writepath_config_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "notification_poller_leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_notification_poller_leases")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("notification_poller_leases")
