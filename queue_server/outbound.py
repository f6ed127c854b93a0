"""Where the server may connect or write because a user typed a URL: printers and webhooks.

A manager types a receipt printer URL or a booking webhook URL and the server then opens
it. Left open, that lets a manager account make the server empty any file it can write
(`file:///…`), send bytes to its own database port or fetch a cloud metadata address.
So only the operator's settings (`MFCQ_PRINTER_*`, `MFCQ_WEBHOOK_*`, never the API) say
what is reachable, and every URL is checked twice: when it is saved, and again when it is
used, because a stored URL may be older than the rule and a host name may resolve to
another address at send time. The use-time check returns the target pinned to the address
it checked, so the connection goes exactly where the check looked (no DNS rebinding).
"""

from __future__ import annotations

import fnmatch
import ipaddress
import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit, urlunsplit

if TYPE_CHECKING:
    from queue_server.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# (host, port) → the addresses the host name stands for; tests never need to replace it.
Resolver = Callable[[str, int], list[str]]

PRINTER_SCHEMES = ("serial", "tcp", "usb", "file", "sim")
WEBHOOK_SCHEMES = ("http", "https")
# Defaults of the operator's settings (queue_server/settings.py, README): network printers
# on the private LAN at the raw-printing ports, no files, no serial devices; webhooks to
# public HTTPS hosts only. `sim://` reaches only simulators registered inside this
# process, which a production server has none of.
DEFAULT_PRINTER_SCHEMES = "tcp,sim"
DEFAULT_PRINTER_NETWORKS = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"
DEFAULT_PRINTER_PORTS = "9100-9109"
DEFAULT_PRINTER_PATHS = "/dev/ttyUSB*,/dev/ttyACM*,/dev/ttyS*,/dev/usb/lp*"
DEFAULT_WEBHOOK_SCHEMES = "https"


