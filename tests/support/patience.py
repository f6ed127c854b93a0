"""How long tests wait for things that only take long on a loaded machine.

A readiness wait (a server answering /healthz, a WebSocket handshake, a subprocess
printing "ready") returns as soon as the thing is ready, so a generous bound costs
nothing on a quiet machine and keeps a CI machine running other work at a load of ten
or more from failing on start-up time. These are bounds, not claims: what the project
promises about speed is measured in `benchmarks/`, and timing claims a test does make
(the R5 timers keeping time under load) keep their own figures.
"""

from __future__ import annotations

# A server process or thread coming up: imports, migrations check, lifespan start.
STARTUP_SECONDS = 120.0
# One request or WebSocket handshake to a server that is up but starved of CPU.
REQUEST_SECONDS = 60.0
# A page in Chromium: a navigation, a selector or an `expect` that waits for the page to
# show what the server answered.
PAGE_SECONDS = 60.0
# A device the test drives (the simulated printer's receipts, an LED display) showing what
# the server sent it.
DEVICE_SECONDS = 60.0
# A test's database: how long a writer waits for the write lock (SQLite) or a row lock
# (PostgreSQL) and a checkout for a pooled connection before the 503 a client would get.
# The server's 5 s default is a promise to clients under overload, tested with its own
# small databases in test_overload.py; in other tests a stall of the loaded CI machine
# must not read as overload.
DATABASE_WAITS: dict[str, float] = {"write_wait_seconds": 30.0, "pool_timeout_seconds": 30.0}
