"""Staff accounts, password hashing (Argon2id), bearer and device tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.auth.models import DEVICE_KINDS, ROLES, ApiToken, Device, User
from queue_server.clock import Clock
from queue_server.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated
from queue_server.events.service import emit
from queue_server.messages import Term
from queue_server.offices.models import Office

_hasher = PasswordHasher()
# Verifying against this keeps the time of "no such user" equal to "wrong password".
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """An Argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether the password matches the stored hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    """The SHA-256 a token is stored and looked up by (the token itself is never kept)."""
    return hashlib.sha256(token.encode()).hexdigest()


_digest = token_digest

#: The event that tells every process's hub to re-check its sockets now (not at the next tick).
CREDENTIALS_REVOKED = "auth.revoked"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a staff member or a device, and the office they belong to."""

    kind: str  # "user" or "device"
    id: int
    role: str  # admin / manager / clerk, or the device kind
    office_id: int | None
    name: str

    @property
    def is_staff(self) -> bool:
        """A person rather than a device."""
        return self.kind == "user"

    @property
    def user_id(self) -> int | None:
        """The staff account's id; None for a device (whose id may equal some user's)."""
        return self.id if self.kind == "user" else None

    def is_user(self, user_id: int | None) -> bool:
        """Whether this is the staff account `user_id` (a device never is, whatever its id)."""
        return self.kind == "user" and user_id is not None and self.id == user_id

    def is_device(self, device_id: int | None) -> bool:
        """Whether this is the device `device_id` (a person never is, whatever their id)."""
        return self.kind == "device" and device_id is not None and self.id == device_id

    def may_act_in(self, office_id: int) -> bool:
        """Whether the principal belongs to the office (office None: every office)."""
        return self.office_id is None or self.office_id == office_id

    def require_office(self, office_id: int) -> None:
        """Refuse a principal of another office."""
        if not self.may_act_in(office_id):
            raise Forbidden(code="wrong_office")

    def require_staff(self) -> None:
        """Refuse every device: this is for people only."""
        if not self.is_staff:
            raise Forbidden(code="staff_only")

    def require_staff_or_device(self, *device_kinds: str) -> None:
        """Staff pass; a device only when its kind needs this (kiosk, board, led)."""
        if self.is_staff or self.role in device_kinds:
            return
        raise Forbidden(code="wrong_device", kind=Term("role", self.role))

    def require_role(self, *roles: str) -> None:
        """Refuse a principal whose role is not among `roles`.

        Staff roles match only people and device kinds only devices, so the two name
        spaces can never be confused even if a kind were ever named like a role.
        """
        if self.role not in roles or (self.role in ROLES) != self.is_staff:
            raise Forbidden(
                code="wrong_role",
                roles=tuple(Term("role", r) for r in roles),
                role=Term("role", self.role),
            )


def create_user(
    *,
    session: Session,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    office_id: int | None = None,
) -> User:
    """A new staff account; clerks must belong to an office."""
    if role not in ROLES:
        raise InvalidInput(code="unknown_role", role=role, roles=", ".join(ROLES))
    if role == "clerk" and office_id is None:
        raise InvalidInput(code="clerk_needs_office")
    if len(password) < 8:
        raise InvalidInput(code="password_too_short", min=8)
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        full_name=full_name,
        office_id=office_id,
    )
    session.add(user)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(code="username_taken", username=username) from exc
    return user


def set_password(
    *, session: Session, user: User, password: str, clock: Clock | None = None
) -> None:
    """Replace a user's password and revoke their tokens."""
    if len(password) < 8:
        raise InvalidInput(code="password_too_short", min=8)
    user.password_hash = hash_password(password)
    revoke_user_tokens(session=session, user=user, clock=clock)


def may_manage(*, principal: Principal, user: User) -> None:
    """Refuse a caller who may not change this account.

    Admins manage every account; a manager only the clerks of their own office (and any
    staff member may change their own password, checked by the caller).
    """
    if principal.role == "admin":
        return
    if principal.role == "manager" and user.role == "clerk" and user.office_id is not None:
        principal.require_office(user.office_id)
        return
    raise Forbidden(code="wrong_role", key="wrong_role.may_not_change_account")


def update_user(
    *,
    session: Session,
    principal: Principal,
    user: User,
    full_name: str | None = None,
    role: str | None = None,
    office_id: int | None = None,
    clear_office: bool = False,
    active: bool | None = None,
    clock: Clock | None = None,
) -> User:
    """Change an account's name, role, office or whether it is enabled; disabling logs it out."""
    may_manage(principal=principal, user=user)
    new_role = role or user.role
    new_office = None if clear_office else (office_id or user.office_id)
    if principal.role == "manager":
        if new_role != "clerk":
            raise Forbidden(code="wrong_role", key="wrong_role.manager_manages_clerks")
        if new_office is None:
            raise Forbidden(code="wrong_office", key="wrong_office.manager_keeps_clerks_in_office")
        principal.require_office(new_office)
    if principal.is_user(user.id):
        if active is False:
            raise Conflict(code="own_account", key="own_account.disable")
        if new_role != user.role:
            raise Conflict(code="own_account", key="own_account.role")
    if new_role not in ROLES:
        raise InvalidInput(code="unknown_role", role=new_role, roles=", ".join(ROLES))
    if new_role == "clerk" and new_office is None:
        raise InvalidInput(code="clerk_needs_office")
    if full_name is not None:
        user.full_name = full_name
    user.role, user.office_id = new_role, new_office
    if active is not None:
        user.active = active
        if not active:
            revoke_user_tokens(session=session, user=user, clock=clock)
    session.flush()
    return user


