"""report roll-ups: per office and closed day (or month) counts, minute buckets of waits
with their seconds, and the planner's hours

Revision ID: 0012_h6_rollups
Revises: 0012_h3_audit_sealed
Create Date: 2026-12-03 00:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from queue_server.db import UTCDateTime

revision: str = "0012_h6_rollups"
down_revision: str | Sequence[str] | None = "0012_h3_audit_sealed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _office() -> sa.Column[int]:
    return sa.Column("office_id", sa.Integer(), sa.ForeignKey("offices.id"), primary_key=True)


def upgrade() -> None:
    op.create_table(
        "report_periods",
        _office(),
        sa.Column("span", sa.String(1), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("rolled_at", UTCDateTime(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "issued",
                "served",
                "no_show",
                "cancelled",
                "redirected",
                "open_tickets",
                "breaches",
            )
        ),
    )
    op.create_table(
        "report_wait_buckets",
        _office(),
        sa.Column("span", sa.String(1), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("dim", sa.SmallInteger(), primary_key=True),
        sa.Column("k1", sa.Integer(), primary_key=True),
        sa.Column("k2", sa.Integer(), primary_key=True),
        sa.Column("bucket", sa.Integer(), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("total_v", sa.BigInteger(), nullable=False),
        sa.Column("max_v", sa.Integer(), nullable=False),
        sa.Column("within", sa.Integer(), nullable=False),
        sa.Column("lim", sa.Integer(), nullable=True),
        sa.Column("fine", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "report_hours",
        _office(),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("weekday", sa.SmallInteger(), primary_key=True),
        sa.Column("hour", sa.SmallInteger(), primary_key=True),
        sa.Column("arrivals", sa.Integer(), nullable=False),
        sa.Column("called", sa.Integer(), nullable=False),
        sa.Column("within", sa.Integer(), nullable=False),
        sa.Column("service_n", sa.Integer(), nullable=False),
        sa.Column("service_sum", sa.BigInteger(), nullable=False),
        sa.Column("min_limit", sa.Integer(), nullable=True),
        sa.Column("open_windows", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("report_hours")
    op.drop_table("report_wait_buckets")
    op.drop_table("report_periods")
