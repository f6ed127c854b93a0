"""Indexes the reports need on the core's tables (migration 0006); no tables of their own."""

from __future__ import annotations

from sqlalchemy import Index

from queue_server.tickets.models import Ticket, WaitBreach

# The earlier waits of redirected tickets are rebuilt from their transitions: find those
# few tickets of a period without reading the others.
ix_tickets_redirected = Index(
    "ix_tickets_redirected",
    Ticket.office_id,
    Ticket.day,
    postgresql_where=Ticket.redirect_count > 0,
    sqlite_where=Ticket.redirect_count > 0,
)
# The breach list of a period, in time order.
ix_wait_breaches_report = Index(
    "ix_wait_breaches_report", WaitBreach.office_id, WaitBreach.waiting_since
)
