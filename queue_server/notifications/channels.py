"""Channels: SMS over an HTTP gateway, Telegram's Bot API, e-mail over SMTP, one interface.

A channel only sends; it never touches the database. Every connection goes to an address
the operator's outbound rules allow (queue_server/outbound.py, as the booking webhooks),
pinned to the address that was checked, with a bounded timeout and no redirects. Plain
httpx (already a dependency) is enough for both HTTP channels: the Bot API's two calls
we need are a POST and a GET, and a bot library would bring its own event loop and
update dispatcher that this delivery thread does not want.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from queue_server.messages import render
from queue_server.notifications.schemas import EmailConfig, SmsConfig, TelegramConfig
from queue_server.outbound import OutboundRefused, OutboundRules, resolve, webhook_target

if TYPE_CHECKING:  # imported where a message is sent: an idle server does not hold them
    import aiosmtplib
    import httpx


class DeliveryError(Exception):
    """A channel could not deliver a message; the outbox retries it later.

    It carries a catalogue code (`delivery_*` in `queue_server/messages.py`) and its
    values; its text, the one recorded for the manager's report, is the Russian one.
    """

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(render(code, params) or code)


@dataclass(frozen=True)
class Outgoing:
    """One message as a channel needs it."""

    address: str  # phone digits, Telegram chat id or e-mail address
    text: str
    subject: str = ""


class Channel(Protocol):
    """Delivers one message or raises DeliveryError."""

    def send(self, message: Outgoing) -> None:
        """Deliver the message; a refusal, a timeout or a bad answer raises DeliveryError."""
        ...


def _post_or_get(
    *,
    url: str,
    rules: OutboundRules,
    method: str,
    timeout: float,
    params: dict[str, str] | None = None,
    data: dict[str, str] | None = None,
    json: Any = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    import httpx

    try:
        # Checked at every send: the URL may predate the operator's rule, or its name may
        # resolve elsewhere now. The request goes to the address that was checked.
        target = webhook_target(url, rules)
    except OutboundRefused as exc:
        raise DeliveryError("delivery_address_refused", reason=exc.message) from None
    sent_headers = {"Host": target.host_header, **(headers or {})}
    extensions = {"sni_hostname": target.tls_name} if target.tls_name else {}
    try:
        # No redirects: a gateway's 3xx could point anywhere the check never saw.
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            return client.request(
                method,
                target.url,
                params=params,
                data=data,
                json=json,
                headers=sent_headers,
                extensions=extensions,
            )
    except httpx.TimeoutException:
        raise DeliveryError("delivery_timeout", seconds=f"{timeout:g}") from None
    except httpx.HTTPError as exc:
        raise DeliveryError("delivery_connection", detail=_detail(exc)) from exc


def _detail(exc: BaseException) -> str:
    """What a library said about a failure, for the report (the provider's own words)."""
    return (f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)[:300]


class SmsGateway:
    """An HTTP SMS gateway's "send" call, filled in from the office's request template."""

    def __init__(self, config: SmsConfig, rules: OutboundRules) -> None:
        self.config = config
        self.rules = rules

    def _values(self, message: Outgoing) -> dict[str, str]:
        return {
            "phone": message.address,
            "phone_plus": "+" + message.address,
            "text": message.text,
            "login": self.config.login,
            "password": self.config.password,
            "sender": self.config.sender,
        }

    def request_parts(self, message: Outgoing) -> tuple[str, dict[str, str], dict[str, str]]:
        """The URL, parameters and headers of the call for this message."""
        values = self._values(message)
        url_values = {name: quote(value, safe="") for name, value in values.items()}
        url = _fill(self.config.url, url_values)
        params = {name: _fill(value, values) for name, value in self.config.params.items()}
        headers = {name: _fill(value, values) for name, value in self.config.headers.items()}
        return url, params, headers

    def send(self, message: Outgoing) -> None:
        """Call the gateway; a non-2xx answer, or one without `success_contains`, raises."""
        url, params, headers = self.request_parts(message)
        config = self.config
        kind = "query" if config.method == "GET" else config.body
        response = _post_or_get(
            url=url,
            rules=self.rules,
            method=config.method,
            timeout=config.timeout_seconds,
            params=params if kind == "query" else None,
            data=params if kind == "form" else None,
            json=params if kind == "json" else None,
            headers=headers,
        )
        if not response.is_success:
            raise DeliveryError("delivery_sms_status", status=response.status_code)
        if config.success_contains and config.success_contains not in response.text:
            raise DeliveryError("delivery_sms_refused", detail=response.text[:200])


def _fill(template: str, values: dict[str, str]) -> str:
    # Plain replacement, not str.format: a gateway's JSON-ish parameter may hold braces.
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


class TelegramBot:
    """A bot of Telegram's Bot API at a configurable base URL."""

    def __init__(self, config: TelegramConfig, rules: OutboundRules) -> None:
        self.config = config
        self.rules = rules

    def _method_url(self, method: str) -> str:
        return f"{self.config.base_url.rstrip('/')}/bot{self.config.token}/{method}"

    def send(self, message: Outgoing) -> None:
        """sendMessage to the chat; `ok: false` or a non-2xx answer raises."""
        response = _post_or_get(
            url=self._method_url("sendMessage"),
            rules=self.rules,
            method="POST",
            timeout=self.config.timeout_seconds,
            json={"chat_id": message.address, "text": message.text},
        )
        if not response.is_success or not _ok(response):
            raise _bot_error(response)

    def updates(self, offset: int) -> list[dict[str, Any]]:
        """New updates from `offset` on (getUpdates without waiting: the loop polls)."""
        response = _post_or_get(
            url=self._method_url("getUpdates"),
            rules=self.rules,
            method="GET",
            timeout=self.config.timeout_seconds,
            params={"offset": str(offset), "timeout": "0", "allowed_updates": '["message"]'},
        )
        if not response.is_success or not _ok(response):
            raise _bot_error(response)
        result = response.json().get("result", [])
        return [u for u in result if isinstance(u, dict)] if isinstance(result, list) else []


def _bot_error(response: httpx.Response) -> DeliveryError:
    if response.status_code in (401, 404):  # the Bot API's answer to a wrong token
        return DeliveryError("delivery_bot_token", status=response.status_code)
    return DeliveryError(
        "delivery_bot_status", status=response.status_code, detail=response.text[:200]
    )


def _ok(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("ok") is True


class SmtpMail:
    """E-mail over SMTP (aiosmtplib), to the server's checked address."""

    def __init__(self, config: EmailConfig, rules: OutboundRules) -> None:
        self.config = config
        self.rules = rules

    def send(self, message: Outgoing) -> None:
        """Send one e-mail; a refused server, a timeout or an SMTP error raises."""
        import aiosmtplib

        config = self.config
        address = smtp_address(config.host, config.port, self.rules)
        mail = EmailMessage()
        mail["From"] = config.sender
        mail["To"] = message.address
        mail["Subject"] = message.subject or "Уведомление МФЦ"
        mail.set_content(message.text)
        try:
            # This runs on the delivery loop's own thread, which has no event loop.
            asyncio.run(self._send(mail, address))
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise DeliveryError("delivery_smtp_auth", detail=_smtp_detail(exc)) from exc
        except ssl.SSLError as exc:  # the certificate is not trusted or not the server's
            raise DeliveryError("delivery_smtp_tls", detail=_detail(exc)) from exc
        except (aiosmtplib.SMTPTimeoutError, TimeoutError):
            raise DeliveryError("delivery_timeout", seconds=f"{config.timeout_seconds:g}") from None
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryError("delivery_smtp_refused", detail=_smtp_detail(exc)) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, ssl.SSLError):
                raise DeliveryError("delivery_smtp_tls", detail=_detail(cause)) from exc
            raise DeliveryError("delivery_smtp_connection", detail=_detail(exc)) from exc

    async def _send(self, mail: EmailMessage, address: str) -> None:
        import aiosmtplib

        config = self.config
        # Connected to the checked address; TLS still verifies the server's own name.
        sock = socket.create_connection((address, config.port), timeout=config.timeout_seconds)
        smtp = aiosmtplib.SMTP(
            hostname=config.host,
            sock=sock,
            use_tls=config.security == "tls",
            start_tls=False,
            timeout=config.timeout_seconds,
        )
        plain: asyncio.BaseTransport | None = None
        try:
            await smtp.connect()
            # STARTTLS wraps this transport; closing the wrapper leaves its shutdown to an
            # event loop that ends with this send, so this one is closed here (below).
            plain = smtp.transport
            if config.security == "starttls":
                await smtp.starttls()
            if config.username:
                await smtp.login(config.username, config.password)
            await smtp.send_message(mail)
        finally:
            if smtp.is_connected:
                try:
                    await smtp.quit()
                finally:
                    smtp.close()
            if plain is not None and not plain.is_closing():
                plain.close()
            sock.close()


def _smtp_detail(exc: aiosmtplib.SMTPResponseException) -> str:
    return f"{exc.code} {exc.message}"[:300]


def smtp_address(host: str, port: int, rules: OutboundRules) -> str:
    """The address to connect to for an SMTP server, held to the webhooks' host rules."""
    host = host.lower()
    if not host:
        raise DeliveryError("delivery_smtp_not_set")
    if rules.webhook_hosts and not any(
        host == allowed or (allowed.startswith("*.") and host.endswith(allowed[1:]))
        for allowed in rules.webhook_hosts
    ):
        raise DeliveryError("delivery_smtp_host_not_allowed", host=host)
    try:
        found = resolve(host, port)
    except OutboundRefused as exc:
        raise DeliveryError("delivery_address_refused", reason=exc.message) from None
    for text in found:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        allowed = any(
            address.version == net.version and address in net for net in rules.webhook_networks
        )
        if not allowed and not (address.is_global and not address.is_multicast):
            raise DeliveryError("delivery_smtp_address_not_allowed", address=str(address))
    if not found:
        raise DeliveryError("delivery_smtp_no_address", host=host)
    return found[0]


def timed_send(channel: Channel, message: Outgoing) -> tuple[str | None, int]:
    """Send and say how it went: (None or the error, milliseconds taken)."""
    started = time.monotonic()
    try:
        channel.send(message)
        error = None
    except DeliveryError as exc:
        error = str(exc)[:500]
    except Exception as exc:  # a broken channel must not stop the others
        error = str(DeliveryError("delivery_failed", detail=_detail(exc)))[:500]
    return error, int((time.monotonic() - started) * 1000)
