"""cases: register, documents, history, visits, issuances, settings

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import queue_server.db

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "case_issuances",
    "case_visits",
    "case_steps",
    "case_documents",
    "cases",
    "case_settings",
    "case_counters",
)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "case_counters",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_case_counters_office_id_offices")
        ),
        sa.PrimaryKeyConstraint("office_id", "year", name=op.f("pk_case_counters")),
    )
    op.create_table(
        "case_settings",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("storage_days", sa.Integer(), nullable=False),
        sa.Column("courier_weekdays", sa.JSON(), nullable=False),
        sa.Column("printers", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["offices.id"],
            name=op.f("fk_case_settings_office_id_offices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("office_id", name=op.f("pk_case_settings")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("registration_number", sa.String(length=32), nullable=False),
        sa.Column("status_code", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("applicant_document_type", sa.String(length=100), nullable=False),
        sa.Column("applicant_document_number", sa.String(length=50), nullable=False),
        sa.Column("applicant_key", sa.String(length=260), nullable=False),
        sa.Column("representative_name", sa.String(length=200), nullable=True),
        sa.Column("representative_authority", sa.String(length=300), nullable=True),
        sa.Column("consent_personal_data", sa.Boolean(), nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("postal_address", sa.String(length=300), nullable=True),
        sa.Column("registered_at", queue_server.db.UTCDateTime(), nullable=False),
        sa.Column("registered_by", sa.Integer(), nullable=False),
        sa.Column("transfer_due", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("storage_until", sa.Date(), nullable=True),
        sa.Column("agency_incoming_number", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("sent_at", queue_server.db.UTCDateTime(), nullable=True),
        sa.Column("result_received_at", queue_server.db.UTCDateTime(), nullable=True),
        sa.Column("ready_at", queue_server.db.UTCDateTime(), nullable=True),
        sa.Column("closed_at", queue_server.db.UTCDateTime(), nullable=True),
        sa.Column("transfer_overdue_flagged", sa.Boolean(), nullable=False),
        sa.Column("agency_overdue_flagged", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_cases_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_cases_office_id_offices")
        ),
        sa.ForeignKeyConstraint(
            ["registered_by"], ["users.id"], name=op.f("fk_cases_registered_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_cases_service_id_services")
        ),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["service_variants.id"],
            name=op.f("fk_cases_variant_id_service_variants"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("office_id", "year", "seq", name=op.f("uq_cases_office_id_year_seq")),
        sa.UniqueConstraint("registration_number", name=op.f("uq_cases_registration_number")),
        sa.UniqueConstraint("status_code", name=op.f("uq_cases_status_code")),
    )
    op.create_index("ix_cases_applicant", "cases", ["office_id", "applicant_key"], unique=False)
    op.create_index("ix_cases_office_status", "cases", ["office_id", "status"], unique=False)
    op.create_table(
        "case_documents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("service_document_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("original", sa.Boolean(), nullable=False),
        sa.Column("sheets", sa.Integer(), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_documents_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_document_id"],
            ["service_documents.id"],
            name=op.f("fk_case_documents_service_document_id_service_documents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_documents")),
    )
    op.create_index(op.f("ix_case_documents_case_id"), "case_documents", ["case_id"], unique=False)
    op.create_table(
        "case_issuances",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("issued_at", queue_server.db.UTCDateTime(), nullable=False),
        sa.Column("clerk_id", sa.Integer(), nullable=False),
        sa.Column("identity_checked", sa.Boolean(), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("representative_authority", sa.String(length=300), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_issuances_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["clerk_id"], ["users.id"], name=op.f("fk_case_issuances_clerk_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_case_issuances_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_issuances")),
        sa.UniqueConstraint("case_id", name=op.f("uq_case_issuances_case_id")),
    )
    op.create_table(
        "case_steps",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=False),
        sa.Column("at", queue_server.db.UTCDateTime(), nullable=False),
        sa.Column("clerk_id", sa.Integer(), nullable=True),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_steps_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["clerk_id"], ["users.id"], name=op.f("fk_case_steps_clerk_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_steps")),
    )
    op.create_index(op.f("ix_case_steps_case_id"), "case_steps", ["case_id"], unique=False)
    op.create_table(
        "case_visits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("at", queue_server.db.UTCDateTime(), nullable=False),
        sa.Column("clerk_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_visits_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["clerk_id"], ["users.id"], name=op.f("fk_case_visits_clerk_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_case_visits_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_visits")),
        sa.UniqueConstraint("case_id", "ticket_id", name=op.f("uq_case_visits_case_id_ticket_id")),
    )
    op.create_index(op.f("ix_case_visits_case_id"), "case_visits", ["case_id"], unique=False)
    op.create_index(op.f("ix_case_visits_ticket_id"), "case_visits", ["ticket_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    for table in TABLES:
        op.drop_table(table)
