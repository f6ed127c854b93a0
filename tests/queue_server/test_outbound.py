"""Item 3 of issue 13: a manager's printer and webhook URLs reach only what the operator allows.

Attacks from the issue, turned into tests: a `file://` printer that empties a file on the
server, `tcp://` printers and webhooks on loopback, a URL stored before the rule, a name
that resolves to a forbidden address at send time. Allowed targets still work: the
hardware_sim printer on TCP and on a pty, and a local stand-in gateway, each explicitly
allowed through the settings because they listen on this machine.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select

from hardware_sim import SimulatedPrinter
from queue_server.bookings.models import BookingNotification
from queue_server.bookings.notify import deliver_notifications
from queue_server.outbound import (
    OutboundRefused,
    OutboundRules,
    check_printer_url,
    printer_target,
    webhook_target,
)
from queue_server.settings import Settings
from tests.queue_server.bookings_helpers import booked, set_policy
from tests.queue_server.case_world import install_passport, intake_body, serve
from tests.support.app import make_client
from tests.support.outbound import LOOPBACK_WEBHOOKS, loopback_webhook_rules, rules
from tests.support.patience import DEVICE_SECONDS
from tests.support.servers import live_server
from tests.support.world import World

SETTINGS = "/api/v1/offices/central/case-settings"
POLICY = "/api/v1/offices/central/booking-policy"
LOOPBACK_TCP = {"printer_networks": "127.0.0.0/8", "printer_ports": "1024-65535"}


def _error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    message: str = error["message"]
    return message


def _register_case(api: TestClient, world: World) -> int:
    install_passport(world)
    ticket = serve(api, world, "clerk1", 1, "passport")
    response = api.post(
        "/api/v1/offices/central/cases",
        json=intake_body(api, world, ticket["id"]),
        headers=world.auth("clerk1"),
    )
    assert response.status_code == 201, response.text
    case_id: int = response.json()["id"]
    return case_id


def _printers(api: TestClient, world: World) -> dict[str, str]:
    body = api.get(SETTINGS, headers=world.auth("manager")).json()
    printers: dict[str, str] = body["printers"]
    return printers


# -- printers: saving -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/hostname",
        "tcp://127.0.0.1:9100",
        "tcp://localhost:9100",  # a name is judged by the address it resolves to
        "tcp://[::ffff:127.0.0.1]:9100",  # loopback in IPv6 clothing
        "tcp://169.254.169.254:9100",  # cloud metadata
        "tcp://0.0.0.0:9100",
        "tcp://10.0.0.5:5432",  # a private address, but PostgreSQL's port, not a printer's
        "serial:///dev/ttyS0/../../etc/passwd",
        "lpt://1",
    ],
)
def test_saving_a_forbidden_printer_is_refused_and_changes_nothing(
    api: TestClient, world: World, url: str
) -> None:
    before = api.put(
        SETTINGS, json={"printers": {"1": "sim://window-1"}}, headers=world.auth("manager")
    )
    assert before.status_code == 200, before.text
    response = api.put(
        SETTINGS, json={"printers": {"1": url}, "storage_days": 7}, headers=world.auth("manager")
    )
    message = _error(response, 422, "printer_not_allowed")
    assert "не разрешён" in message and "MFCQ_PRINTER_" in message  # Russian, names the rule
    after = api.get(SETTINGS, headers=world.auth("manager")).json()
    assert after["printers"] == {"1": "sim://window-1"} and after["storage_days"] != 7


def test_the_refusal_names_what_is_allowed(api: TestClient, world: World) -> None:
    response = api.put(
        SETTINGS, json={"printers": {"*": "file:///tmp/x"}}, headers=world.auth("manager")
    )
    assert "tcp://" in _error(response, 422, "printer_not_allowed")
    response = api.put(
        SETTINGS, json={"printers": {"2": "tcp://127.0.0.1:9100"}}, headers=world.auth("manager")
    )
    message = _error(response, 422, "printer_not_allowed")
    assert message.startswith("Окно 2:") and "192.168.0.0/16" in message and "9100–9109" in message


# -- printers: using --------------------------------------------------------------------


def test_a_stored_file_printer_is_not_used_when_the_rule_forbids_it(
    world: World, tmp_path: Path
) -> None:
    victim = tmp_path / "important.txt"
    victim.write_text("данные, которые печать стёрла бы")
    # Stored while the operator allowed files (or before the rule existed)…
    demo_like = {"printer_schemes": "tcp,sim,file", "printer_paths": f"{tmp_path}/*"}
    with make_client(world, **demo_like) as api:
        case_id = _register_case(api, world)
        saved = api.put(
            SETTINGS, json={"printers": {"*": f"file://{victim}"}}, headers=world.auth("manager")
        )
        assert saved.status_code == 200, saved.text
    # …then served with the default rules: the printer is refused at use, the file intact.
    with make_client(world) as api:
        printed = api.post(f"/api/v1/cases/{case_id}/receipt/print", headers=world.auth("clerk1"))
        assert "file://" in _error(printed, 409, "printer_not_allowed")
    assert victim.read_text() == "данные, которые печать стёрла бы"


def test_file_printers_only_inside_the_folder_the_operator_allows(
    world: World, tmp_path: Path
) -> None:
    folder = tmp_path / "receipts"
    folder.mkdir()
    allowed = {"printer_schemes": "tcp,sim,file", "printer_paths": f"{folder}/*"}
    with make_client(world, **allowed) as api:
        inside = {"printers": {"*": f"file://{folder}/window-1.bin"}}
        assert api.put(SETTINGS, json=inside, headers=world.auth("manager")).status_code == 200
        for escape in (
            f"file://{folder}/../escape.bin",
            f"file://{folder}/%2e%2e/escape.bin",  # opened unquoted, so checked unquoted
            "file:///etc/hostname",
        ):
            outside = {"printers": {"*": escape}}
            refused = api.put(SETTINGS, json=outside, headers=world.auth("manager"))
            assert str(folder) in _error(refused, 422, "printer_not_allowed")
        assert _printers(api, world) == inside["printers"]


def test_a_stored_loopback_printer_is_not_used_with_the_default_rules(world: World) -> None:
    with SimulatedPrinter(tcp_port=0) as sim:
        with make_client(world, **LOOPBACK_TCP) as api:
            case_id = _register_case(api, world)
            saved = api.put(
                SETTINGS, json={"printers": {"1": sim.tcp_url}}, headers=world.auth("manager")
            )
            assert saved.status_code == 200, saved.text
        with make_client(world) as api:
            printed = api.post(
                f"/api/v1/cases/{case_id}/receipt/print", headers=world.auth("clerk1")
            )
            _error(printed, 409, "printer_not_allowed")
        assert sim.printer.receipts == []  # not a byte reached it


def test_an_allowed_tcp_printer_prints_by_address_and_by_name(world: World) -> None:
    with SimulatedPrinter(tcp_port=0) as sim:
        assert sim.tcp is not None
        by_name = f"tcp://localhost:{sim.tcp.port}"  # pinned to the address that was checked
        with make_client(world, **LOOPBACK_TCP) as api:
            case_id = _register_case(api, world)
            for url in (sim.tcp_url, by_name):
                api.put(SETTINGS, json={"printers": {"1": url}}, headers=world.auth("manager"))
                printed = api.post(
                    f"/api/v1/cases/{case_id}/receipt/print", headers=world.auth("clerk1")
                )
                assert printed.status_code == 200, printed.text
                assert printed.json()["printer"] == url  # the clerk sees the configured URL
        assert (
            len(sim.printer.wait_for_receipts(4, timeout=DEVICE_SECONDS)) == 4
        )  # two copies, twice


def test_an_allowed_pty_printer_prints(world: World) -> None:
    with SimulatedPrinter(pty=True) as sim:
        allowed = {"printer_schemes": "tcp,sim,serial", "printer_paths": "/dev/pts/*"}
        with make_client(world, **allowed) as api:
            case_id = _register_case(api, world)
            saved = api.put(
                SETTINGS, json={"printers": {"1": sim.serial_url}}, headers=world.auth("manager")
            )
            assert saved.status_code == 200, saved.text
            printed = api.post(
                f"/api/v1/cases/{case_id}/receipt/print", headers=world.auth("clerk1")
            )
            assert printed.status_code == 200, printed.text
        assert len(sim.printer.wait_for_receipts(2, timeout=DEVICE_SECONDS)) == 2


# -- webhooks ---------------------------------------------------------------------------


class Gateway:
    """A local stand-in SMS gateway: records what it is sent and the Host it was sent to."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.received.append((self.headers["Host"], body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    gw = Gateway()
    gw.thread.start()
    yield gw
    gw.server.shutdown()
    gw.server.server_close()
    gw.thread.join(timeout=5)


