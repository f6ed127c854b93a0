"""Bookings: contact and life-cycle columns, booking policies, service rules, notification outbox.

Existing booking rows get an empty e-mail, source "staff" and no reschedules.

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-21 05:49:41.111146
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import queue_server.db

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "booking_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("max_per_person_per_day", sa.Integer(), nullable=False),
        sa.Column("reminder_minutes_before", sa.Integer(), nullable=False),
        sa.Column("notifier", sa.String(length=16), nullable=False),
        sa.Column("webhook_url", sa.String(length=500), nullable=False),
        sa.Column("webhook_token", sa.String(length=200), nullable=False),
        sa.Column("webhook_timeout_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["offices.id"],
            name=op.f("fk_booking_policies_office_id_offices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_policies")),
        sa.UniqueConstraint("office_id", name=op.f("uq_booking_policies_office_id")),
    )
    op.create_table(
        "booking_service_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("bookable", sa.Boolean(), nullable=False),
        sa.Column("capacity_per_slot", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["offices.id"],
            name=op.f("fk_booking_service_rules_office_id_offices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_booking_service_rules_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_service_rules")),
        sa.UniqueConstraint(
            "office_id", "service_id", name=op.f("uq_booking_service_rules_office_id_service_id")
        ),
    )
    op.create_table(
        "booking_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("due_at", queue_server.db.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", queue_server.db.UTCDateTime(), nullable=True),
        sa.Column("sent_at", queue_server.db.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_booking_notifications_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["offices.id"],
            name=op.f("fk_booking_notifications_office_id_offices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_notifications")),
    )
    with op.batch_alter_table("booking_notifications", schema=None) as batch_op:
        batch_op.create_index("ix_booking_notifications_due", ["status", "due_at"], unique=False)

    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email", sa.String(length=254), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), nullable=False, server_default="staff")
        )
        batch_op.add_column(sa.Column("cancelled_at", queue_server.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("no_show_at", queue_server.db.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("reschedule_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index("ix_bookings_phone", ["office_id", "phone"], unique=False)
        batch_op.create_index(
            "ix_bookings_slot", ["office_id", "service_id", "slot_start"], unique=False
        )
        batch_op.create_index("ix_bookings_status", ["status", "slot_start"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_status")
        batch_op.drop_index("ix_bookings_slot")
        batch_op.drop_index("ix_bookings_phone")
        batch_op.drop_column("reschedule_count")
        batch_op.drop_column("no_show_at")
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("source")
        batch_op.drop_column("email")

    with op.batch_alter_table("booking_notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_notifications_due")

    op.drop_table("booking_notifications")
    op.drop_table("booking_service_rules")
    op.drop_table("booking_policies")
