"""Routes: windows, taking and releasing them, pauses."""

from __future__ import annotations

from queue_server.api import api_router
from queue_server.audit.service import record
from queue_server.deps import ClockDep, CurrentOffice, PrincipalDep, SessionDep
from queue_server.types import WindowNumber
from queue_server.windows import service as windows
from queue_server.windows.schemas import PauseIn, WindowIn, WindowOut

router = api_router(tags=["windows"])


@router.get("/offices/{code}/windows", response_model=list[WindowOut])
def list_windows(
    office: CurrentOffice, session: SessionDep, principal: PrincipalDep
) -> list[WindowOut]:
    """The office's windows with their clerks and current tickets (staff, boards, LED)."""
    principal.require_office(office.id)
    principal.require_staff_or_device("board", "led")
    return [
        windows.window_out(session=session, window=w)
        for w in windows.list_windows(session=session, office=office)
    ]


@router.put("/offices/{code}/windows/{number}", response_model=WindowOut)
def save_window(
    number: WindowNumber,
    data: WindowIn,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> WindowOut:
    """Create or replace a window and its services (admin, manager)."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    window = windows.put_window(session=session, office=office, number=number, data=data)
    record(session, principal, "window_changed", office, f"окно {number}", {}, clock=clock)
    return windows.window_out(session=session, window=window)


@router.post("/offices/{code}/windows/{number}/take", response_model=WindowOut)
def take_window(
    number: WindowNumber,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> WindowOut:
    """The calling clerk takes the window."""
    window = windows.take_window(
        session=session, clock=clock, office=office, number=number, principal=principal
    )
    return windows.window_out(session=session, window=window)


@router.post("/offices/{code}/windows/{number}/release", response_model=WindowOut)
def release_window(
    number: WindowNumber,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> WindowOut:
    """The clerk leaves the window."""
    window = windows.release_window(
        session=session, clock=clock, office=office, number=number, principal=principal
    )
    return windows.window_out(session=session, window=window)


@router.post("/offices/{code}/windows/{number}/pause", response_model=WindowOut)
def pause_window(
    number: WindowNumber,
    data: PauseIn,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> WindowOut:
    """Pause the window with a reason."""
    window = windows.pause_window(
        session=session,
        clock=clock,
        office=office,
        number=number,
        principal=principal,
        reason=data.reason,
    )
    return windows.window_out(session=session, window=window)


@router.post("/offices/{code}/windows/{number}/resume", response_model=WindowOut)
def resume_window(
    number: WindowNumber,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> WindowOut:
    """End the window's pause."""
    window = windows.resume_window(
        session=session, clock=clock, office=office, number=number, principal=principal
    )
    return windows.window_out(session=session, window=window)
