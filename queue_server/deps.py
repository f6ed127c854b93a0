"""FastAPI dependencies: runtime, sessions (one commit point), principal, loaders."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.auth.service import Principal, resolve_token
from queue_server.clock import Clock
from queue_server.errors import NotAuthenticated, NotFound
from queue_server.offices.models import Office
from queue_server.runtime import Runtime
from queue_server.tickets.models import Ticket
from queue_server.types import Code, Id


def get_runtime(request: Request) -> Runtime:
    """The runtime the lifespan put into the request state."""
    runtime: Runtime = request.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_clock(runtime: RuntimeDep) -> Clock:
    """The injected clock."""
    return runtime.clock


ClockDep = Annotated[Clock, Depends(get_clock)]


def get_session(request: Request, runtime: RuntimeDep) -> Iterator[Session]:
    """One transaction per request: read-only for GET, else committed before the response.

    A GET route marked `audit.service.writes_audit` (it records a view of personal data or
    an export, R16) gets a writing transaction.
    """
    audited = getattr(request.scope.get("endpoint"), "writes_audit", False)
    read_only = request.method in ("GET", "HEAD") and not audited
    with runtime.db.transaction(read_only=read_only) as session:
        yield session


# scope="function": the commit happens before the response goes out, so a client never
# sees success for a change that then fails to commit.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_report_session(runtime: RuntimeDep, session: SessionDep) -> Iterator[Session]:
    """The session reports read from: the read replica's (`MFCQ_REPORTS_DATABASE_URL`) when
    one is set, else the request's own (one connection per request, as the pool expects)."""
    if runtime.db.reports_engine is None:
        yield session
        return
    with runtime.db.report_transaction() as replica:
        yield replica


ReportSessionDep = Annotated[Session, Depends(get_report_session, scope="function")]

_bearer = HTTPBearer(auto_error=False)


def get_principal(
    session: SessionDep,
    clock: ClockDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The authenticated staff member or device; 401 without a valid bearer token."""
    return resolve_token(session=session, clock=clock, token=bearer_token(credentials))


def bearer_token(credentials: HTTPAuthorizationCredentials | None) -> str:
    """The request's bearer token, not yet checked; 401 without one."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated()
    return credentials.credentials


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_read_principal(
    runtime: RuntimeDep,
    clock: ClockDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The principal, resolved in a short read-only transaction (routes that refuse cheaply).

    The transaction ends before the route runs: a request never holds two connections (the
    pool is sized for one per admitted request) and never the write lock while it reads.
    """
    with runtime.db.transaction(read_only=True) as session:
        return get_principal(session, clock, credentials)


ReadPrincipalDep = Annotated[Principal, Depends(get_read_principal)]


def get_office(code: Code, session: SessionDep) -> Office:
    """The office named in the path, or 404."""
    office = session.scalar(select(Office).where(Office.code == code))
    if office is None:
        raise NotFound(code="office_not_found", value=code)
    return office


CurrentOffice = Annotated[Office, Depends(get_office)]


def get_ticket(ticket_id: Id, session: SessionDep) -> Ticket:
    """The ticket named in the path, or 404."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(code="ticket_not_found")
    return ticket


CurrentTicket = Annotated[Ticket, Depends(get_ticket)]
