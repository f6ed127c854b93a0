"""Virtual printers reachable as real endpoints (pty, TCP) and as sim://."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest

from hardware_sim.endpoints import SimulatedPrinter

_names = itertools.count()

SimFactory = Callable[..., SimulatedPrinter]


@pytest.fixture
def make_sim() -> Iterator[SimFactory]:
    """Create simulated printers with pty, TCP and sim:// endpoints; close them after the test."""
    created: list[SimulatedPrinter] = []

    def factory(**kwargs: object) -> SimulatedPrinter:
        options: dict[str, object] = {
            "pty": True,
            "tcp_port": 0,
            "sim_name": f"test-{next(_names)}",
        }
        options.update(kwargs)
        sim = SimulatedPrinter(**options)  # type: ignore[arg-type]
        created.append(sim)
        return sim

    yield factory
    for sim in created:
        sim.close()


def url_of(sim: SimulatedPrinter, kind: str) -> str:
    """The URL of one of the simulator's endpoints: pty, tcp or sim."""
    return {"pty": sim.serial_url, "tcp": sim.tcp_url, "sim": sim.sim_url}[kind]
