"""demo device tokens: the demo office's device tokens survive a restart of the demo

Revision ID: 0010_h3_demo_tokens
Revises: 0010_h5_device_settings
Create Date: 2026-12-02 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_h3_demo_tokens"
down_revision: str | Sequence[str] | None = "0010_h5_device_settings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "demo_device_tokens",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("device_id"),
    )


def downgrade() -> None:
    op.drop_table("demo_device_tokens")
