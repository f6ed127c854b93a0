"""E-mail over SMTP with STARTTLS and a login, against aiosmtpd with a certificate made by
the test (trustme): the mail arrives over the encrypted link with its text; a wrong
password, or a certificate nobody vouches for, is a failed attempt with a Russian reason
in the manager's report."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.smtp import AuthResult, LoginPassword
from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_server.notifications.models import DeliveryAttempt, NotificationMessage
from queue_server.notifications.rules import MAX_ATTEMPTS
from queue_server.notifications.scheduled import NotificationLoop
from tests.queue_server.notifications.conftest import configure
from tests.queue_server.test_tickets_api import call, issue, take
from tests.support.standins import smtp_server
from tests.support.world import World

USER, PASSWORD = "mfc", "s3cret-пароль"


class TlsMailbox:
    """aiosmtpd's handler: keeps each message with whether it came encrypted and logged in."""

    def __init__(self) -> None:
        self.messages: list[tuple[Message, bool, bool]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((mail, session.ssl is not None, bool(session.authenticated)))
        return "250 OK"


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    good = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=good, handled=False)


@pytest.fixture
def trusted_ca(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> trustme.CA:
    """A CA made for the test and trusted by this process, as an operator adds a private
    CA to the machine's trust store (here: SSL_CERT_FILE, read by OpenSSL's defaults)."""
    ca = trustme.CA()
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    monkeypatch.setenv("SSL_CERT_FILE", str(path))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return ca


@pytest.fixture
def smtp_starttls() -> Iterator[Callable[[trustme.CA], tuple[int, TlsMailbox]]]:
    """Starts aiosmtpd that insists on STARTTLS and a login, its certificate from `ca`."""
    with contextlib.ExitStack() as started:

        def start(ca: trustme.CA) -> tuple[int, TlsMailbox]:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert("127.0.0.1").configure_cert(context)
            mailbox = TlsMailbox()
            controller = started.enter_context(
                smtp_server(
                    mailbox,
                    tls_context=context,
                    require_starttls=True,
                    auth_required=True,
                    authenticator=_authenticate,
                )
            )
            return controller.port, mailbox

        yield start


def _email(port: int, password: str) -> dict[str, Any]:
    return {
        "enabled": True,
        "host": "127.0.0.1",
        "port": port,
        "security": "starttls",
        "username": USER,
        "password": password,
        "sender": "mfc@example.ru",
        "timeout_seconds": 5,
    }


def _subscribed_over_starttls(
    api: TestClient,
    world: World,
    smtp_starttls: Callable[[trustme.CA], tuple[int, TlsMailbox]],
    ca: trustme.CA,
    *,
    password: str = PASSWORD,
    near_people_ahead: int = 1,
) -> tuple[TlsMailbox, dict[str, Any], dict[str, Any]]:
    """The STARTTLS server (its certificate from `ca`) set as the office's mail server with
    `password`; two tickets issued, the second subscribed by e-mail. Mailbox, both tickets."""
    port, mailbox = smtp_starttls(ca)
    configure(api, world, near_people_ahead=near_people_ahead, email=_email(port, password))
    ahead, ticket = issue(api, world), issue(api, world)
    r = api.post(
        f"/api/v1/tickets/status/{ticket['status_code']}/notifications",
        json={"channel": "email", "email": "ivanov@mail.ru", "consent": True},
    )
    assert r.status_code == 201, r.text
    return mailbox, ahead, ticket


def test_the_call_arrives_over_starttls_with_a_login(
    api: TestClient,
    world: World,
    loop: NotificationLoop,
    trusted_ca: trustme.CA,
    smtp_starttls: Callable[[trustme.CA], tuple[int, TlsMailbox]],
) -> None:
    mailbox, other, ticket = _subscribed_over_starttls(
        api, world, smtp_starttls, trusted_ca, near_people_ahead=0
    )
    take(api, world, 1, "clerk1")
    assert call(api, world, 1, "clerk1")["id"] == other["id"]
    assert loop.deliver_pending() == 1  # nobody ahead now: "turn near"
    mail, encrypted, logged_in = mailbox.messages[0]
    assert encrypted and logged_in
    assert mail["Subject"] == "Скоро ваша очередь"
    assert mail["To"] == "ivanov@mail.ru" and mail["From"] == "mfc@example.ru"
    body = mail.get_payload(decode=True).decode()
    assert body.startswith(f"МФЦ Центральный: скоро ваша очередь. Талон {ticket['number']}")


def test_a_wrong_password_fails_with_a_russian_reason_in_the_report(
    api: TestClient,
    world: World,
    loop: NotificationLoop,
    trusted_ca: trustme.CA,
    smtp_starttls: Callable[[trustme.CA], tuple[int, TlsMailbox]],
) -> None:
    # One ahead of the subscribed ticket: "turn near" at once.
    mailbox, _, _ = _subscribed_over_starttls(
        api, world, smtp_starttls, trusted_ca, password="не тот"
    )
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert loop.deliver_pending() == 0
        with world.db.transaction(read_only=True) as session:
            message = session.scalars(select(NotificationMessage)).one()
        assert message.attempts == attempt
        if attempt < MAX_ATTEMPTS:  # tried again after its backoff
            assert message.status == "pending"
            world.clock.advance(message.due_at - world.clock.now())
    assert message.status == "failed"
    assert mailbox.messages == []
    with world.db.transaction(read_only=True) as session:
        attempts = session.scalars(select(DeliveryAttempt)).all()
        assert [a.ok for a in attempts] == [False] * MAX_ATTEMPTS
        assert all(
            a.error.startswith("Почтовый сервер не принял имя пользователя или пароль")
            for a in attempts
        )
    report = api.get(
        "/api/v1/offices/central/notifications/report", headers=world.auth("manager")
    ).json()
    assert [(k["kind"], k["channel"], k["failed"], k["attempts"]) for k in report["summary"]] == [
        ("turn_near", "email", 1, MAX_ATTEMPTS)
    ]
    (recent,) = report["recent"]
    assert recent["status"] == "failed" and recent["address_masked"] == "i***@mail.ru"
    assert "не принял имя пользователя или пароль" in recent["last_error"]
    assert "535" in recent["last_error"]  # the server's own answer, for the technician


def test_a_certificate_nobody_vouches_for_is_refused(
    api: TestClient,
    world: World,
    loop: NotificationLoop,
    trusted_ca: trustme.CA,
    smtp_starttls: Callable[[trustme.CA], tuple[int, TlsMailbox]],
) -> None:
    # A CA this process does not trust.
    mailbox, _, _ = _subscribed_over_starttls(api, world, smtp_starttls, trustme.CA())
    assert loop.deliver_pending() == 0
    assert mailbox.messages == []  # nothing, not even the password, went over it
    with world.db.transaction(read_only=True) as session:
        error = session.scalars(select(DeliveryAttempt.error)).one()
    assert error.startswith("Не удалось установить защищённое соединение с почтовым сервером")
