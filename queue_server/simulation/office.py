"""The simulated office in the database: its catalogue, windows, clerks and kiosks.

Written through the same import and account services as a real office, so the simulated
day is stored exactly like a real one and every report reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.auth.models import Device, User
from queue_server.auth.service import Principal, add_device
from queue_server.catalogue.models import PriorityCategory, Service
from queue_server.clock import Clock
from queue_server.config_io import ConfigFile, import_config
from queue_server.offices.models import Office
from queue_server.simulation.config import SimConfig

# Several kiosks share the arrivals, as in a real hall; a per-device rate limit then sees
# a realistic load per kiosk rather than one device issuing a whole office's tickets.
KIOSKS = 4
# The password hash of simulated accounts: not an Argon2 hash, so no password matches it.
NO_PASSWORD = "!simulated"


@dataclass
class SimOffice:
    """Ids and principals of the simulated office, read once and kept for the whole run."""

    office_id: int
    clerks: dict[int, Principal]  # window number → the clerk who works there
    kiosks: list[Principal]
    manager: Principal
    service_ids: dict[str, int]
    service_kinds: dict[str, str]
    priority_codes: list[str]
    window_services: dict[int, frozenset[str]] = field(default_factory=dict)


def set_up_office(*, session: Session, clock: Clock, config: SimConfig) -> SimOffice:
    """Create or replace the configured office; clerk accounts and kiosks are added once."""
    code = config.office_code
    import_config(
        session=session,
        data=ConfigFile.model_validate(
            {**config.catalogue.model_dump(), "offices": {code: config.office.model_dump()}}
        ),
        clock=clock,
    )
    office = session.scalar(select(Office).where(Office.code == code))
    assert office is not None
    # Nobody logs in as a simulated clerk: no password hash (Argon2 is slow on purpose, a
    # second of a loaded machine), a value no password matches (`verify_password`).
    password_hash = NO_PASSWORD
    clerks = {
        c.window: _principal(
            _user(session, f"{code}-clerk-{c.window}", "clerk", office, password_hash)
        )
        for c in config.clerk_list()
    }
    manager = _principal(_user(session, f"{code}-manager", "manager", office, password_hash))
    kiosks = [
        Principal("device", d.id, "kiosk", office.id, d.name)
        for d in (_kiosk(session, clock, office, f"sim-kiosk-{n}") for n in range(1, KIOSKS + 1))
    ]
    services = session.scalars(select(Service)).all()
    categories = session.scalars(
        select(PriorityCategory.code)
        .where(PriorityCategory.active.is_(True))
        .order_by(PriorityCategory.code)
    ).all()
    return SimOffice(
        office_id=office.id,
        clerks=clerks,
        kiosks=kiosks,
        manager=manager,
        service_ids={s.code: s.id for s in services},
        service_kinds={s.code: s.kind for s in services},
        priority_codes=list(categories),
        window_services={
            n: frozenset(s.service for s in w.services) for n, w in config.office.windows.items()
        },
    )


def _user(session: Session, username: str, role: str, office: Office, password_hash: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(
            username=username,
            password_hash=password_hash,
            role=role,
            full_name=username,
            office_id=office.id,
        )
        session.add(user)
        session.flush()
    return user


def _kiosk(session: Session, clock: Clock, office: Office, name: str) -> Device:
    device = session.scalar(
        select(Device).where(
            Device.office_id == office.id, Device.name == name, Device.revoked.is_(False)
        )
    )
    if device is None:
        device, _token = add_device(
            session=session, clock=clock, office=office, kind="kiosk", name=name
        )
    return device


def _principal(user: User) -> Principal:
    return Principal("user", user.id, user.role, user.office_id, user.username)
