"""Recording the audit trail (R16): one function, `record`, called from each place.

Each hook is one line: `record(session, actor, "action", office, target, detail, clock=…)`.
A GET route that records (a view of personal data, an export) is marked `@writes_audit`,
so that its request's one transaction may write.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_server.audit import rules
from queue_server.audit.models import AuditEntry
from queue_server.auth.models import Device, User
from queue_server.auth.service import Principal
from queue_server.clock import Clock
from queue_server.db import Database
from queue_server.offices.models import Office
from queue_server.tickets.models import Ticket

F = TypeVar("F", bound=Callable[..., Any])

# A string names a process acting for the operator (a configuration import), not a person.
Actor = Principal | User | Device | str | None


def writes_audit(route: F) -> F:
    """Mark a GET route whose request records an audit entry: its transaction may write."""
    route.writes_audit = True  # type: ignore[attr-defined]
    return route


def _actor(actor: Actor) -> tuple[str, int | None, str]:
    if isinstance(actor, Principal):
        return actor.kind, actor.id, actor.name
    if isinstance(actor, User):
        return "user", actor.id, actor.full_name or actor.username
    if isinstance(actor, Device):
        return "device", actor.id, actor.name
    if isinstance(actor, str):
        return "system", None, actor
    return "anonymous", None, "неизвестный"


def _clean(value: Any, depth: int = 0) -> Any:
    if isinstance(value, dict):
        if depth > 3:
            return rules.MASK
        return {
            str(k)[:64]: rules.MASK if rules.SECRET_KEYS.search(str(k)) else _clean(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_clean(v, depth + 1) for v in list(value)[:50]]
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = rules.SECRET_VALUE.sub(rules.MASK, str(value))
    return text[: rules.MAX_VALUE_CHARS]


def clean_detail(detail: dict[str, Any] | None) -> dict[str, Any]:
    """The detail without any password, token or hash (by key, and by the look of a value)."""
    cleaned = _clean(detail or {})
    assert isinstance(cleaned, dict)
    return cleaned


def record(
    session: Session,
    actor: Actor,
    action: str,
    office: Office | int | None,
    target: str,
    detail: dict[str, Any] | None = None,
    *,
    clock: Clock,
    address: str = "",
) -> AuditEntry:
    """Append one entry: who did `action` in which office to what, and when (R16)."""
    if action not in rules.ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    kind, actor_id, name = _actor(actor)
    office_id = office.id if isinstance(office, Office) else office
    entry = AuditEntry(
        at=clock.now(),
        actor_kind=kind,
        actor_id=actor_id,
        actor_name=name[:200],
        action=action,
        office_id=office_id,
        target=rules.SECRET_VALUE.sub(rules.MASK, target)[:200],
        address=address[:64],
        detail=clean_detail(detail),
    )
    session.add(entry)
    return entry


def record_ticket_move(
    session: Session,
    actor: Actor,
    action: str,
    ticket: Ticket,
    detail: dict[str, Any] | None = None,
    *,
    clock: Clock,
) -> AuditEntry:
    """Append a clerk's move of a ticket, named by its number (R16)."""
    return record(
        session, actor, action, ticket.office_id, f"талон {ticket.number}", detail, clock=clock
    )


def record_failed_login(*, db: Database, clock: Clock, username: str, address: str) -> None:
    """A failed login, in its own transaction (the login's own is rolled back).

    The entry names the account when one has that name; text typed into the name field
    that is no account's name is not kept (it may be a password typed in the wrong field).
    """
    with db.transaction() as session:
        user = session.scalar(select(User).where(User.username == username[:64]))
        target = user.username if user is not None else "неизвестное имя"
        office = user.office_id if user is not None else None
        record(session, user, "login_failed", office, target, {}, clock=clock, address=address)


def entries(
    *,
    session: Session,
    principal: Principal,
    actor: str | None = None,
    action: str | None = None,
    office: Office | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 1000,
) -> list[AuditEntry]:
    """The entries a manager (their office) or an admin (all) may read, newest first."""
    principal.require_staff()
    principal.require_role("admin", "manager")
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if principal.office_id is not None:
        query = query.where(AuditEntry.office_id == principal.office_id)
    if office is not None:
        principal.require_office(office.id)
        query = query.where(AuditEntry.office_id == office.id)
    if actor:
        query = query.where(
            func.lower(AuditEntry.actor_name).contains(actor.lower(), autoescape=True)
        )
    if action:
        query = query.where(AuditEntry.action == action)
    if start is not None:
        query = query.where(AuditEntry.at >= start)
    if end is not None:
        query = query.where(AuditEntry.at < end)
    return list(session.scalars(query))
