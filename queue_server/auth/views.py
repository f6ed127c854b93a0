"""Routes: log in, who am I, staff accounts, device tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy import select

from queue_server.api import api_router
from queue_server.audit.service import record, record_failed_login
from queue_server.auth import throttle
from queue_server.auth.models import Device, User
from queue_server.auth.schemas import (
    DeviceIn,
    DeviceOut,
    LoginForm,
    MeOut,
    PasswordIn,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
)
from queue_server.auth.service import (
    add_device,
    create_user,
    login,
    may_manage,
    revoke_device,
    set_password,
    update_user,
)
from queue_server.deps import ClockDep, CurrentOffice, PrincipalDep, RuntimeDep, SessionDep
from queue_server.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from queue_server.offices.models import Office
from queue_server.types import Id, SearchText

router = api_router(tags=["auth"])


def _office_code(session: SessionDep, office_id: int | None) -> str | None:
    office = session.get(Office, office_id) if office_id else None
    return office.code if office else None


@router.post("/auth/token", response_model=TokenOut)
def issue_token(
    form: Annotated[LoginForm, Depends()],
    request: Request,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> TokenOut:
    """Log in with username and password (OAuth2 password form) for a bearer token.

    Throttled per account and per client address (429 with Retry-After). Two transactions
    rather than the request's one: the attempt's count must stay when the login fails.
    """
    ttl = timedelta(minutes=runtime.settings.token_ttl_minutes)
    address = request.client.host if request.client else ""
    attempt = throttle.claim_login_attempt(
        db=runtime.db,
        clock=clock,
        username=form.username,
        address=address,
        limits=throttle.LoginLimits.from_settings(runtime.settings),
    )
    try:
        with runtime.db.transaction() as session:
            token, user = login(
                session=session,
                clock=clock,
                username=form.username,
                password=form.password,
                ttl=ttl,
            )
            throttle.forgive_login_attempt(session=session, attempt=attempt)
            record(
                session,
                user,
                "login",
                user.office_id,
                user.username,
                {},
                clock=clock,
                address=address,
            )
    except NotAuthenticated:
        record_failed_login(db=runtime.db, clock=clock, username=form.username, address=address)
        raise
    return TokenOut(access_token=token, expires_in=int(ttl.total_seconds()))


@router.get("/auth/me", response_model=MeOut)
def me(principal: PrincipalDep, session: SessionDep) -> MeOut:
    """The account or device behind the token."""
    return MeOut(
        kind=principal.kind,
        id=principal.id,
        role=principal.role,
        office=_office_code(session, principal.office_id),
        name=principal.name,
    )


def _user_out(session: SessionDep, user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        role=user.role,
        full_name=user.full_name,
        office=_office_code(session, user.office_id),
        active=user.active,
    )


@router.post("/users", response_model=UserOut, status_code=201)
def add_user(
    data: UserIn, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> UserOut:
    """Create a staff account: admins any; managers only clerks of their own office."""
    office = None
    if data.office is not None:
        office = session.scalar(select(Office).where(Office.code == data.office))
        if office is None:
            raise InvalidInput(code="office_not_found", value=data.office)
    if principal.role == "manager":
        if data.role != "clerk" or office is None:
            raise Forbidden(code="wrong_role", key="wrong_role.manager_manages_clerks")
        principal.require_office(office.id)
    else:
        principal.require_role("admin")
    user = create_user(
        session=session,
        username=data.username,
        password=data.password,
        role=data.role,
        full_name=data.full_name,
        office_id=office.id if office else None,
    )
    record(
        session,
        principal,
        "account_created",
        user.office_id,
        user.username,
        {"role": user.role},
        clock=clock,
    )
    return _user_out(session, user)


@router.get("/users", response_model=list[UserOut])
def list_users(principal: PrincipalDep, session: SessionDep) -> list[UserOut]:
    """Staff accounts visible to the caller (a manager sees their office)."""
    principal.require_role("admin", "manager")
    stmt = select(User).order_by(User.username)
    if principal.office_id is not None:
        stmt = stmt.where(User.office_id == principal.office_id)
    return [_user_out(session, u) for u in session.scalars(stmt)]


def _user(session: SessionDep, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(code="user_not_found", username=username)
    return user


@router.patch("/users/{username}", response_model=UserOut)
def change_user(
    username: SearchText,
    data: UserPatch,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
) -> UserOut:
    """Change an account's name, role, office or enable/disable it (admins; managers: clerks
    of their office). Disabling revokes the account's tokens."""
    principal.require_role("admin", "manager")
    user = _user(session, username)
    office_id = None
    if data.office is not None:
        office = session.scalar(select(Office).where(Office.code == data.office))
        if office is None:
            raise InvalidInput(code="office_not_found", value=data.office)
        office_id = office.id
    update_user(
        session=session,
        principal=principal,
        user=user,
        full_name=data.full_name,
        role=data.role,
        office_id=office_id,
        clear_office=data.no_office,
        active=data.active,
        clock=clock,
    )
    record(
        session,
        principal,
        "account_changed",
        user.office_id,
        user.username,
        data.model_dump(exclude_unset=True),
        clock=clock,
    )
    return _user_out(session, user)


@router.post("/users/{username}/password", status_code=204)
def reset_password(
    username: SearchText,
    data: PasswordIn,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """Set a new password (one's own, or as admin / the clerk's manager); tokens are revoked."""
    if not principal.is_staff:
        raise Forbidden(code="wrong_role", key="wrong_role.device_has_no_password")
    user = _user(session, username)
    if not principal.is_user(user.id):
        principal.require_role("admin", "manager")
        may_manage(principal=principal, user=user)
    set_password(session=session, user=user, password=data.password, clock=clock)
    record(session, principal, "password_reset", user.office_id, user.username, {}, clock=clock)
    return Response(status_code=204)


def _device_out(device: Device, office: Office, token: str | None = None) -> DeviceOut:
    return DeviceOut(
        id=device.id,
        kind=device.kind,
        name=device.name,
        office=office.code,
        token=token,
        state=device.state,
        state_at=device.state_at,
        created_at=device.created_at,
    )


@router.post("/offices/{code}/devices", response_model=DeviceOut, status_code=201)
def register_device(
    data: DeviceIn,
    office: CurrentOffice,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
) -> DeviceOut:
    """Register a kiosk, board or LED driver; the response shows its token once."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    device, token = add_device(
        session=session, clock=clock, office=office, kind=data.kind, name=data.name
    )
    record(
        session, principal, "device_added", office, device.name, {"kind": device.kind}, clock=clock
    )
    return _device_out(device, office, token)


@router.get("/offices/{code}/devices", response_model=list[DeviceOut])
def list_devices(
    office: CurrentOffice, principal: PrincipalDep, session: SessionDep
) -> list[DeviceOut]:
    """The office's registered devices (without tokens)."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    devices = session.scalars(
        select(Device)
        .where(Device.office_id == office.id, Device.revoked.is_(False))
        .order_by(Device.id)
    )
    return [_device_out(d, office) for d in devices]


@router.delete("/offices/{code}/devices/{device_id}", status_code=204)
def remove_device(
    device_id: Id,
    office: CurrentOffice,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """Revoke a device's token (a lost or replaced kiosk, board or LED driver)."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    device = session.get(Device, device_id)
    if device is None or device.office_id != office.id:
        raise NotFound(code="device_not_found", device=device_id, office=office.code)
    revoke_device(session=session, device=device, clock=clock)
    record(
        session,
        principal,
        "device_revoked",
        office,
        device.name,
        {"kind": device.kind},
        clock=clock,
    )
    return Response(status_code=204)
