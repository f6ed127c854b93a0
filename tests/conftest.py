"""Shared fixtures: a migrated database per test (SQLite always, PostgreSQL when given).

They live in `tests/support/` (one home for the world, databases, servers, browser and
processes) and are loaded here as a plugin.
"""

from __future__ import annotations

pytest_plugins = ["tests.support.fixtures"]