class OutboundRefused(Exception):
    """A URL leads somewhere the operator's settings do not allow; the message is Russian."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def split_list(raw: str) -> list[str]:
    """A comma-separated setting as a list of its non-empty items."""
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_networks(raw: str) -> tuple[IPNetwork, ...]:
    """Address ranges from `10.0.0.0/8,192.168.5.20` (a bare address is a /32 or /128)."""
    return tuple(ipaddress.ip_network(item, strict=False) for item in split_list(raw))


def parse_ports(raw: str) -> tuple[tuple[int, int], ...]:
    """Port ranges from `9100-9109,515`."""
    ranges = []
    for item in split_list(raw):
        low, _, high = item.partition("-")
        first, last = int(low), int(high or low)
        if not 1 <= first <= last <= 65535:
            raise ValueError(f"port range {item!r} is not within 1-65535")
        ranges.append((first, last))
    return tuple(ranges)


def parse_schemes(raw: str, known: tuple[str, ...]) -> frozenset[str]:
    """Schemes from `tcp,sim`; an unknown one is a mistake in the settings."""
    schemes = frozenset(item.lower() for item in split_list(raw))
    unknown = schemes - set(known)
    if unknown:
        raise ValueError(f"unknown scheme(s) {', '.join(sorted(unknown))}; use {', '.join(known)}")
    return schemes


def _absolute_pattern(pattern: str) -> str:
    # The directory part is resolved like the targets are, so `var/receipts/*` and a
    # symlinked /dev path compare with what a target really is.
    head, tail = os.path.split(pattern)
    return os.path.join(os.path.realpath(head or "."), tail)


@dataclass(frozen=True)
class OutboundRules:
    """The operator's limits on printer and webhook URLs, parsed from the settings."""

    printer_schemes: frozenset[str]
    printer_networks: tuple[IPNetwork, ...]
    printer_ports: tuple[tuple[int, int], ...]
    printer_paths: tuple[str, ...]
    webhook_schemes: frozenset[str]
    webhook_hosts: tuple[str, ...]
    webhook_networks: tuple[IPNetwork, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> OutboundRules:
        """The rules the settings describe (validated once when the settings were read)."""
        return cls(
            printer_schemes=parse_schemes(settings.printer_schemes, PRINTER_SCHEMES),
            printer_networks=parse_networks(settings.printer_networks),
            printer_ports=parse_ports(settings.printer_ports),
            printer_paths=tuple(_absolute_pattern(p) for p in split_list(settings.printer_paths)),
            webhook_schemes=parse_schemes(settings.webhook_schemes, WEBHOOK_SCHEMES),
            webhook_hosts=tuple(h.lower() for h in split_list(settings.webhook_hosts)),
            webhook_networks=parse_networks(settings.webhook_networks),
        )

    @classmethod
    def defaults(cls) -> OutboundRules:
        """The rules of a server whose operator set nothing."""
        from queue_server.settings import Settings

        return cls.from_settings(Settings.model_construct())


def resolve(host: str, port: int) -> list[str]:
    """Every address the host name stands for now (an address literal stands for itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundRefused(f"Адрес {host} не найден (DNS): {exc}.") from None
    return sorted({str(info[4][0]) for info in infos})


def _address(text: str) -> IPAddress:
    address = ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone id is not an address
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return address


def _in_any(address: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def _listed(items: Iterable[object]) -> str:
    shown = ", ".join(str(item) for item in items)
    return shown or "нет"


def _ports_text(ports: Iterable[tuple[int, int]]) -> str:
    return _listed(f"{a}" if a == b else f"{a}–{b}" for a, b in ports)


def _pinned_host(address: IPAddress) -> str:
    return f"[{address}]" if address.version == 6 else str(address)


def _shown(url: str) -> str:
    return url if len(url) <= 120 else url[:117] + "…"


# -- printers -------------------------------------------------------------------------


def printer_target(url: str, rules: OutboundRules, *, resolver: Resolver = resolve) -> str:
    """The URL to open for a printer URL, pinned to what was checked; else OutboundRefused."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in rules.printer_schemes:
        raise OutboundRefused(
            f"Принтер {_shown(url)} не разрешён: сервер печатает только по схемам "
            f"{_listed(f'{s}://' for s in sorted(rules.printer_schemes))} "
            "(настройка сервера MFCQ_PRINTER_SCHEMES)."
        )
    if scheme == "tcp":
        return _tcp_printer(url, rules, resolver)
    if scheme in ("serial", "file"):
        return _device_printer(url, rules)
    return url  # usb:// names a vendor and product, sim:// a simulator of this process


def check_printer_url(url: str, rules: OutboundRules, *, resolver: Resolver = resolve) -> None:
    """Refuse (OutboundRefused) a printer URL the operator's settings do not allow."""
    printer_target(url, rules, resolver=resolver)


def _printer_network_refusal(url: str, rules: OutboundRules, why: str) -> OutboundRefused:
    return OutboundRefused(
        f"Принтер {_shown(url)} не разрешён: {why}. Сетевые принтеры разрешены в сетях "
        f"{_listed(rules.printer_networks)} на портах {_ports_text(rules.printer_ports)} "
        "(настройки сервера MFCQ_PRINTER_NETWORKS, MFCQ_PRINTER_PORTS)."
    )


def _tcp_printer(url: str, rules: OutboundRules, resolver: Resolver) -> str:
    parts = urlsplit(url)
    if not parts.hostname:
        raise _printer_network_refusal(url, rules, "в адресе нет узла")
    try:
        port = parts.port or 9100
    except ValueError:
        raise _printer_network_refusal(url, rules, "неверный порт") from None
    if not any(first <= port <= last for first, last in rules.printer_ports):
        raise _printer_network_refusal(url, rules, f"порт {port} не разрешён")
    addresses = [_address(a) for a in resolver(parts.hostname, port)]
    refused = [a for a in addresses if not _in_any(a, rules.printer_networks)]
    if refused or not addresses:
        raise _printer_network_refusal(
            url, rules, f"адрес {_listed(refused)} вне разрешённых сетей"
        )
    pinned = f"{_pinned_host(addresses[0])}:{port}"
    return urlunsplit(("tcp", pinned, "", parts.query, ""))


def _device_printer(url: str, rules: OutboundRules) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    # Read the way printer.transports reads it (unquoted path, or the host part for COM3):
    # `%2e%2e` checked as text but opened as `..` would walk out of the allowed folder.
    target = unquote(parts.path) if parts.path else parts.netloc
    real = os.path.realpath(target) if target else ""
    if not real or not any(fnmatch.fnmatchcase(real, p) for p in rules.printer_paths):
        raise OutboundRefused(
            f"Принтер {_shown(url)} не разрешён: сервер открывает для печати только "
            f"{_listed(rules.printer_paths)} (настройка сервера MFCQ_PRINTER_PATHS)."
        )
    # The resolved path is what was checked: a symlink swapped later is not followed.
    return urlunsplit((scheme, "", quote(real), parts.query, ""))


# -- webhooks -------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookTarget:
    """Where to send a webhook: the URL with the checked address, and the names to present."""

    url: str
    host_header: str
    tls_name: str | None


def webhook_target(
    url: str, rules: OutboundRules, *, resolver: Resolver = resolve
) -> WebhookTarget:
    """The webhook URL pinned to a checked address; OutboundRefused when it is not allowed."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in rules.webhook_schemes:
        raise _webhook_refusal(url, rules, f"схема {scheme or '(нет)'}:// не разрешена")
    if not host:
        raise _webhook_refusal(url, rules, "в адресе нет узла")
    if rules.webhook_hosts and not any(_host_matches(host, h) for h in rules.webhook_hosts):
        raise _webhook_refusal(url, rules, f"узел {host} не в списке разрешённых")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise _webhook_refusal(url, rules, "неверный порт") from None
    addresses = [_address(a) for a in resolver(host, port)]
    refused = [a for a in addresses if not _webhook_address_allowed(a, rules)]
    if refused or not addresses:
        raise _webhook_refusal(url, rules, f"адрес {_listed(refused)} не публичный и не разрешён")
    userinfo = parts.netloc.rpartition("@")[0]
    pinned = f"{_pinned_host(addresses[0])}:{port}"
    netloc = f"{userinfo}@{pinned}" if userinfo else pinned
    return WebhookTarget(
        url=urlunsplit((scheme, netloc, parts.path, parts.query, "")),
        host_header=parts.netloc.rpartition("@")[2],
        tls_name=host if scheme == "https" else None,
    )


def check_webhook_url(url: str, rules: OutboundRules, *, resolver: Resolver = resolve) -> None:
    """Refuse (OutboundRefused) a webhook URL the operator's settings do not allow."""
    webhook_target(url, rules, resolver=resolver)


def _host_matches(host: str, allowed: str) -> bool:
    if allowed.startswith("*."):
        return host.endswith(allowed[1:])
    return host == allowed


def _webhook_address_allowed(address: IPAddress, rules: OutboundRules) -> bool:
    # Public addresses are the gateways' home; anything else (loopback, private, link-local
    # such as 169.254.169.254) only when the operator lists its range.
    if _in_any(address, rules.webhook_networks):
        return True
    return address.is_global and not address.is_multicast


def _webhook_refusal(url: str, rules: OutboundRules, why: str) -> OutboundRefused:
    hosts = _listed(rules.webhook_hosts) if rules.webhook_hosts else "любые"
    networks = _listed(rules.webhook_networks) if rules.webhook_networks else "нет"
    return OutboundRefused(
        f"Адрес вебхука {_shown(url)} не разрешён: {why}. Разрешены схемы "
        f"{_listed(f'{s}://' for s in sorted(rules.webhook_schemes))}, узлы: {hosts}, "
        f"адреса: публичные и сети {networks} (настройки сервера MFCQ_WEBHOOK_SCHEMES, "
        "MFCQ_WEBHOOK_HOSTS, MFCQ_WEBHOOK_NETWORKS)."
    )
