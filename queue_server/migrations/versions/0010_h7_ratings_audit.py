"""ratings of finished tickets (R8)

Revision ID: 0010_h7_ratings
Revises: 0010_h3_demo_tokens
Create Date: 2026-12-02 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from queue_server.db import UTCDateTime

revision: str = "0010_h7_ratings"
down_revision: str | Sequence[str] | None = "0010_h3_demo_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "ratings",
        sa.Column("id", big, nullable=False),
        sa.Column("ticket_id", big, nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=True),
        sa.Column("clerk_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rated_at", UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("waiting", sa.SmallInteger(), nullable=True),
        sa.Column("courtesy", sa.SmallInteger(), nullable=True),
        sa.Column("comfort", sa.SmallInteger(), nullable=True),
        sa.Column("information", sa.SmallInteger(), nullable=True),
        sa.Column("service_time", sa.SmallInteger(), nullable=True),
        sa.Column("low", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ratings_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_ratings_office_id_offices")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_ratings_service_id_services")
        ),
        sa.ForeignKeyConstraint(
            ["window_id"], ["windows.id"], name=op.f("fk_ratings_window_id_windows")
        ),
        sa.ForeignKeyConstraint(["clerk_id"], ["users.id"], name=op.f("fk_ratings_clerk_id_users")),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_ratings_device_id_devices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_ratings_ticket_id")),
    )
    op.create_index("ix_ratings_report", "ratings", ["office_id", "day"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_ratings_report", table_name="ratings")
    op.drop_table("ratings")
