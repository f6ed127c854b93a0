"""The what-if's bounds, apart from the simulator: the report routes validate a request
against them without importing the simulator, which a server loads on its first what-if."""

from __future__ import annotations

HOURS = 24
MAX_WINDOWS = 60
MAX_ARRIVALS_PER_HOUR = 400.0
MAX_ARRIVALS_PER_DAY = 1500.0
MAX_SEEDS = 5
DEFAULT_SEEDS = 3
TIME_BUDGET_S = 90.0
