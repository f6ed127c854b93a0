"""Settings of the queue server, read once at start-up from MFCQ_ variables."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every tunable of the server; validated when the app starts."""

    model_config = SettingsConfigDict(
        env_prefix="MFCQ_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    # Start the server's clock at this instant (with its offset) and let it run: a
    # training server that lives on another day; unset, the server keeps real time.
    clock_start: datetime | None = None
    database_url: str = "sqlite:///var/mfc-queue.sqlite3"
    # Used to build the QR/status links printed on tickets.
    public_url: str = "http://127.0.0.1:8000"
    token_ttl_minutes: int = Field(default=12 * 60, ge=1)
    # Seconds between scheduler passes (recalls, no-shows, wait limits); 0 disables
    # the background loop, which tests do and then drive the scheduler themselves.
    scheduler_interval: float = Field(default=1.0, ge=0)
    # Exposes /api/v1/_bench/baseline for benchmarks/issue_and_call.py.
    benchmark_endpoints: bool = False
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0)
    # Tickets one kiosk device may issue per minute (429 with Retry-After beyond): a stuck
    # or hostile kiosk cannot use up the day's numbers. A person at a kiosk takes a ticket
    # in 10-20 s, so 30 leaves room for a queue at the door. 0 turns the limit off.
    kiosk_tickets_per_minute: int = Field(default=30, ge=0)
    # Real time (queue_server/realtime): events a WebSocket may have queued before it is
    # told to resync; seconds between heartbeats (a peer silent for 2.5 of them is dropped);
    # most events replayed to a reconnecting client; seconds between outbox polls that
    # catch events written by other processes or missed while LISTEN was reconnecting.
    ws_queue_size: int = Field(default=256, ge=1)
    ws_heartbeat_seconds: float = Field(default=15.0, gt=0)
    ws_replay_limit: int = Field(default=2000, ge=1)
    outbox_poll_seconds: float = Field(default=2.0, ge=0)

    @field_validator("clock_start")
    @classmethod
    def _clock_start_has_offset(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("MFCQ_CLOCK_START needs an offset, e.g. 2026-11-23T10:00:00+03:00")
        return value

    def sqlite_path(self) -> Path | None:
        """The SQLite file path when the database is an SQLite file, else None."""
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url[len(prefix) :])
        return None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (the CLI's default)."""
    return Settings()