def _policy(api: TestClient, world: World) -> dict[str, Any]:
    body: dict[str, Any] = api.get(POLICY, headers=world.auth("manager")).json()
    return body


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/sms",  # plain HTTP, and loopback
        "https://127.0.0.1/sms",
        "https://localhost/sms",
        "https://10.1.2.3/sms",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/sms",
    ],
)
def test_saving_a_forbidden_webhook_is_refused_and_changes_nothing(
    api: TestClient, world: World, url: str
) -> None:
    before = _policy(api, world)
    response = api.put(
        POLICY,
        json={"notifier": "webhook", "webhook_url": url, "slot_minutes": 30},
        headers=world.auth("manager"),
    )
    message = _error(response, 422, "webhook_not_allowed")
    assert "не разрешён" in message and "MFCQ_WEBHOOK_" in message
    assert _policy(api, world) == before


def test_a_stored_loopback_webhook_is_not_called_with_the_default_rules(
    world: World, gateway: Gateway
) -> None:
    with make_client(world, **LOOPBACK_WEBHOOKS) as api:
        set_policy(api, world, notifier="webhook", webhook_url=gateway.url)
        booked(api, "passport", "2026-11-24", "10:15")
    assert deliver_notifications(db=world.db, clock=world.clock) == 0  # the default rules
    assert gateway.received == []
    with world.db.transaction(read_only=True) as session:
        row = session.scalars(select(BookingNotification)).one()
        assert row.status == "pending" and "не разрешён" in row.last_error


