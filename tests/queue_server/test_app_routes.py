"""The app serves its routes as they were declared, not copies FastAPI builds again.

`include_router` makes FastAPI analyse every operation a second time for the including app
(its parameters' and answer's validators), a second copy of all of them in every server
process: 9 MiB of its idle memory (`benchmarks/idle_memory.py`). The app instead takes the
declared routes themselves (`queue_server.app._add_routes`), their paths and error answers
final where they are declared (`queue_server.api.api_router`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.routing import APIRoute, APIRouter

from queue_server.app import API_ROUTERS, create_app
from queue_server.errors import ERROR_RESPONSES
from queue_server.settings import Settings


def _app(tmp_path: Path) -> FastAPI:
    return create_app(Settings(database_url=f"sqlite:///{tmp_path}/routes.sqlite3"))


def test_every_route_is_the_declared_one_and_no_router_is_included(tmp_path: Path) -> None:
    app = _app(tmp_path)
    declared = {id(route) for router in API_ROUTERS for route in router.routes}
    served = [route for route in app.routes if isinstance(route, APIRoute)]
    assert not [r for r in app.routes if not hasattr(r, "path")], "an included router"
    api = [route for route in served if route.path.startswith("/api/v1/")]
    assert len(api) == len(declared) > 100
    assert {id(route) for route in api} == declared


def test_api_routes_are_under_the_prefix_with_the_error_answers(tmp_path: Path) -> None:
    app = _app(tmp_path)
    for router in API_ROUTERS:
        assert isinstance(router, APIRouter)
        for route in router.routes:
            assert isinstance(route, APIRoute)
            assert route.path.startswith("/api/v1/"), route.path
            for status in ERROR_RESPONSES:
                assert status in route.responses, (route.path, status)
    paths = app.openapi()["paths"]
    assert paths and all(path.startswith("/api/v1/") for path in paths)
    some = paths["/api/v1/offices/{code}/tickets"]["post"]["responses"]
    assert {"404", "409", "422"} <= set(some)


def test_two_apps_serve_the_same_declared_routes(tmp_path: Path) -> None:
    """The tests build several apps; each serves the same route objects, none copied."""
    first, second = _app(tmp_path), _app(tmp_path)
    ids = [id(r) for r in first.routes if isinstance(r, APIRoute) and r.path.startswith("/api")]
    assert ids == [
        id(r) for r in second.routes if isinstance(r, APIRoute) and r.path.startswith("/api")
    ]
