"""complaints register (R17), agency agreements (R18), R6 schedule override, R11 explanation
request and R12 hand-over time on cases (branch h6-complaints)

Revision ID: 0010_h6_complaints
Revises: 0010_h1_estimates
Create Date: 2026-12-02 19:22:29.825558
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import queue_server.db

revision: str = "0010_h6_complaints"
down_revision: str | Sequence[str] | None = "0010_h1_estimates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "agency_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", queue_server.db.UTCDateTime(), nullable=False),
        sa.Column("expiry_warned", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_agency_agreements_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_agreements")),
        sa.UniqueConstraint(
            "agency_id", "number", name=op.f("uq_agency_agreements_agency_id_number")
        ),
    )
    with op.batch_alter_table("agency_agreements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agency_agreements_agency_id"), ["agency_id"], unique=False
        )

    op.create_table(
        "complaint_counters",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_complaint_counters_office_id_offices")
        ),
        sa.PrimaryKeyConstraint("office_id", "year", name=op.f("pk_complaint_counters")),
    )
    op.create_table(
        "agency_agreement_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agency_agreements.id"],
            name=op.f("fk_agency_agreement_services_agreement_id_agency_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_agency_agreement_services_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_agreement_services")),
        sa.UniqueConstraint(
            "agreement_id",
            "service_id",
            name=op.f("uq_agency_agreement_services_agreement_id_service_id"),
        ),
    )
    with op.batch_alter_table("agency_agreement_services", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agency_agreement_services_agreement_id"), ["agreement_id"], unique=False
        )

    op.create_table(
        "complaints",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("applicant_contact", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("consent_personal_data", sa.Boolean(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("window_id", sa.Integer(), nullable=True),
        sa.Column("clerk_id", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("received_at", queue_server.db.UTCDateTime(), nullable=False),
        sa.Column("registered_at", queue_server.db.UTCDateTime(), nullable=False),
        sa.Column("registered_by", sa.Integer(), nullable=True),
        sa.Column("registration_due", sa.Date(), nullable=False),
        sa.Column("registered_late", sa.Boolean(), nullable=False),
        sa.Column("answer_due", sa.Date(), nullable=False),
        sa.Column("warn_from", sa.Date(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("closed_at", queue_server.db.UTCDateTime(), nullable=True),
        sa.Column("answered_on_time", sa.Boolean(), nullable=True),
        sa.Column("near_due_flagged", sa.Boolean(), nullable=False),
        sa.Column("overdue_flagged", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_complaints_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["clerk_id"], ["users.id"], name=op.f("fk_complaints_clerk_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_complaints_office_id_offices")
        ),
        sa.ForeignKeyConstraint(
            ["registered_by"], ["users.id"], name=op.f("fk_complaints_registered_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_complaints_service_id_services")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_complaints_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["window_id"], ["windows.id"], name=op.f("fk_complaints_window_id_windows")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("number", name=op.f("uq_complaints_number")),
        sa.UniqueConstraint(
            "office_id", "year", "seq", name=op.f("uq_complaints_office_id_year_seq")
        ),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(
            "ix_complaints_office_registered", ["office_id", "registered_at"], unique=False
        )
        batch_op.create_index("ix_complaints_office_status", ["office_id", "status"], unique=False)

    op.create_table(
        "complaint_steps",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "complaint_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("at", queue_server.db.UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_steps_complaint_id_complaints"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_complaint_steps_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_steps")),
    )
    with op.batch_alter_table("complaint_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_steps_complaint_id"), ["complaint_id"], unique=False
        )

    # The foreign key makes SQLite rebuild `cases` (batch mode); PostgreSQL alters in place.
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("explanation_requested_at", queue_server.db.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("explanation_requested_by", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("result_prepared_at", queue_server.db.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("result_handover_late", sa.Boolean(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_explanation_requested_by_users"),
            "users",
            ["explanation_requested_by"],
            ["id"],
        )

    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("schedule_override_reason", sa.String(length=300), nullable=True)
        )
        batch_op.add_column(sa.Column("schedule_override_by", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("schedule_override_at", queue_server.db.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.drop_column("schedule_override_at")
        batch_op.drop_column("schedule_override_by")
        batch_op.drop_column("schedule_override_reason")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_cases_explanation_requested_by_users"), type_="foreignkey"
        )
        batch_op.drop_column("result_handover_late")
        batch_op.drop_column("result_prepared_at")
        batch_op.drop_column("explanation_requested_by")
        batch_op.drop_column("explanation_requested_at")

    with op.batch_alter_table("complaint_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_steps_complaint_id"))

    op.drop_table("complaint_steps")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index("ix_complaints_office_status")
        batch_op.drop_index("ix_complaints_office_registered")

    op.drop_table("complaints")
    with op.batch_alter_table("agency_agreement_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_agreement_services_agreement_id"))

    op.drop_table("agency_agreement_services")
    op.drop_table("complaint_counters")
    with op.batch_alter_table("agency_agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_agreements_agency_id"))

    op.drop_table("agency_agreements")
