"""The login throttle: so many failed logins per account and per client address per window.

Each attempt is counted *before* the password is checked, in its own committed
transaction, with one atomic upsert per key: parallel guesses cannot all slip in under
the limit, and the count survives the failed login's rollback. A success then takes its
own attempt back (and clears the account's count). Windows are fixed, from the first
failure, on the injected clock; the counts live in the database, shared by every worker.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, case, delete, literal, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from queue_server.auth.exceptions import TooManyLoginAttempts
from queue_server.auth.models import LoginFailures
from queue_server.clock import Clock
from queue_server.db import Database, UTCDateTime
from queue_server.settings import Settings

# Rows whose window ended this long ago are forgotten by the timed job (the window is
# limited to a day by the settings, so nothing still counting is ever dropped).
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class LoginLimits:
    """How many failures an account and an address may have within one window."""

    per_account: int
    per_address: int
    window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimits:
        """The limits the operator set (MFCQ_LOGIN_*)."""
        return cls(
            per_account=settings.login_failures_per_account,
            per_address=settings.login_failures_per_address,
            window=timedelta(minutes=settings.login_throttle_minutes),
        )


@dataclass(frozen=True)
class LoginAttempt:
    """The keys one attempt was counted under, to take it back if it succeeds."""

    account_key: str
    address_key: str


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode("utf-8", "surrogatepass")).hexdigest()


def address_key_of(address: str, kind: str = "address") -> str:
    """The throttle key of a client address; an IPv6 client counts by its /64 network.

    `kind` keeps the counts of different limits apart (logins, the public complaint form).
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return _key(kind, address)
    if ip.version == 6 and ip.ipv4_mapped is None:
        # One subscriber holds a whole /64: counting single addresses would not hold them.
        return _key(kind, str(ipaddress.ip_network(f"{ip}/64", strict=False)))
    return _key(kind, str(ip.ipv4_mapped or ip) if ip.version == 6 else str(ip))


def count_in_window(
    session: Session, key: str, now: datetime, window: timedelta
) -> tuple[int, datetime]:
    """Add one to the key's count of the current fixed window, atomically; (count, start).

    In the caller's transaction: a rolled-back request takes its count back with it.
    """
    return _count(session, key, now, window)


def claim_login_attempt(
    *, db: Database, clock: Clock, username: str, address: str, limits: LoginLimits
) -> LoginAttempt:
    """Count an attempt against the account and the address, or refuse it (429).

    A refused attempt is not counted (its transaction rolls back), so waiting out the
    window always helps.
    """
    attempt = LoginAttempt(_key("account", username), address_key_of(address))
    now = clock.now()
    with db.transaction() as session:
        counted = [
            (_count(session, attempt.account_key, now, limits.window), limits.per_account),
            (_count(session, attempt.address_key, now, limits.window), limits.per_address),
        ]
        waits = [
            start + limits.window - now for (failures, start), limit in counted if failures > limit
        ]
        if waits:
            seconds = max(1, math.ceil(max(waits).total_seconds()))
            raise TooManyLoginAttempts(retry_after=seconds)
    return attempt


def forgive_login_attempt(*, session: Session, attempt: LoginAttempt) -> None:
    """A successful login: the account starts afresh, the address gets its attempt back."""
    session.execute(delete(LoginFailures).where(LoginFailures.key == attempt.account_key))
    session.execute(
        update(LoginFailures)
        .where(LoginFailures.key == attempt.address_key, LoginFailures.failures > 0)
        .values(failures=LoginFailures.failures - 1)
    )


def forget_old_login_failures(*, session: Session, clock: Clock) -> int:
    """Timed job: drop counts whose window ended long ago; how many were dropped."""
    cutoff = clock.now() - FORGET_AFTER
    result = session.execute(delete(LoginFailures).where(LoginFailures.window_start < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def _count(session: Session, key: str, now: datetime, window: timedelta) -> tuple[int, datetime]:
    """Add one to the key's count in one atomic statement; (count, window start)."""
    table = cast(Table, LoginFailures.__table__)
    expired = table.c.window_start <= now - window
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(key=key, failures=1, window_start=now)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "failures": case((expired, 1), else_=table.c.failures + 1),
                "window_start": case(
                    (expired, literal(now, UTCDateTime())), else_=table.c.window_start
                ),
            },
        )
        .returning(table.c.failures, table.c.window_start)
    )
    failures, start = session.execute(statement).one()
    return int(failures), start
