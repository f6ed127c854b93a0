"""Local stand-ins of the notification providers: an HTTP SMS gateway, Telegram's Bot API
and an SMTP server (aiosmtpd), on 127.0.0.1. They record what the server sent; none of our
code is mocked. The fixtures that start them live in tests/queue_server/notifications."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

#: The bot token the tests configure; another token is refused as Telegram would (401).
BOT_TOKEN = "TEST-TOKEN"


@dataclass
class Stand:
    """An HTTP stand-in: what it received, and how it should answer next."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    mode: str = "ok"  # ok | fail | hang
    release: threading.Event = field(default_factory=threading.Event)
    entered: threading.Event = field(default_factory=threading.Event)
    # The Bot API's: what getUpdates serves, and each getUpdates call it received.
    updates: list[dict[str, Any]] = field(default_factory=list)
    polls: list[dict[str, Any]] = field(default_factory=list)


class StandHandler(BaseHTTPRequestHandler):
    """A quiet handler that knows its stand; subclasses answer in `handle_request`."""

    stand: Stand

    def log_message(self, *args: Any) -> None:
        pass

    def handle_request(self, request: dict[str, Any]) -> None:
        raise NotImplementedError

    def _handle(self) -> None:
        self.handle_request(read_request(self))

    do_GET = do_POST = _handle

    def answer(self, status: int, body: Any) -> None:
        """A JSON answer."""
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def read_request(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    """Method, path, query and body (JSON or a form) of the request being handled."""
    parts = urlsplit(handler.path)
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length else b""
    body: Any = None
    kind = handler.headers.get("Content-Type", "")
    if raw and "json" in kind:
        body = json.loads(raw)
    elif raw:
        body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
    return {
        "method": handler.command,
        "path": parts.path,
        "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
        "body": body,
    }


@contextmanager
def serving(handler: type[StandHandler]) -> Iterator[Stand]:
    """`handler` on a free local port in a thread, for the length of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    stand = Stand(url=f"http://127.0.0.1:{server.server_address[1]}")
    handler.stand = stand
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand
    finally:
        stand.release.set()  # a handler told to hang lets go
        server.shutdown()
        server.server_close()


@contextmanager
def sms_gateway() -> Iterator[Stand]:
    """An SMS gateway: records each send; answers OK, 500, or hangs until released."""

    class Gateway(StandHandler):
        def handle_request(self, request: dict[str, Any]) -> None:
            stand = self.stand
            if stand.mode == "hang":
                stand.entered.set()
                stand.release.wait(timeout=30)
            if stand.mode == "fail":
                stand.requests.append({**request, "refused": True})
                self.answer(500, {"status": "ERROR"})
                return
            stand.requests.append(request)
            self.answer(200, {"status": "OK"})

    with serving(Gateway) as stand:
        yield stand


@contextmanager
def bot_api() -> Iterator[Stand]:
    """Telegram's Bot API: getUpdates serves `updates` from the asked offset and is counted
    in `polls`; every other method (sendMessage) is recorded in `requests`."""

    class BotApi(StandHandler):
        def handle_request(self, request: dict[str, Any]) -> None:
            stand = self.stand
            if not request["path"].startswith(f"/bot{BOT_TOKEN}/"):
                self.answer(401, {"ok": False, "description": "Unauthorized"})
                return
            if request["path"].endswith("/getUpdates"):
                stand.polls.append(request)
                offset = int(request["query"].get("offset", 0))
                result = [u for u in stand.updates if u["update_id"] >= offset]
                self.answer(200, {"ok": True, "result": result})
                return
            stand.requests.append(request)
            self.answer(200, {"ok": True, "result": {"message_id": len(stand.requests)}})

    with serving(BotApi) as stand:
        yield stand


@contextmanager
def smtp_server(handler: Any, **options: Any) -> Iterator[Controller]:
    """aiosmtpd with `handler` on a free local port (`options`: TLS, a login...)."""
    with socket.socket() as probe:  # aiosmtpd checks its port by connecting: no port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()
