"""Fixtures of the server tests: an app client on the world (tests/support has the rest)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from queue_server.scheduler import Scheduler
from tests.support.app import make_client
from tests.support.world import World


@pytest.fixture
def api(world: World) -> Iterator[TestClient]:
    """A client of the app, run through its lifespan."""
    with make_client(world) as client:
        yield client


@pytest.fixture
def scheduler(world: World) -> Scheduler:
    """The timed jobs on the world's clock."""
    return Scheduler(world.db, world.clock)
