"""Settings of the queue server, read once at start-up from MFCQ_ variables."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from queue_server import outbound

# Connections beyond the admitted requests': two scheduler loops, the fan-out's outbox
# poll, and sockets authorising or replaying (the default executor's threads).
RESERVED = 8


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
    # Overload (never a hang): at most `max_concurrent_requests` HTTP requests are served
    # at once; the others wait off the thread pool for at most `request_queue_seconds`,
    # then get 503 with Retry-After. An admitted SQLite writer waits at most
    # `db_write_wait_seconds` for the write lock, a checkout at most
    # `db_pool_timeout_seconds` for a pooled connection (503 again). The pool holds the
    # admitted requests plus the scheduler's, the fan-out's and the sockets' connections.
    max_concurrent_requests: int = Field(default=16, ge=1)
    request_queue_seconds: float = Field(default=5.0, ge=0)
    db_write_wait_seconds: float = Field(default=5.0, gt=0)
    db_pool_size: int = Field(default=24, ge=1)
    db_pool_overflow: int = Field(default=8, ge=0)
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0)
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
    # Retention of applicants' personal data (152-ФЗ, queue_server/maintenance/retention.py):
    # days after a case was closed, after a booking's slot, after a complaint was answered,
    # before names, documents, phones and addresses are anonymised. Reasons in
    # docs/operations.md.
    retention_days_cases: int = Field(default=5 * 365, ge=1)
    retention_days_bookings: int = Field(default=90, ge=1)
    retention_days_complaints: int = Field(default=5 * 365, ge=1)
    # Where a manager's printer and webhook URLs may lead (queue_server/outbound.py): only
    # the operator decides, comma-separated. Printers: schemes (serial, tcp, usb, file,
    # sim), address ranges and ports of tcp:// printers, device/file globs of serial:// and
    # file://. Webhooks: schemes (http, https), host names (`*.example.ru`; empty: any) and
    # non-public address ranges allowed besides public addresses.
    printer_schemes: str = outbound.DEFAULT_PRINTER_SCHEMES
    printer_networks: str = outbound.DEFAULT_PRINTER_NETWORKS
    printer_ports: str = outbound.DEFAULT_PRINTER_PORTS
    printer_paths: str = outbound.DEFAULT_PRINTER_PATHS
    webhook_schemes: str = outbound.DEFAULT_WEBHOOK_SCHEMES
    webhook_hosts: str = ""
    webhook_networks: str = ""
    # Login throttle (queue_server/auth/throttle.py): failed logins allowed per account and
    # per client address within the window, counted in the database on the server's clock.
    login_failures_per_account: int = Field(default=5, ge=1)
    login_failures_per_address: int = Field(default=20, ge=1)
    login_throttle_minutes: int = Field(default=15, ge=1, le=24 * 60)

    @field_validator("clock_start")
    @classmethod
    def _clock_start_has_offset(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("MFCQ_CLOCK_START needs an offset, e.g. 2026-11-23T10:00:00+03:00")
        return value

    @field_validator("printer_schemes")
    @classmethod
    def _printer_schemes_known(cls, value: str) -> str:
        outbound.parse_schemes(value, outbound.PRINTER_SCHEMES)
        return value

    @field_validator("webhook_schemes")
    @classmethod
    def _webhook_schemes_known(cls, value: str) -> str:
        outbound.parse_schemes(value, outbound.WEBHOOK_SCHEMES)
        return value

    @field_validator("printer_networks", "webhook_networks")
    @classmethod
    def _networks_valid(cls, value: str) -> str:
        outbound.parse_networks(value)
        return value

    @field_validator("printer_ports")
    @classmethod
    def _ports_valid(cls, value: str) -> str:
        outbound.parse_ports(value)
        return value

    @model_validator(mode="after")
    def _pool_holds_the_admitted_requests(self) -> Settings:
        # Fewer connections than admitted requests would move the queue from the admission
        # (bounded, cheap) to the pool, where waiting requests hold threads.
        if self.db_pool_size + self.db_pool_overflow < self.max_concurrent_requests + RESERVED:
            raise ValueError(
                "MFCQ_DB_POOL_SIZE + MFCQ_DB_POOL_OVERFLOW must be at least"
                f" MFCQ_MAX_CONCURRENT_REQUESTS + {RESERVED} (scheduler, fan-out, sockets)"
            )
        return self

    def database_options(self) -> dict[str, Any]:
        """Keyword arguments of `Database.from_url` from these settings."""
        return {
            "sqlite_busy_timeout_ms": self.sqlite_busy_timeout_ms,
            "write_wait_seconds": self.db_write_wait_seconds,
            "pool_size": self.db_pool_size,
            "pool_overflow": self.db_pool_overflow,
            "pool_timeout_seconds": self.db_pool_timeout_seconds,
        }

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
