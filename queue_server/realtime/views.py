"""Routes: the event WebSockets and the board state (the board page is in `pages.py`)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect

from queue_server.api import api_router
from queue_server.auth.service import Principal, token_digest
from queue_server.deps import ClockDep, CurrentOffice, PrincipalDep, SessionDep
from queue_server.errors import DomainError, InvalidInput, language_of
from queue_server.offices.models import Office
from queue_server.realtime.hub import Connection, Hub
from queue_server.realtime.schemas import BoardStateOut
from queue_server.realtime.service import authorize_subscription, board_state, require_subscriber
from queue_server.runtime import Runtime
from queue_server.types import Code, EventId, WindowNumber

router = api_router(tags=["realtime"])
sockets_router = APIRouter(include_in_schema=False)

#: A client without a token in the URL must send {"type": "auth", "token": …} this fast.
AUTH_TIMEOUT_SECONDS = 5.0


@router.get("/offices/{code}/board", response_model=BoardStateOut)
def get_board_state(
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    recent: int = Query(default=8, ge=1, le=50),
) -> BoardStateOut:
    """What a board shows now, and the event id its WebSocket resumes after."""
    principal.require_office(office.id)
    require_subscriber(principal)
    return board_state(session=session, clock=clock, office=office, recent=recent)


def _runtime(websocket: WebSocket) -> Runtime:
    runtime: Runtime = websocket.state.runtime
    return runtime


def _authorize(
    runtime: Runtime, token: str, office_code: str | None
) -> tuple[Principal, Office | None]:
    with runtime.db.transaction(read_only=True) as session:
        return authorize_subscription(
            session=session, clock=runtime.clock, token=token, office_code=office_code
        )


async def _refuse(websocket: WebSocket, exc: DomainError) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_json(
            {
                "type": "error",
                "error": {"code": exc.code, "message": exc.text(language_of(websocket))},
            }
        )
        await websocket.close(code=4000 + exc.status_code)


async def _token_from_first_message(websocket: WebSocket) -> str | None:
    try:
        message: Any = await asyncio.wait_for(websocket.receive_json(), AUTH_TIMEOUT_SECONDS)
    except (TimeoutError, ValueError, KeyError):
        return None
    if isinstance(message, dict) and message.get("type") == "auth":
        token = message.get("token")
        return token if isinstance(token, str) else None
    return None


async def _subscribe(
    websocket: WebSocket,
    *,
    office_code: str | None,
    token: str | None,
    after: int | None,
    window: int | None,
    types: str | None,
) -> None:
    runtime = _runtime(websocket)
    hub = runtime.hub
    await websocket.accept()
    if token is None:
        token = await _token_from_first_message(websocket)
    if token is None:
        await _refuse(
            websocket,
            DomainError(code="no_token"),
        )
        return
    try:
        principal, office = await asyncio.to_thread(_authorize, runtime, token, office_code)
        if office is None and after is not None:
            raise InvalidInput(code="replay_needs_office")
    except DomainError as exc:
        await _refuse(websocket, exc)
        return
    connection = Connection(
        websocket,
        office_id=office.id if office else None,
        queue_size=hub.queue_size,
        heartbeat_seconds=hub.heartbeat_seconds,
        window=window,
        types=tuple(t for t in (types or "").split(",") if t),
        name=f"{principal.kind}:{principal.id}",
        on_stop=hub.unsubscribe,
        principal=principal,
        token_digest=token_digest(token),
    )
    hub.subscribe(connection)  # live events queue up from here on, during the replay too
    try:
        await _greet_and_replay(hub, connection, office, after)
        await connection.serve()
    except (WebSocketDisconnect, ConnectionError, RuntimeError):
        pass  # the peer left during the replay
    finally:
        hub.unsubscribe(connection)


async def _greet_and_replay(
    hub: Hub, connection: Connection, office: Office | None, after: int | None
) -> None:
    hello: dict[str, Any] = {"type": "hello", "heartbeat": hub.heartbeat_seconds}
    if office is None:
        await connection.send_now({**hello, "office": None, "last_id": None})
        return
    latest = await asyncio.to_thread(hub.last_event_id, office.id)
    hub.note_cursor(office.id, latest)
    replay: list[dict[str, Any]] = []
    too_far = False
    if after is not None and after < latest:
        replay = await asyncio.to_thread(hub.read_after, office.id, after, hub.replay_limit + 1)
        too_far = len(replay) > hub.replay_limit
    start = latest if after is None or too_far else after
    connection.last_ids[office.id] = start
    await connection.send_now(
        {**hello, "office": office.code, "last_id": start, "replay": 0 if too_far else len(replay)}
    )
    if too_far:
        # Too much was missed to replay: the client reloads the state and goes on live.
        await connection.send_now({"type": "resync", "reason": "too_far_behind", "last_id": start})
        return
    await connection.send_events(replay)


@sockets_router.websocket("/ws/offices/{code}/events")
async def office_events(
    websocket: WebSocket,
    code: Code,
    token: str | None = None,
    after: EventId | None = None,
    window: WindowNumber | None = None,
    types: str | None = None,
) -> None:
    """An office's events: replay after `after`, then live (boards, LED drivers, staff)."""
    await _subscribe(
        websocket, office_code=code, token=token, after=after, window=window, types=types
    )


@sockets_router.websocket("/ws/events")
async def own_events(
    websocket: WebSocket,
    token: str | None = None,
    after: EventId | None = None,
    window: WindowNumber | None = None,
    types: str | None = None,
) -> None:
    """The events of the token's own office (every office, live only, for an admin)."""
    await _subscribe(
        websocket, office_code=None, token=token, after=after, window=window, types=types
    )
