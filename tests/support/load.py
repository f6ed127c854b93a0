"""A bounded load of issues and calls against a running server, from several threads.

Kiosk threads issue tickets (each with an idempotency key) and clerk threads take their
windows and call, start and finish. Every 201 is recorded with the ticket's id and number:
what a crash or a backup must not lose. It stops by itself after its count of issues or
its time budget, or on `stop()`; a refused connection (a killed server) ends a thread.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from tests.support.world import World

SERVICES = ("passport", "results", "consult")
# Clerk → window of the world's central office (windows 1–3 serve every service between them).
CLERKS = (("clerk1", 1), ("clerk2", 2), ("clerk3", 3))


@dataclass
class Load:
    """Issuers and clerks hammering `base_url` until told to stop or out of budget."""

    base_url: str
    world: World
    issues_per_thread: int = 60
    issuers: int = 3
    clerks: Sequence[tuple[str, int]] = CLERKS
    budget_seconds: float = 15.0
    # Clerk → after how many of their calls they walk away, leaving the ticket called.
    walk_away: dict[str, int] = field(default_factory=dict)
    walked_away: set[str] = field(default_factory=set)
    # (ticket id, number) of every issue answered 201.
    issued: list[tuple[int, str]] = field(default_factory=list)
    calls: int = 0
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Load:
        """Start every thread."""
        self._deadline = time.monotonic() + self.budget_seconds
        for i in range(self.issuers):
            self._spawn(self._issue, f"issuer-{i}")
        for clerk, window in self.clerks:
            self._spawn(lambda c=clerk, w=window: self._call(c, w), f"clerk-{clerk}")
        return self

    def _spawn(self, target: object, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        """Ask every thread to stop and wait for them."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def wait_for_issued(self, count: int, *, walked_away: tuple[str, ...] = ()) -> None:
        """Until `count` issues were answered 201 and those clerks walked away (or the end)."""
        while not self._over() and (
            len(self.issued) < count or not self.walked_away.issuperset(walked_away)
        ):
            time.sleep(0.01)

    def _over(self) -> bool:
        return self._stop.is_set() or time.monotonic() > self._deadline

    def _issue(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as http:
            for n in range(self.issues_per_thread):
                if self._over():
                    return
                body = {"service": SERVICES[n % len(SERVICES)], "idempotency_key": uuid.uuid4().hex}
                try:
                    r = http.post(
                        "/api/v1/offices/central/tickets",
                        json=body,
                        headers=self.world.auth("kiosk"),
                    )
                except httpx.TransportError:
                    return  # the server is gone: what was answered is recorded
                if r.status_code == 201:
                    with self._lock:
                        self.issued.append((r.json()["id"], r.json()["number"]))
                elif r.status_code != 503:
                    self.errors.append(f"issue {r.status_code}: {r.text}")

    def _call(self, clerk: str, window: int) -> None:
        auth = self.world.auth(clerk)
        base = f"/api/v1/offices/central/windows/{window}"
        with httpx.Client(base_url=self.base_url, timeout=30) as http:
            try:
                http.post(f"{base}/take", headers=auth)
                mine = 0
                while not self._over():
                    called = http.post(f"{base}/call-next", headers=auth)
                    if called.status_code != 200:
                        time.sleep(0.02)  # nobody waits yet (204) or a busy moment (503)
                        continue
                    mine += 1
                    with self._lock:
                        self.calls += 1
                    ticket = called.json()["id"]
                    if mine == self.walk_away.get(clerk):
                        self.walked_away.add(clerk)
                        return  # the applicant never comes: the R5 timers must act
                    http.post(f"/api/v1/tickets/{ticket}/start", headers=auth)
                    http.post(f"/api/v1/tickets/{ticket}/finish", headers=auth)
            except httpx.TransportError:
                return
