"""clerk moves: postponed tickets' hold, transfers to a window or clerk, chosen calls

Revision ID: 0010_h4_clerk
Revises: 0009_case_idempotency
Create Date: 2026-12-02 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import queue_server.db

revision: str = "0010_h4_clerk"
down_revision: str | Sequence[str] | None = "0009_case_idempotency"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("hold_until", queue_server.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("target_window_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("target_clerk_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_tickets_target_window_id_windows", "windows", ["target_window_id"], ["id"]
        )
        batch.create_foreign_key(
            "fk_tickets_target_clerk_id_users", "users", ["target_clerk_id"], ["id"]
        )
    op.create_index(
        "ix_tickets_hold",
        "tickets",
        ["hold_until"],
        postgresql_where=sa.text("status = 'postponed'"),
        sqlite_where=sa.text("status = 'postponed'"),
    )
    op.create_table(
        "chosen_calls",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column(
            "ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("clerk_id", sa.Integer(), nullable=False),
        sa.Column("at", queue_server.db.UTCDateTime(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["clerk_id"], ["users.id"], name=op.f("fk_chosen_calls_clerk_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_chosen_calls_office_id_offices")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_chosen_calls_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["window_id"], ["windows.id"], name=op.f("fk_chosen_calls_window_id_windows")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chosen_calls")),
    )
    op.create_index("ix_chosen_calls_report", "chosen_calls", ["office_id", "at"])
    op.create_index(op.f("ix_chosen_calls_ticket_id"), "chosen_calls", ["ticket_id"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_chosen_calls_ticket_id"), table_name="chosen_calls")
    op.drop_index("ix_chosen_calls_report", table_name="chosen_calls")
    op.drop_table("chosen_calls")
    op.drop_index(
        "ix_tickets_hold",
        table_name="tickets",
        postgresql_where=sa.text("status = 'postponed'"),
        sqlite_where=sa.text("status = 'postponed'"),
    )
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint("fk_tickets_target_clerk_id_users", type_="foreignkey")
        batch.drop_constraint("fk_tickets_target_window_id_windows", type_="foreignkey")
        batch.drop_column("target_clerk_id")
        batch.drop_column("target_window_id")
        batch.drop_column("hold_until")
