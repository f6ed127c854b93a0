"""Settings of the queue server, read once at start-up from MFCQ_ variables."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from queue_server import outbound

# Connections beyond the admitted requests': two scheduler loops, the fan-out's outbox
# poll, and sockets authorising or replaying (the default executor's threads).
RESERVED = 8
# Connections of a server process outside its pool: the LISTEN connection (PostgreSQL).
LISTEN_CONNECTIONS = 1


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
    # The kiosk screen's address for the start page's link; unset: this host at port + 1
    # (where `mfc-queue demo` starts its kiosk agent).
    kiosk_url: str | None = None
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
    # Four: a process runs Python on one core at a time (the GIL), and four requests keep
    # it busy while others wait on the database; sixteen at once only took turns at the
    # GIL, each holding its row locks longer (an issue at 16 clients: 109 → 148 req/s, p99
    # 406 → 164 ms with four; benchmarks/README.md). Raise it when the database is far
    # (each request waits longer on the network) or requests wait on slow outside calls.
    max_concurrent_requests: int = Field(default=4, ge=1)
    request_queue_seconds: float = Field(default=5.0, ge=0)
    db_write_wait_seconds: float = Field(default=5.0, gt=0)
    db_pool_size: int = Field(default=24, ge=1)
    db_pool_overflow: int = Field(default=8, ge=0)
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0)
    # The connection budget of the whole process group (docs/deploy.md): every server
    # process of one `mfc-queue serve --workers N` together never opens more connections
    # to PostgreSQL (or to PgBouncer) than this. Set, it replaces the per-process pool
    # figures above: each of the `workers` processes gets `db_connections // workers`, one
    # of them for its LISTEN connection and the rest for its pool (`pool_share()`), and
    # admits at most as many requests at once as its pool leaves room for. `workers` is
    # set by `serve --workers`; unset, the figures above apply unchanged.
    db_connections: int | None = Field(default=None, ge=1)
    workers: int = Field(default=1, ge=1)
    # The name the server's connections carry in pg_stat_activity (and PgBouncer's SHOW
    # CLIENTS): how an operator counts them against the budget.
    db_application_name: str = "mfc-queue"
    # `transaction` when `database_url` leads to a pooler in transaction mode (PgBouncer):
    # no server-side prepared statements then. `none`: straight to PostgreSQL.
    database_pooler: Literal["none", "transaction"] = "none"
    # A direct URL to PostgreSQL (not through the pooler) for what needs a session of its
    # own: LISTEN, one connection per process. Unset: `database_url`.
    database_direct_url: str | None = None
    # Reports read from this database when set (a read replica of the primary); unset, from
    # `database_url`. Only reads go there: exports record their audit entry on the primary.
    reports_database_url: str | None = None
    # Seconds after which a pooled connection is replaced at its next checkout (no ping
    # before every checkout: that costs a round trip per request; a connection found dead
    # is answered 503 once and the pool reconnects).
    db_pool_recycle_seconds: int = Field(default=1800, ge=-1)
    # Tickets one kiosk device may issue per minute (429 with Retry-After beyond): a stuck
    # or hostile kiosk cannot use up the day's numbers. A person at a kiosk takes a ticket
    # in 10-20 s, so 30 leaves room for a queue at the door. 0 turns the limit off.
    kiosk_tickets_per_minute: int = Field(default=30, ge=0)
    # Complaints one client address may send from the public form per hour (429 with
    # Retry-After beyond; an IPv6 client counts by its /64): a person writes one or two, a
    # script could flood the register and the staff's terms. 0 turns the limit off.
    public_complaints_per_hour: int = Field(default=5, ge=0)
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
        if self.db_connections is not None:
            share = self.db_connections // self.workers
            if share < LISTEN_CONNECTIONS + RESERVED + 1:
                raise ValueError(
                    f"MFCQ_DB_CONNECTIONS={self.db_connections} gives each of {self.workers}"
                    f" server processes {share} connections; each needs at least"
                    f" {LISTEN_CONNECTIONS + RESERVED + 1} (LISTEN, scheduler, fan-out,"
                    " sockets and one request)"
                )
            return self
        if self.db_pool_size + self.db_pool_overflow < self.max_concurrent_requests + RESERVED:
            raise ValueError(
                "MFCQ_DB_POOL_SIZE + MFCQ_DB_POOL_OVERFLOW must be at least"
                f" MFCQ_MAX_CONCURRENT_REQUESTS + {RESERVED} (scheduler, fan-out, sockets)"
            )
        return self

    def pool_share(self) -> tuple[int, int]:
        """This process's pool: (size, overflow).

        Under a budget the process's share less its LISTEN connection, all of it kept open
        (no overflow: connections opened and closed per burst cost more than they save).
        """
        if self.db_connections is None:
            return self.db_pool_size, self.db_pool_overflow
        return self.db_connections // self.workers - LISTEN_CONNECTIONS, 0

    def admitted_requests(self) -> int:
        """Requests admitted at once: the setting, or fewer when the pool's share is small."""
        size, overflow = self.pool_share()
        return max(1, min(self.max_concurrent_requests, size + overflow - RESERVED))

    def database_options(self) -> dict[str, Any]:
        """Keyword arguments of `Database.from_url` from these settings."""
        size, overflow = self.pool_share()
        return {
            "sqlite_busy_timeout_ms": self.sqlite_busy_timeout_ms,
            "write_wait_seconds": self.db_write_wait_seconds,
            "pool_size": size,
            "pool_overflow": overflow,
            "pool_timeout_seconds": self.db_pool_timeout_seconds,
            "pool_recycle_seconds": self.db_pool_recycle_seconds,
            "application_name": self.db_application_name,
            "pooler": self.database_pooler,
            "direct_url": self.database_direct_url,
            "reports_url": self.reports_database_url,
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
