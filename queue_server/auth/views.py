"""Routes: log in, who am I, staff accounts, device tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select

from queue_server.auth.models import Device, User
from queue_server.auth.schemas import DeviceIn, DeviceOut, MeOut, TokenOut, UserIn, UserOut
from queue_server.auth.service import add_device, create_user, login
from queue_server.deps import ClockDep, CurrentOffice, PrincipalDep, RuntimeDep, SessionDep
from queue_server.errors import Forbidden, InvalidInput
from queue_server.offices.models import Office

router = APIRouter(tags=["auth"])


def _office_code(session: SessionDep, office_id: int | None) -> str | None:
    office = session.get(Office, office_id) if office_id else None
    return office.code if office else None


@router.post("/auth/token", response_model=TokenOut)
def issue_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> TokenOut:
    """Log in with username and password (OAuth2 password form) for a bearer token."""
    ttl = timedelta(minutes=runtime.settings.token_ttl_minutes)
    token, _user = login(
        session=session, clock=clock, username=form.username, password=form.password, ttl=ttl
    )
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
def add_user(data: UserIn, principal: PrincipalDep, session: SessionDep) -> UserOut:
    """Create a staff account: admins any; managers only clerks of their own office."""
    office = None
    if data.office is not None:
        office = session.scalar(select(Office).where(Office.code == data.office))
        if office is None:
            raise InvalidInput(f"No office with code {data.office!r}.", code="office_not_found")
    if principal.role == "manager":
        if data.role != "clerk" or office is None:
            raise Forbidden("A manager creates only clerk accounts.", code="wrong_role")
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
    return _user_out(session, user)


@router.get("/users", response_model=list[UserOut])
def list_users(principal: PrincipalDep, session: SessionDep) -> list[UserOut]:
    """Staff accounts visible to the caller (a manager sees their office)."""
    principal.require_role("admin", "manager")
    stmt = select(User).order_by(User.username)
    if principal.office_id is not None:
        stmt = stmt.where(User.office_id == principal.office_id)
    return [_user_out(session, u) for u in session.scalars(stmt)]


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
    return DeviceOut(
        id=device.id, kind=device.kind, name=device.name, office=office.code, token=token
    )


@router.get("/offices/{code}/devices", response_model=list[DeviceOut])
def list_devices(
    office: CurrentOffice, principal: PrincipalDep, session: SessionDep
) -> list[DeviceOut]:
    """The office's registered devices (without tokens)."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    devices = session.scalars(
        select(Device).where(Device.office_id == office.id, Device.revoked.is_(False))
    )
    return [DeviceOut(id=d.id, kind=d.kind, name=d.name, office=office.code) for d in devices]