def test_an_allowed_local_gateway_gets_the_message_by_name(world: World, gateway: Gateway) -> None:
    by_name = f"http://localhost:{gateway.port}/sms"
    with make_client(world, **LOOPBACK_WEBHOOKS) as api:
        set_policy(api, world, notifier="webhook", webhook_url=by_name)
        booked(api, "passport", "2026-11-24", "10:15")
    outbound = loopback_webhook_rules()
    assert deliver_notifications(db=world.db, clock=world.clock, outbound=outbound) == 1
    ((host, message),) = gateway.received
    assert host == f"localhost:{gateway.port}" and message["kind"] == "confirmation"


def test_the_servers_scheduler_sends_by_the_servers_rules(world: World, gateway: Gateway) -> None:
    with make_client(world, **LOOPBACK_WEBHOOKS) as api:
        set_policy(api, world, notifier="webhook", webhook_url=gateway.url)
        booked(api, "passport", "2026-11-24", "10:15")
    with live_server(world) as server:  # the operator allows no loopback here
        assert server.runtime.scheduler.deliver_pending() == 0
    assert gateway.received == []
    world.clock.advance(minutes=5)  # past the retry's backoff
    with live_server(world, **LOOPBACK_WEBHOOKS) as server:
        assert server.runtime.scheduler.deliver_pending() == 1
    assert len(gateway.received) == 1


# -- the rules themselves ---------------------------------------------------------------


def test_a_name_that_resolves_elsewhere_at_send_time_is_refused() -> None:
    allowed = rules(webhook_schemes="https")
    public = webhook_target(
        "https://sms.example.ru/send", allowed, resolver=lambda _h, _p: ["93.184.216.34"]
    )
    # The request goes to the address that was checked, presenting the name it was given.
    assert public.url == "https://93.184.216.34:443/send"
    assert public.host_header == "sms.example.ru" and public.tls_name == "sms.example.ru"
    with pytest.raises(OutboundRefused, match=r"127\.0\.0\.1"):
        webhook_target(
            "https://sms.example.ru/send", allowed, resolver=lambda _h, _p: ["127.0.0.1"]
        )
    with pytest.raises(OutboundRefused):  # one bad address among several is enough
        webhook_target(
            "https://sms.example.ru/send",
            allowed,
            resolver=lambda _h, _p: ["93.184.216.34", "10.0.0.1"],
        )


def test_webhook_hosts_limit_the_names() -> None:
    only = rules(webhook_hosts="*.sms.example.ru,gw.example.org")
    public = lambda _h, _p: ["93.184.216.34"]  # noqa: E731
    assert webhook_target("https://a.sms.example.ru/x", only, resolver=public)
    assert webhook_target("https://gw.example.org/x", only, resolver=public)
    with pytest.raises(OutboundRefused, match=r"gw\.example\.org"):
        webhook_target("https://evil.example.com/x", only, resolver=public)


def test_a_printer_name_is_pinned_to_its_checked_address() -> None:
    lan = rules(printer_networks="192.168.10.0/24")
    pinned = printer_target(
        "tcp://printer-1.office:9100?width=58", lan, resolver=lambda _h, _p: ["192.168.10.7"]
    )
    assert pinned == "tcp://192.168.10.7:9100?width=58"
    with pytest.raises(OutboundRefused):
        check_printer_url("tcp://printer-1.office", lan, resolver=lambda _h, _p: ["192.168.11.7"])


def test_sim_printers_are_allowed_and_usb_only_when_enabled() -> None:
    defaults = OutboundRules.defaults()
    check_printer_url("sim://window-1", defaults)
    with pytest.raises(OutboundRefused, match="MFCQ_PRINTER_SCHEMES"):
        check_printer_url("usb://04b8:0e15", defaults)
    check_printer_url("usb://04b8:0e15", rules(printer_schemes="usb"))


@pytest.mark.parametrize(
    "setting",
    [
        {"printer_networks": "10.0.0.0/33"},
        {"printer_ports": "0-70000"},
        {"printer_schemes": "tcp,gopher"},
        {"webhook_schemes": "ftp"},
        {"webhook_networks": "localhost"},
    ],
)
def test_a_mistake_in_the_rules_stops_the_server_at_start_up(setting: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Settings(**setting)  # type: ignore[arg-type]


def test_the_demo_allows_its_receipt_folder_and_this_machine() -> None:
    from queue_server.cli import _demo_outbound

    plain = Settings(_env_file=None)  # type: ignore[call-arg]
    demo = OutboundRules.from_settings(plain.model_copy(update=_demo_outbound(plain)))
    receipt = f"file://{Path('var/demo-receipts').resolve()}/window-1.bin"
    check_printer_url(receipt, demo)
    check_printer_url("tcp://127.0.0.1:9100", demo)
    with pytest.raises(OutboundRefused):
        check_printer_url("file:///etc/hostname", demo)
    with pytest.raises(OutboundRefused):
        check_printer_url(
            "file://var/demo-receipts/window-1.bin", OutboundRules.from_settings(plain)
        )
