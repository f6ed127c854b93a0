"""The crowd of the overload tests, run in a process of its own.

`python -m tests.support.crowd '<LoadPlan as JSON>'` loads a server with issuers and
callers for the plan's seconds, prints `ready` when it starts and then its `LoadReport` as
JSON. It imports nothing but httpx, so it starts in well under a second.
"""

from __future__ import annotations

import asyncio
import collections
import json
import sys
import time
import uuid
from collections.abc import Coroutine
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

OFFICE = "central"


@dataclass
class LoadPlan:
    """Who the crowd is: issuers at the kiosk, callers at their clerks' windows."""

    base: str
    seconds: float
    issuers: int
    kiosk_token: str
    # (window number, clerk token, how many concurrent callers press "call next" there)
    callers: list[tuple[int, str, int]]
    service: str = "passport"
    timeout: float = 30.0
    # Past `seconds`, the crowd goes on (up to `most_seconds`) until this many issues and
    # calls were answered: a slow, loaded machine still shows a crowd served, not timing.
    served_issues: int = 0
    served_calls: int = 0
    most_seconds: float = 0.0


@dataclass
class LoadReport:
    """What the crowd was answered."""

    statuses: dict[str, int] = field(default_factory=dict)
    # (ticket id, number) of every issue answered 201
    issued: list[tuple[int, str]] = field(default_factory=list)
    # idempotency keys of issues answered 503: those must have left nothing behind
    refused_keys: list[str] = field(default_factory=list)
    # answers outside the contract (a 500, a 503 without Retry-After, no error shape…)
    faults: list[str] = field(default_factory=list)
    calls: int = 0  # call-next answered 200


class _Crowd:
    def __init__(self, plan: LoadPlan) -> None:
        self.plan = plan
        self.report = LoadReport()
        self.statuses: collections.Counter[str] = collections.Counter()
        started = time.monotonic()
        self.until = started + plan.seconds
        self.latest = started + max(plan.seconds, plan.most_seconds)
        self.calls = 0

    def going(self) -> bool:
        """Whether the crowd goes on: its seconds, then until it was served enough."""
        now = time.monotonic()
        if now < self.until:
            return True
        served = (
            len(self.report.issued) >= self.plan.served_issues
            and self.calls >= self.plan.served_calls
        )
        return not served and now < self.latest

    async def send(
        self, sending: Coroutine[Any, Any, httpx.Response], allowed: set[int]
    ) -> httpx.Response | None:
        try:
            response = await sending
        except httpx.TimeoutException:
            self.statuses["no answer"] += 1
            self.report.faults.append("no answer within the client's timeout")
            return None
        self.statuses[str(response.status_code)] += 1
        fault = _fault(response, allowed)
        if fault:
            self.report.faults.append(fault)
        return response

    async def issue(self, client: httpx.AsyncClient) -> None:
        headers = {"Authorization": f"Bearer {self.plan.kiosk_token}"}
        while self.going():
            key = uuid.uuid4().hex
            body = {"service": self.plan.service, "idempotency_key": key}
            url = f"/api/v1/offices/{OFFICE}/tickets"
            r = await self.send(client.post(url, json=body, headers=headers), {201, 409, 503})
            if r is not None and r.status_code == 201:
                self.report.issued.append((r.json()["id"], r.json()["number"]))
            elif r is not None and r.status_code == 503:
                self.report.refused_keys.append(key)

    async def call(self, client: httpx.AsyncClient, window: int, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        while self.going():
            url = f"/api/v1/offices/{OFFICE}/windows/{window}/call-next"
            r = await self.send(client.post(url, headers=headers), {200, 204, 409, 503})
            if r is not None and r.status_code == 200:
                self.calls += 1
                no_show = f"/api/v1/tickets/{r.json()['id']}/no-show"
                await self.send(client.post(no_show, headers=headers), {200, 409, 503})

    async def run(self) -> LoadReport:
        clients = self.plan.issuers + sum(n for _w, _t, n in self.plan.callers)
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(
            base_url=self.plan.base, limits=limits, timeout=self.plan.timeout
        ) as client:
            print("ready", flush=True)
            crowd = [self.issue(client) for _ in range(self.plan.issuers)]
            for window, token, n in self.plan.callers:
                crowd += [self.call(client, window, token) for _ in range(n)]
            await asyncio.gather(*crowd)
        self.report.statuses = dict(self.statuses)
        self.report.calls = self.calls
        return self.report


def _fault(response: httpx.Response, allowed: set[int]) -> str | None:
    """What is wrong with an answer, if anything."""
    where = f"{response.request.method} {response.request.url.path}"
    if response.status_code not in allowed:
        return f"{where}: {response.status_code} {response.text[:200]}"
    if response.status_code < 400:
        return None
    error = response.json().get("error", {})
    if not {"code", "message"} <= error.keys():
        return f"{where}: {response.status_code} without the error shape: {response.text[:200]}"
    if response.status_code == 503:
        if "retry-after" not in response.headers:
            return f"{where}: 503 without Retry-After"
        if not any("а" <= ch <= "я" for ch in error["message"].lower()):
            return f"{where}: 503 message not in Russian: {error['message']}"
    return None


def main() -> None:
    """The crowd's process: run the plan given as JSON, print the report as JSON."""
    plan = LoadPlan(**json.loads(sys.argv[1]))
    plan.callers = [tuple(c) for c in plan.callers]  # type: ignore[misc]
    report = asyncio.run(_Crowd(plan).run())
    print(json.dumps(asdict(report)))


if __name__ == "__main__":
    main()
