"""What the app's lifespan owns: settings, database, clock, scheduler."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from queue_server.clock import Clock
from queue_server.db import Database
from queue_server.settings import Settings


@dataclass
class Runtime:
    """Long-lived parts of one server process, handed to requests via lifespan state."""

    settings: Settings
    db: Database
    clock: Clock
    extras: dict[str, Any] = field(default_factory=dict)
