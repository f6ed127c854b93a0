"""The API's routers: every operation under /api/v1, with the error answers declared."""

from __future__ import annotations

from enum import Enum

from fastapi import APIRouter

from queue_server.errors import ERROR_RESPONSES

API_PREFIX = "/api/v1"


def api_router(*, tags: list[str | Enum], prefix: str = "") -> APIRouter:
    """A router of API operations, each declared with its final path and error answers.

    The app takes these routes as they were built (`queue_server.app._add_routes`):
    FastAPI analyses an operation (its parameters' and answer's validators) where it is
    declared, and `include_router` would analyse every operation again for the app, a
    second copy of all of them held in each server process.
    """
    return APIRouter(prefix=API_PREFIX + prefix, tags=tags, responses=ERROR_RESPONSES)
