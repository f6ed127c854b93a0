"""remote queue: a live-queue place taken from the phone, checked in on arrival

Revision ID: 0012_h5_remote_queue
Revises: 0012_h4_notifications
Create Date: 2026-12-03 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import queue_server.db

revision: str = "0012_h5_remote_queue"
down_revision: str | Sequence[str] | None = "0012_h4_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "remote_queue_policies",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("per_phone_per_day", sa.Integer(), nullable=False),
        sa.Column("per_client_per_hour", sa.Integer(), nullable=False),
        sa.Column("late_minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_remote_queue_policies_office_id_offices")
        ),
        sa.PrimaryKeyConstraint("office_id", name=op.f("pk_remote_queue_policies")),
    )
    op.create_table(
        "remote_queue_services",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_remote_queue_services_office_id_offices")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_remote_queue_services_service_id_services"),
        ),
        sa.PrimaryKeyConstraint("office_id", "service_id", name=op.f("pk_remote_queue_services")),
    )
    op.create_table(
        "remote_tickets",
        sa.Column("ticket_id", big, nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("checkin_code", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("client_key", sa.String(length=64), nullable=True),
        sa.Column("taken_at", queue_server.db.UTCDateTime(), nullable=False),
        sa.Column("consent_at", queue_server.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", queue_server.db.UTCDateTime(), nullable=False),
        sa.Column("arrived_at", queue_server.db.UTCDateTime(), nullable=True),
        sa.Column("arrived_via", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_remote_tickets_office_id_offices")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_remote_tickets_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_remote_tickets")),
        sa.UniqueConstraint("checkin_code", name=op.f("uq_remote_tickets_checkin_code")),
    )
    op.create_index("ix_remote_tickets_phone", "remote_tickets", ["office_id", "day", "phone"])
    op.create_index("ix_remote_tickets_taken", "remote_tickets", ["office_id", "taken_at"])
    op.create_index(
        "ix_remote_tickets_expected",
        "remote_tickets",
        ["expires_at"],
        postgresql_where=sa.text("arrived_at IS NULL"),
        sqlite_where=sa.text("arrived_at IS NULL"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_remote_tickets_expected", table_name="remote_tickets")
    op.drop_index("ix_remote_tickets_taken", table_name="remote_tickets")
    op.drop_index("ix_remote_tickets_phone", table_name="remote_tickets")
    op.drop_table("remote_tickets")
    op.drop_table("remote_queue_services")
    op.drop_table("remote_queue_policies")