def revoke_user_tokens(*, session: Session, user: User, clock: Clock | None = None) -> None:
    """Delete every bearer token of the user (they must log in again); open sockets close."""
    for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
        session.delete(token)
    if clock is not None:
        _announce_revocation(session, clock, office_id=user.office_id, user_id=user.id)


def revoke_device(*, session: Session, device: Device, clock: Clock | None = None) -> None:
    """Revoke a device's token for good; the device must be registered again."""
    if device.revoked:
        raise Conflict(code="device_revoked", device=device.id)
    device.revoked = True
    session.flush()
    if clock is not None:
        _announce_revocation(session, clock, office_id=device.office_id, device_id=device.id)


def _announce_revocation(
    session: Session, clock: Clock, *, office_id: int | None, **who: int
) -> None:
    # Through the outbox, so the hub of every process hears it (NOTIFY on PostgreSQL) and
    # closes the affected sockets at once; the hub's periodic re-check is the safety net.
    emit(session=session, clock=clock, type=CREDENTIALS_REVOKED, office_id=office_id, payload=who)


def live_principals(
    *, session: Session, clock: Clock, digests: Collection[str]
) -> dict[str, Principal]:
    """The principals behind those token digests that are still valid, by digest.

    Re-checks every open socket of a process at once: one query for devices and one for
    staff tokens, whatever the number of sockets. A digest missing from the answer was
    revoked, expired, or belongs to a disabled account.
    """
    if not digests:
        return {}
    wanted = list(digests)
    found: dict[str, Principal] = {}
    for device in session.scalars(
        select(Device).where(Device.token_hash.in_(wanted), Device.revoked.is_(False))
    ):
        found[device.token_hash] = Principal(
            "device", device.id, device.kind, device.office_id, device.name
        )
    rows = session.execute(
        select(ApiToken.token_hash, User)
        .join(User, User.id == ApiToken.user_id)
        .where(
            ApiToken.token_hash.in_(wanted),
            ApiToken.expires_at > clock.now(),
            User.active.is_(True),
        )
    )
    for digest, user in rows:
        found[digest] = Principal(
            "user", user.id, user.role, user.office_id, user.full_name or user.username
        )
    return found


def login(
    *, session: Session, clock: Clock, username: str, password: str, ttl: timedelta
) -> tuple[str, User]:
    """Check a username and password and issue a bearer token."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        verify_password(_DUMMY_HASH, password)
        raise NotAuthenticated(code="bad_credentials")
    if not verify_password(user.password_hash, password) or not user.active:
        raise NotAuthenticated(code="bad_credentials")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return create_token(session=session, clock=clock, user=user, ttl=ttl), user


def create_token(*, session: Session, clock: Clock, user: User, ttl: timedelta) -> str:
    """A new bearer token for an authenticated user; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        ApiToken(token_hash=_digest(token), user_id=user.id, created_at=now, expires_at=now + ttl)
    )
    return token


def add_device(
    *, session: Session, clock: Clock, office: Office, kind: str, name: str
) -> tuple[Device, str]:
    """Register a kiosk, board or LED driver; the token is shown once and stored hashed."""
    if kind not in DEVICE_KINDS:
        raise InvalidInput(code="unknown_device_kind", kind=kind, kinds=", ".join(DEVICE_KINDS))
    token = "dev_" + secrets.token_urlsafe(32)
    device = Device(
        office_id=office.id, kind=kind, name=name, token_hash=_digest(token), created_at=clock.now()
    )
    session.add(device)
    session.flush()
    return device, token


class DeviceTokens:
    """The devices behind the tokens one server process has seen, by the token's digest.

    A kiosk issues a ticket at every press with the same token; reading its device first,
    on a statement of its own, cost 0.8 ms of the issue's 7 (a ninth). A principal found here is
    only a claim: the issue's pre-read checks, in the same statement, that the device row
    still has this token and is not revoked (`issuing.plan_issue`), and a claim refused
    there is forgotten and the token resolved again (so a revoked kiosk gets its 401 on its
    next request, in every process). Devices are never moved to another office or given
    another kind: the row's id and token are all there is to check. Bounded: past `size`
    tokens the oldest half is dropped.
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._by_digest: dict[str, Principal] = {}

    def get(self, digest: str) -> Principal | None:
        """The device remembered for this token's digest, unchecked."""
        return self._by_digest.get(digest)

    def remember(self, digest: str, principal: Principal) -> None:
        """Remember a device just resolved from the database (people are never kept)."""
        if principal.kind != "device":
            return
        if len(self._by_digest) >= self.size:
            for old in list(self._by_digest)[: self.size // 2]:
                self._by_digest.pop(old, None)
        self._by_digest[digest] = principal

    def forget(self, digest: str) -> None:
        """Drop a claim the database refused."""
        self._by_digest.pop(digest, None)


def device_digest(token: str) -> str | None:
    """The digest of a device's token (`dev_…`); None for a person's."""
    return _digest(token) if token.startswith("dev_") else None


def resolve_token(*, session: Session, clock: Clock, token: str) -> Principal:
    """The principal behind a bearer token, or NotAuthenticated."""
    digest = _digest(token)
    if token.startswith("dev_"):
        device = session.scalar(select(Device).where(Device.token_hash == digest))
        if device is None or device.revoked:
            raise NotAuthenticated(code="bad_token")
        return Principal("device", device.id, device.kind, device.office_id, device.name)
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == digest)
    ).first()
    if row is None:
        raise NotAuthenticated(code="bad_token")
    api_token, user = row
    if api_token.expires_at <= clock.now():
        raise NotAuthenticated(code="token_expired")
    if not user.active:
        raise NotAuthenticated(code="account_disabled")
    return Principal("user", user.id, user.role, user.office_id, user.full_name or user.username)
