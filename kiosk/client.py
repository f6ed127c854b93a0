"""The queue server's HTTP API as the kiosk uses it (httpx; never the server's internals)."""

from __future__ import annotations

from typing import Any

import httpx


class ServerUnreachable(Exception):
    """The server did not answer (down, network cut, timeout, 5xx): try again later."""


class ServerRefused(Exception):
    """The server answered with a 4xx: retrying the same request will not help."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class ServerClient:
    """Calls of the kiosk device against /api/v1 with its bearer token."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            transport=transport,
        )

    async def close(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            # Connect refused, reset, cut off mid-response, timed out: the outcome is
            # unknown, so the caller retries with the same idempotency key.
            raise ServerUnreachable(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise ServerUnreachable(f"{method} {path}: HTTP {response.status_code}")
        if response.status_code >= 400:
            code, message = "error", response.text[:300]
            try:
                error = response.json()["error"]
                code, message = str(error["code"]), str(error["message"])
            except (ValueError, KeyError, TypeError):
                pass
            raise ServerRefused(response.status_code, code, message)
        return response

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return (await self._request(method, path, **kwargs)).json()

    async def me(self) -> dict[str, Any]:
        """Who this token is: kind, role, office."""
        result: dict[str, Any] = await self._json("GET", "/auth/me")
        return result

    async def office(self, code: str) -> dict[str, Any]:
        """The office's configuration (name, time zone)."""
        result: dict[str, Any] = await self._json("GET", f"/offices/{code}")
        return result

    async def services(self, code: str) -> list[dict[str, Any]]:
        """The office's menu: services with documents, variants and questions."""
        result: list[dict[str, Any]] = await self._json("GET", f"/offices/{code}/services")
        return result

    async def groups(self) -> list[dict[str, Any]]:
        """Menu groups."""
        result: list[dict[str, Any]] = await self._json("GET", "/service-groups")
        return result

    async def categories(self) -> list[dict[str, Any]]:
        """Priority categories."""
        result: list[dict[str, Any]] = await self._json("GET", "/priority-categories")
        return result

    async def calendar(self, code: str, days: int = 14) -> list[dict[str, Any]]:
        """Opening hours per date from today (office time)."""
        result: list[dict[str, Any]] = await self._json(
            "GET", f"/offices/{code}/calendar", params={"days": days}
        )
        return result

    async def queue(self, code: str) -> dict[str, Any]:
        """The waiting tickets per service, with the server's current time."""
        result: dict[str, Any] = await self._json("GET", f"/offices/{code}/queue")
        return result

    async def issue(
        self, code: str, *, service: str, category: str | None, key: str
    ) -> tuple[dict[str, Any], bool]:
        """Issue a ticket; returns (ticket, replayed). The key makes retries safe."""
        response = await self._request(
            "POST",
            f"/offices/{code}/tickets",
            json={"service": service, "priority_category": category, "idempotency_key": key},
        )
        return response.json(), response.headers.get("Idempotent-Replayed") == "true"

    async def check_in(self, code: str, booking_code: str) -> dict[str, Any]:
        """Check a booking in; the server gives the same ticket for the same booking."""
        result: dict[str, Any] = await self._json(
            "POST", f"/offices/{code}/bookings/{booking_code}/check-in"
        )
        return result

    async def subscribe(self, status_code: str, *, phone: str, consent: bool) -> dict[str, Any]:
        """Leave the applicant's phone (with consent) for SMS about the ticket."""
        result: dict[str, Any] = await self._json(
            "POST",
            f"/tickets/status/{status_code}/notifications",
            json={"phone": phone, "consent": consent, "source": "kiosk"},
        )
        return result

    async def check_in_remote(self, code: str, checkin_code: str) -> dict[str, Any]:
        """Check in a place taken in the queue from the phone; the same code, the same ticket."""
        result: dict[str, Any] = await self._json(
            "POST", f"/offices/{code}/remote-tickets/{checkin_code}/check-in"
        )
        return result

    async def report_state(self, state: str, detail: dict[str, Any]) -> dict[str, Any]:
        """Store this device's state on the server."""
        result: dict[str, Any] = await self._json(
            "PUT", "/devices/me/state", json={"state": state, "detail": detail}
        )
        return result

    async def print_failed(self, ticket_id: int, reason: str) -> dict[str, Any]:
        """Record that an issued ticket could not be printed."""
        result: dict[str, Any] = await self._json(
            "POST", f"/tickets/{ticket_id}/print-failed", json={"reason": reason[:200]}
        )
        return result

    async def print_jobs(self) -> list[dict[str, Any]]:
        """Reprints that clerks asked this kiosk for."""
        result: list[dict[str, Any]] = await self._json("GET", "/devices/me/print-jobs")
        return result

    async def job_printed(self, job_id: int) -> dict[str, Any]:
        """Tell the server an owed ticket was printed."""
        result: dict[str, Any] = await self._json("POST", f"/print-jobs/{job_id}/printed")
        return result
