"""The kiosk's logic: menu cache, the printer gate, issuing without duplicates, reprints."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from kiosk.client import ServerClient, ServerRefused, ServerUnreachable
from kiosk.config import KioskConfig
from kiosk.hours import HoursState, LateRisk, hours_state, late_risk
from kiosk.menu import Menu
from kiosk.printing import KioskPrinter, PrinterHealth, error_state, ticket_data
from printer import PrinterError

log = logging.getLogger("kiosk")

TICKET = "ticket"  # issued (printed or not)
PRINTER = "printer"  # refused before issuing: the printer cannot print
UNREACHABLE = "unreachable"  # the server did not answer: retry with the same key
REFUSED = "refused"  # the server said no (closed, unknown booking...)

_KEPT_OUTCOMES = 500


@dataclass
class Outcome:
    """What became of one tap on "take a ticket" (one idempotency key)."""

    key: str
    kind: str
    service: str = ""
    category: str | None = None
    ticket: dict[str, Any] | None = None
    printed: bool = False
    print_error: str = ""  # printer state that stopped printing after issue
    job_id: int | None = None
    error_code: str = ""
    error_message: str = ""
    printer_state: str = ""
    attempts: int = 0


@dataclass
class OfficeSnapshot:
    """What the start screen needs from the server, fetched together and cached."""

    office: dict[str, Any]
    menu: Menu
    calendar: list[dict[str, Any]]
    server_offset: timedelta
    fetched: float = field(default_factory=time.monotonic)


class KioskAgent:
    """Owns the server client and the printer; the web pages call it."""

    def __init__(self, config: KioskConfig, client: ServerClient, printer: KioskPrinter) -> None:
        self.config = config
        self.client = client
        self.printer = printer
        self.office_code: str | None = None
        self.snapshot: OfficeSnapshot | None = None
        self.online = False
        self.last_health: PrinterHealth | None = None
        self._reported: tuple[str, dict[str, Any]] | None = None
        self._reported_at = float("-inf")  # time.monotonic() of the last delivered report
        self.outcomes: OrderedDict[str, Outcome] = OrderedDict()
        self._inflight: dict[str, asyncio.Task[Outcome]] = {}
        # A request whose answer was lost: the next tap for the same choice reuses its key,
        # so an applicant who gave up and tapped again still gets one ticket, not two.
        self._unresolved: dict[tuple[str, str | None], str] = {}
        self._owed_failure_reports: list[tuple[int, str, Outcome]] = []
        self._monitor: asyncio.Task[None] | None = None

    # --- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Load what can be loaded and start the monitor; a dead server is not fatal."""
        await self.refresh(force=True)
        self._monitor = asyncio.create_task(self._monitor_loop())

    async def stop(self) -> None:
        """Stop the monitor, close the printer and the HTTP client."""
        if self._monitor is not None:
            self._monitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._monitor
        await self.printer.close()
        await self.client.close()

    async def _monitor_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.monitor_seconds)
            try:
                await self.tick()
            except Exception:  # keep the kiosk alive; the next tick tries again
                log.exception("kiosk monitor tick failed")

    async def tick(self) -> None:
        """One monitor pass: printer health → server; owed reports; owed reprints."""
        health = await self.printer_health()
        if self.office_code is None:
            await self.refresh(force=True)
        await self._send_owed_failure_reports()
        if health.can_print and self.online:
            await self.print_owed_jobs()

    # --- server data --------------------------------------------------------------------

    async def refresh(self, *, force: bool = False) -> OfficeSnapshot | None:
        """The office snapshot, fetched again when older than the menu TTL."""
        snap = self.snapshot
        if (
            not force
            and snap is not None
            and time.monotonic() - snap.fetched < self.config.menu_ttl_seconds
        ):
            return snap
        try:
            if self.office_code is None:
                me = await self.client.me()
                if me.get("role") != "kiosk" or not me.get("office"):
                    raise ServerRefused(403, "not_a_kiosk", "This token is not a kiosk's.")
                self.office_code = me["office"]
            code = self.office_code
            office, services, groups, categories, calendar, queue = await asyncio.gather(
                self.client.office(code),
                self.client.services(code),
                self.client.groups(),
                self.client.categories(),
                self.client.calendar(code),
                self.client.queue(code),
            )
        except ServerUnreachable:
            self.online = False
            return self.snapshot
        self.online = True
        server_now = datetime.fromisoformat(queue["at"])
        self.snapshot = OfficeSnapshot(
            office=office,
            menu=Menu(services, groups, categories),
            calendar=calendar,
            server_offset=server_now - datetime.now(UTC),
        )
        return self.snapshot

    def server_now(self) -> datetime:
        """The server's time (the kiosk PC's clock may be off)."""
        offset = self.snapshot.server_offset if self.snapshot else timedelta(0)
        return datetime.now(UTC) + offset

    def hours(self) -> HoursState | None:
        """Open or closed now, by the cached calendar."""
        if self.snapshot is None:
            return None
        return hours_state(
            self.snapshot.calendar, self.snapshot.office["timezone"], self.server_now()
        )

    async def late_risk(self, service: dict[str, Any]) -> LateRisk | None:
        """Whether the server's wait estimate for a new ticket runs past closing time."""
        if self.office_code is None or self.snapshot is None:
            return None
        try:
            queue = await self.client.queue(self.office_code)
        except (ServerUnreachable, ServerRefused):
            return None
        now = datetime.fromisoformat(queue["at"])
        state = hours_state(self.snapshot.calendar, self.snapshot.office["timezone"], now)
        entry = next((s for s in queue["services"] if s["service"] == service["code"]), None)
        if entry is None or entry.get("estimated_wait_minutes") is None:
            return None
        return late_risk(
            state=state, now=now, waiting=entry["waiting"], estimate=entry["estimated_wait_minutes"]
        )

    # --- printer ------------------------------------------------------------------------

    async def printer_health(self) -> PrinterHealth:
        """Ask the printer now and tell the server when its state changed."""
        health = await self.printer.health()
        self.last_health = health
        await self.report(health)
        return health

    async def report(self, health: PrinterHealth) -> None:
        """Send the device state when it changed, was not delivered, or as a heartbeat."""
        detail: dict[str, Any] = {"printer": health.state}
        if health.warnings:
            detail["warnings"] = health.warnings
        if health.problem and not health.can_print:
            detail["problem"] = health.problem[:200]
        current = (health.device_state, detail)
        due = time.monotonic() - self._reported_at >= self.config.heartbeat_seconds
        if current == self._reported and not due:
            return
        try:
            await self.client.report_state(*current)
        except ServerUnreachable:
            self.online = False
            return
        except ServerRefused as exc:
            log.warning("state report refused: %s", exc)
            return
        self.online = True
        self._reported = current
        self._reported_at = time.monotonic()

    # --- issuing ------------------------------------------------------------------------

    def _remember(self, outcome: Outcome, *keys: str) -> None:
        for key in {outcome.key, *keys}:
            self.outcomes[key] = outcome
            self.outcomes.move_to_end(key)
        while len(self.outcomes) > _KEPT_OUTCOMES:
            self.outcomes.popitem(last=False)

    async def _once(self, key: str, make: Any) -> Outcome:
        """Run one issue attempt per key at a time; a finished ticket is returned as is."""
        done = self.outcomes.get(key)
        if done is not None and done.kind == TICKET:
            return done
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(make())
            self._inflight[key] = task
            task.add_done_callback(lambda _t: self._inflight.pop(key, None))
        # A second tap (or a browser that gave up waiting) must not cancel the first.
        return await asyncio.shield(task)

    async def issue(self, *, key: str, service: str, category: str | None) -> Outcome:
        """Issue and print a ticket; the same key never yields a second ticket or printout."""
        return await self._once(key, lambda: self._issue(key, service, category))

    async def _issue(self, key: str, service: str, category: str | None) -> Outcome:
        previous = self.outcomes.get(key)
        outcome = Outcome(
            key=key,
            kind=UNREACHABLE,
            service=service,
            category=category,
            attempts=(previous.attempts if previous else 0) + 1,
        )
        choice = (service, category)
        server_key = self._unresolved.get(choice, key)
        health = await self.printer_health()
        if not health.can_print:
            outcome.kind, outcome.printer_state = PRINTER, health.state
            self._remember(outcome)
            return outcome
        if self.office_code is None:
            await self.refresh(force=True)
        if self.office_code is None:
            self._remember(outcome)
            return outcome
        try:
            ticket, replayed = await self.client.issue(
                self.office_code, service=service, category=category, key=server_key
            )
        except ServerUnreachable as exc:
            log.warning("issue %s: %s", server_key, exc)
            self.online = False
            self._unresolved[choice] = server_key
            self._remember(outcome)
            return outcome
        except ServerRefused as exc:
            self._unresolved.pop(choice, None)
            outcome.kind, outcome.error_code, outcome.error_message = REFUSED, exc.code, exc.message
            self._remember(outcome)
            return outcome
        self.online = True
        self._unresolved.pop(choice, None)
        if replayed and server_key in self.outcomes and self.outcomes[server_key].kind == TICKET:
            # Answered before, on another tap: that one printed it (or recorded the failure).
            earlier = self.outcomes[server_key]
            self._remember(earlier, key)
            return earlier
        outcome.kind, outcome.ticket = TICKET, ticket
        self._remember(outcome, server_key)
        await self._print(outcome)
        return outcome

    async def check_in(self, *, booking_code: str) -> Outcome:
        """Check a booking in and print its ticket; the server keeps one ticket per booking."""
        key = "booking-" + booking_code
        return await self._once(key, lambda: self._check_in(key, booking_code))

    async def _check_in(self, key: str, booking_code: str) -> Outcome:
        outcome = Outcome(key=key, kind=UNREACHABLE, service="booking")
        health = await self.printer_health()
        if not health.can_print:
            outcome.kind, outcome.printer_state = PRINTER, health.state
            return outcome
        if self.office_code is None:
            await self.refresh(force=True)
        if self.office_code is None:
            return outcome
        try:
            ticket = await self._booking_or_remote(self.office_code, booking_code)
        except ServerUnreachable:
            self.online = False
            return outcome
        except ServerRefused as exc:
            outcome.kind, outcome.error_code, outcome.error_message = REFUSED, exc.code, exc.message
            return outcome
        outcome.kind, outcome.ticket = TICKET, ticket
        self._remember(outcome)
        await self._print(outcome)
        return outcome

    async def _booking_or_remote(self, office_code: str, code: str) -> dict[str, Any]:
        """The code is a booking's or a place taken in the queue from the phone: both are
        typed on the same screen. An unknown code is refused as an unknown booking."""
        try:
            return await self.client.check_in(office_code, code)
        except ServerRefused as refused:
            if refused.code != "booking_not_found":
                raise
            try:
                return await self.client.check_in_remote(office_code, code)
            except ServerRefused as remote_refused:
                if remote_refused.code == "remote_place_not_found":
                    raise refused from None
                raise

    def _timezone(self) -> str:
        return self.snapshot.office["timezone"] if self.snapshot else "Europe/Moscow"

    async def _print(self, outcome: Outcome) -> None:
        assert outcome.ticket is not None
        try:
            await self.printer.print_ticket(ticket_data(outcome.ticket, self._timezone()))
        except PrinterError as exc:
            outcome.printed, outcome.print_error = False, error_state(exc)
            log.warning("ticket %s issued but not printed: %s", outcome.ticket["number"], exc)
            await self._report_failure(outcome, f"{outcome.print_error}: {exc}")
            await self.printer_health()
            return
        outcome.printed, outcome.print_error = True, ""
        if outcome.job_id is not None:
            await self._job_done(outcome.job_id)

    async def _report_failure(self, outcome: Outcome, reason: str) -> None:
        assert outcome.ticket is not None
        try:
            job = await self.client.print_failed(outcome.ticket["id"], reason)
        except ServerUnreachable:
            self._owed_failure_reports.append((outcome.ticket["id"], reason, outcome))
            return
        except ServerRefused as exc:
            log.warning("print failure not recorded: %s", exc)
            return
        outcome.job_id = job["id"]

    async def _send_owed_failure_reports(self) -> None:
        owed, self._owed_failure_reports = self._owed_failure_reports, []
        for _ticket_id, reason, outcome in owed:
            if outcome.printed:
                continue
            await self._report_failure(outcome, reason)

    async def _job_done(self, job_id: int) -> None:
        with contextlib.suppress(ServerUnreachable, ServerRefused):
            await self.client.job_printed(job_id)

    async def print_again(self, key: str) -> Outcome | None:
        """The applicant (or a clerk at the kiosk) tries the failed printout again."""
        outcome = self.outcomes.get(key)
        if outcome is None or outcome.kind != TICKET:
            return outcome
        if not outcome.printed:
            await self._print(outcome)
        return outcome

    async def print_owed_jobs(self) -> int:
        """Print the reprints clerks asked for; returns how many were printed."""
        try:
            jobs = await self.client.print_jobs()
        except (ServerUnreachable, ServerRefused):
            return 0
        printed = 0
        for job in jobs:
            try:
                await self.printer.print_ticket(ticket_data(job["ticket"], self._timezone()))
            except PrinterError:
                await self.printer_health()
                break
            printed += 1
            await self._job_done(job["id"])
            for outcome in self.outcomes.values():
                if outcome.ticket and outcome.ticket["id"] == job["ticket_id"]:
                    outcome.printed, outcome.print_error = True, ""
        return printed
