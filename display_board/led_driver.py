"""LED window displays and call keypads on an RS-485 bus, driven by the server's events.

`mfc-queue led-driver --server URL --token dev_… --port /dev/ttyUSB0 [--clerk-token 3=…]`

* Subscribes to its office's events over WebSocket (the LED device token) and shows each
  window's current number on the display at the window's `led_address`.
* Reads keypad frames from the same bus and turns them into API calls with the token of
  the clerk at that window (call next, recall, start, finish, no-show).
* Forwards the marks of an applicant's rating keypad at a window (R8) to the server with
  its own LED device token: they rate the ticket just finished at that window.
* Survives the serial port going away (reopens it and repaints every display) and the
  server going away (reconnects, resuming after the last event id it saw).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import click
import httpx
import serial
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from display_board.rs485 import Key, KeyFrameReader, KeyPress, RatingPress, display_frame

log = logging.getLogger("mfc_queue.led_driver")

PAUSE_TEXT = "ПЕРЕРЫВ"
#: Ticket events after which the window's display goes blank.
CLEARING = (
    "ticket.finished",
    "ticket.no_show",
    "ticket.cancelled",
    "ticket.redirected",
    "ticket.transferred",
    "ticket.postponed",
)
KEY_ACTIONS = {
    Key.RECALL: "recall",
    Key.START: "start",
    Key.FINISH: "finish",
    Key.NO_SHOW: "no-show",
}


class SerialBus:
    """The bus in a thread: queued display frames out, key presses in, reopen on loss."""

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 9600,
        on_key: Callable[[KeyPress | RatingPress], None],
        retry_seconds: float = 1.0,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.on_key = on_key
        self.retry_seconds = retry_seconds
        self.is_open = threading.Event()
        # What each display should show; repainted in full after every reopen.
        self._texts: dict[int, str] = {}
        self._lock = threading.Lock()
        self._outbox: queue.Queue[int] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rs485", daemon=True)

    def start(self) -> None:
        """Open the port (retrying in the background) and serve it."""
        self._thread.start()

    def stop(self) -> None:
        """Close the port and end the thread."""
        self._stop.set()
        self._thread.join(timeout=5)

    def show(self, address: int, text: str) -> None:
        """Make the display at `address` show `text` (sent now, or when the port is back)."""
        with self._lock:
            if self._texts.get(address) == text:
                return
            self._texts[address] = text
        self._outbox.put(address)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                port = serial.Serial(self.port, baudrate=self.baudrate, timeout=0.05)
            except (serial.SerialException, OSError) as exc:
                log.debug("cannot open %s: %s", self.port, exc)
                self._stop.wait(self.retry_seconds)
                continue
            log.info("bus %s open", self.port)
            self.is_open.set()
            try:
                self._serve(port)
            except (serial.SerialException, OSError) as exc:
                log.warning("bus %s lost (%s); reopening", self.port, exc)
            finally:
                self.is_open.clear()
                with contextlib.suppress(Exception):
                    port.close()
            self._stop.wait(self.retry_seconds)

    def _serve(self, port: serial.Serial) -> None:
        reader = KeyFrameReader()
        with self._lock:
            pending = set(self._texts)  # repaint everything after (re)opening
        while not self._stop.is_set():
            while True:
                try:
                    pending.add(self._outbox.get_nowait())
                except queue.Empty:
                    break
            for address in sorted(pending):
                with self._lock:
                    text = self._texts[address]
                port.write(display_frame(address, text))
            pending.clear()
            data = port.read(256)
            for press in reader.feed(data):
                self.on_key(press)


@dataclass
class WindowState:
    """What the driver knows of one window."""

    number: int
    address: int | None
    ticket_id: int | None = None
    ticket_number: str = ""
    paused: bool = False

    def text(self) -> str:
        """What its display shows."""
        if self.ticket_number:
            return self.ticket_number
        return PAUSE_TEXT if self.paused else ""


class LedDriver:
    """Events in, display frames out; key presses in, API calls out."""

    def __init__(
        self,
        *,
        server: str,
        token: str,
        port: str,
        clerk_tokens: dict[int, str] | None = None,
        baudrate: int = 9600,
        refresh_seconds: float = 60.0,
        heartbeat_seconds: float = 60.0,
    ) -> None:
        self.server = server.rstrip("/")
        self.token = token
        self.clerk_tokens = clerk_tokens or {}
        self.refresh_seconds = refresh_seconds
        # The driver tells the server it is alive this often (the dashboard's "нет связи"
        # comes only when these stop); the server's pings keep the loop below turning.
        self.heartbeat_seconds = heartbeat_seconds
        self._heartbeat_at = float("-inf")
        self.bus = SerialBus(port, baudrate=baudrate, on_key=self._key_from_thread)
        self.office: str | None = None
        self.windows: dict[int, WindowState] = {}
        self.last_id: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._http: httpx.AsyncClient | None = None
        self._key_tasks: set[asyncio.Task[None]] = set()
        self._key_lock = asyncio.Lock()  # presses are carried out one by one, in order

    # --- main loop ----------------------------------------------------------------------

    async def run(self) -> None:
        """Serve until cancelled."""
        self._loop = asyncio.get_running_loop()
        self._http = httpx.AsyncClient(base_url=self.server, timeout=10)
        self.bus.start()
        backoff = 0.5
        try:
            while True:
                try:
                    await self._session()
                    backoff = 0.5
                except (OSError, WebSocketException, httpx.HTTPError, TimeoutError) as exc:
                    log.warning("server connection lost (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
        finally:
            await self._http.aclose()
            await asyncio.to_thread(self.bus.stop)

    def _ws_url(self) -> str:
        base = "ws" + self.server[len("http") :] if self.server.startswith("http") else self.server
        query: dict[str, Any] = {"token": self.token, "types": "ticket.,window."}
        if self.last_id is not None:
            query["after"] = self.last_id
        return f"{base}/ws/events?{urlencode(query)}"

    async def _session(self) -> None:
        async with connect(
            self._ws_url(), open_timeout=10, ping_interval=10, ping_timeout=10
        ) as ws:
            hello = json.loads(await ws.recv())
            if hello.get("type") == "error":
                raise PermissionError(hello["error"]["message"])
            self.office = hello["office"]
            if self.last_id is None:
                self.last_id = hello["last_id"]
                await self.refresh()
            log.info("subscribed to %s after event %s", self.office, self.last_id)
            last_refresh = time.monotonic()
            await self.heartbeat()
            async for raw in ws:
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "ping":
                    await ws.send(json.dumps({"type": "pong", "t": message.get("t")}))
                elif kind == "resync":
                    self.last_id = message.get("last_id", self.last_id)
                    await self.refresh()
                elif "id" in message:
                    self.apply(message)
                if time.monotonic() - last_refresh > self.refresh_seconds:
                    # Picks up changed bus addresses; events keep the numbers current.
                    await self.refresh()
                    last_refresh = time.monotonic()
                if time.monotonic() - self._heartbeat_at >= self.heartbeat_seconds:
                    await self.heartbeat()

    async def heartbeat(self) -> None:
        """Report "ok" to the server: the driver is connected and its bus is open."""
        assert self._http is not None
        self._heartbeat_at = time.monotonic()
        try:
            response = await self._http.put(
                "/api/v1/devices/me/state",
                json={"state": "ok", "detail": {}},
                headers={"Authorization": f"Bearer {self.token}"},
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:  # the next heartbeat tries again
            log.warning("heartbeat not delivered: %s", exc)

    async def refresh(self) -> None:
        """Read every window (address, current ticket, pause) and repaint the displays."""
        assert self._http is not None and self.office is not None
        response = await self._http.get(
            f"/api/v1/offices/{self.office}/windows",
            headers={"Authorization": f"Bearer {self.token}"},
        )
        response.raise_for_status()
        seen = set()
        for row in response.json():
            number = int(row["number"])
            seen.add(number)
            current = row.get("current_ticket")
            old = self.windows.get(number)
            if old is not None and old.address not in (None, row["led_address"]):
                self.bus.show(old.address, "")
            self.windows[number] = WindowState(
                number=number,
                address=row["led_address"],
                ticket_id=current["id"] if current else None,
                ticket_number=current["number"] if current else "",
                paused=bool(row["paused"]),
            )
        for number in set(self.windows) - seen:
            del self.windows[number]
        for window in self.windows.values():
            self._paint(window)

    # --- events -------------------------------------------------------------------------

    def apply(self, message: dict[str, Any]) -> None:
        """Update the displays for one event."""
        self.last_id = message["id"]
        kind, payload = message["type"], message.get("payload") or {}
        number = payload.get("window")
        window = self.windows.get(number) if isinstance(number, int) else None
        if kind in ("ticket.called", "ticket.recalled") and window is not None:
            window.ticket_id, window.ticket_number = payload["ticket_id"], payload["number"]
        elif kind in CLEARING:
            for candidate in self.windows.values():
                if candidate.ticket_id == payload.get("ticket_id"):
                    candidate.ticket_id, candidate.ticket_number = None, ""
                    window = candidate
        elif kind == "window.paused" and window is not None:
            window.paused = True
        elif kind in ("window.resumed", "window.released", "window.taken") and window is not None:
            window.paused = False
        if window is not None:
            self._paint(window)

    def _paint(self, window: WindowState) -> None:
        if window.address is not None:
            self.bus.show(window.address, window.text())

    # --- keypads ------------------------------------------------------------------------

    def _key_from_thread(self, press: KeyPress | RatingPress) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._start_key_task, press)

    def _start_key_task(self, press: KeyPress | RatingPress) -> None:
        task = asyncio.create_task(self.press(press))
        self._key_tasks.add(task)
        task.add_done_callback(self._key_tasks.discard)

    async def press(self, press: KeyPress | RatingPress) -> None:
        """Turn a key press into the clerk's API call (a rating into the rating call);
        failures are logged, never fatal."""
        async with self._key_lock:
            if isinstance(press, RatingPress):
                await self._rate(press)
            else:
                await self._press(press)

    async def _rate(self, press: RatingPress) -> None:
        window = next((w for w in self.windows.values() if w.address == press.address), None)
        if window is None or self.office is None:
            log.warning("rating at address %s: no window has this address", press.address)
            return
        assert self._http is not None
        try:
            response = await self._http.post(
                f"/api/v1/offices/{self.office}/windows/{window.number}/rating",
                params={"source": "keypad"},
                json=press.body(),
                headers={"Authorization": f"Bearer {self.token}"},
            )
        except httpx.HTTPError as exc:
            log.warning("rating at window %s: server unreachable (%s)", window.number, exc)
            return
        if response.status_code >= 400:
            log.warning("rating at window %s refused: %s", window.number, response.text)
        else:
            log.info("rating at window %s accepted", window.number)

    async def _press(self, press: KeyPress) -> None:
        window = next((w for w in self.windows.values() if w.address == press.address), None)
        if window is None or self.office is None:
            log.warning(
                "key %s at address %s: no window has this address", press.key.name, press.address
            )
            return
        token = self.clerk_tokens.get(window.number)
        if token is None:
            log.warning("key %s at window %s: no clerk token given", press.key.name, window.number)
            return
        assert self._http is not None
        headers = {"Authorization": f"Bearer {token}"}
        try:
            if press.key == Key.CALL_NEXT:
                path = f"/api/v1/offices/{self.office}/windows/{window.number}/call-next"
            else:
                ticket_id = await self._current_ticket(window.number, headers)
                if ticket_id is None:
                    log.warning(
                        "key %s at window %s: no current ticket", press.key.name, window.number
                    )
                    return
                path = f"/api/v1/tickets/{ticket_id}/{KEY_ACTIONS[press.key]}"
            response = await self._http.post(path, headers=headers)
        except httpx.HTTPError as exc:
            log.warning(
                "key %s at window %s: server unreachable (%s)", press.key.name, window.number, exc
            )
            return
        if response.status_code >= 400:
            log.warning(
                "key %s at window %s refused: %s", press.key.name, window.number, response.text
            )
        else:
            log.info("key %s at window %s: %s", press.key.name, window.number, response.status_code)

    async def _current_ticket(self, number: int, headers: dict[str, str]) -> int | None:
        assert self._http is not None
        response = await self._http.get(f"/api/v1/offices/{self.office}/windows", headers=headers)
        response.raise_for_status()
        for row in response.json():
            if int(row["number"]) == number and row.get("current_ticket"):
                return int(row["current_ticket"]["id"])
        return None


def _parse_clerk_tokens(values: tuple[str, ...]) -> dict[int, str]:
    tokens: dict[int, str] = {}
    for value in values:
        window, sep, token = value.partition("=")
        if not sep or not window.strip().isdigit() or not token.strip():
            raise click.BadParameter(f"expected WINDOW=TOKEN, got {value!r}")
        tokens[int(window)] = token.strip()
    return tokens


@click.command("led-driver")
@click.option("--server", required=True, help="Queue server URL, e.g. http://10.0.0.5:8000")
@click.option("--token", required=True, envvar="MFCQ_LED_TOKEN", help="LED device token (dev_…).")
@click.option("--port", "port", required=True, help="Serial port of the RS-485 bus.")
@click.option("--baudrate", default=9600, show_default=True, type=int)
@click.option(
    "--clerk-token",
    "clerk_tokens",
    multiple=True,
    envvar="MFCQ_LED_CLERK_TOKENS",
    help="WINDOW=TOKEN: the keypad of that window acts with this clerk's token (repeatable).",
)
@click.option("-v", "--verbose", is_flag=True)
def led_driver_command(
    server: str,
    token: str,
    port: str,
    baudrate: int,
    clerk_tokens: tuple[str, ...],
    verbose: bool,
) -> None:
    """Show each window's number on its LED display; turn keypad presses into calls."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    driver = LedDriver(
        server=server,
        token=token,
        port=port,
        clerk_tokens=_parse_clerk_tokens(clerk_tokens),
        baudrate=baudrate,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(driver.run())
