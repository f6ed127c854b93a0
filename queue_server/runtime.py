"""What the app's lifespan owns: settings, database, clock, hub, scheduler, admission."""

from __future__ import annotations

from dataclasses import dataclass

from queue_server.admission import Admission
from queue_server.clock import Clock
from queue_server.db import Database
from queue_server.realtime.hub import Hub
from queue_server.scheduler import Scheduler
from queue_server.settings import Settings


@dataclass(frozen=True)
class Runtime:
    """Long-lived parts of one server process, handed to requests via lifespan state."""

    settings: Settings
    db: Database
    clock: Clock
    hub: Hub
    scheduler: Scheduler
    admission: Admission
