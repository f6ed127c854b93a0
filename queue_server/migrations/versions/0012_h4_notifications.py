"""applicant notifications: office channels, subscriptions with consent, outbox, attempts

Revision ID: 0012_h4_notifications
Revises: 0012_h6_rollups
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from queue_server.db import UTCDateTime

revision: str = "0012_h4_notifications"
down_revision: str | Sequence[str] | None = "0012_h6_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "notification_settings",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("sms", sa.JSON(), nullable=False),
        sa.Column("telegram", sa.JSON(), nullable=False),
        sa.Column("email", sa.JSON(), nullable=False),
        sa.Column("near_people_ahead", sa.Integer(), nullable=False),
        sa.Column("near_minutes", sa.Integer(), nullable=False),
        sa.Column("return_warning_days", sa.Integer(), nullable=False),
        sa.Column("per_recipient_per_hour", sa.Integer(), nullable=False),
        sa.Column("templates", sa.JSON(), nullable=False),
        sa.Column("telegram_offset", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("office_id"),
    )
    op.create_table(
        "notification_subscriptions",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", BIG_ID, nullable=True),
        sa.Column("case_id", BIG_ID, nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=True),
        sa.Column("address_masked", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("consent_at", UTCDateTime(), nullable=False),
        sa.Column("consent_version", sa.String(length=16), nullable=False),
        sa.Column("keep_until", UTCDateTime(), nullable=True),
        sa.Column("purged_at", UTCDateTime(), nullable=True),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_notification_subscriptions_ticket", "notification_subscriptions", ["ticket_id"]
    )
    op.create_index("ix_notification_subscriptions_case", "notification_subscriptions", ["case_id"])
    op.create_index(
        "ix_notification_subscriptions_purge",
        "notification_subscriptions",
        ["purged_at", "keep_until"],
    )
    op.create_table(
        "notification_messages",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", BIG_ID, nullable=True),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=True),
        sa.Column("address_masked", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("claimed_until", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"]),
        sa.ForeignKeyConstraint(["subscription_id"], ["notification_subscriptions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_notification_messages_due", "notification_messages", ["status", "due_at"])
    op.create_index(
        "ix_notification_messages_recipient",
        "notification_messages",
        ["channel", "address", "sent_at"],
    )
    op.create_index(
        "ix_notification_messages_office", "notification_messages", ["office_id", "created_at"]
    )
    op.create_table(
        "notification_attempts",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("message_id", BIG_ID, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("milliseconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["notification_messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notification_attempts_message_id", "notification_attempts", ["message_id"])
    op.create_table(
        "notification_cursors",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("office_id"),
    )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_table("notification_cursors")
    op.drop_index("ix_notification_attempts_message_id", table_name="notification_attempts")
    op.drop_table("notification_attempts")
    for name in ("ix_notification_messages_office", "ix_notification_messages_recipient"):
        op.drop_index(name, table_name="notification_messages")
    op.drop_index("ix_notification_messages_due", table_name="notification_messages")
    op.drop_table("notification_messages")
    for name in (
        "ix_notification_subscriptions_purge",
        "ix_notification_subscriptions_case",
        "ix_notification_subscriptions_ticket",
    ):
        op.drop_index(name, table_name="notification_subscriptions")
    op.drop_table("notification_subscriptions")
    op.drop_table("notification_settings")
