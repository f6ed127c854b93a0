"""What the app's lifespan owns: settings, database, clock, hub, scheduler, admission,
the applicants' notifications loop, the slot of the managers' what-if and the write
path's configuration cache."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from queue_server.admission import Admission
from queue_server.auth.service import DeviceTokens
from queue_server.clock import Clock
from queue_server.db import Database
from queue_server.notifications.scheduled import NotificationLoop
from queue_server.offices.config_cache import ConfigCache
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
    notifications: NotificationLoop
    # The what-ifs run at a time in this process (one: a run keeps a core busy); a run
    # takes the slot before its stream starts and frees it when it ends.
    whatif_runs: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(1)
    )
    # The configuration the issue and call-next routes read from memory (checked against
    # the database's stamp on every request): this app's own, never shared with another.
    config: ConfigCache = field(default_factory=ConfigCache)
    # The devices behind the kiosks' tokens, checked by the issue's own first statement.
    devices: DeviceTokens = field(default_factory=DeviceTokens)
