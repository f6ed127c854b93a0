"""Settings that let a test's local stand-ins (gateways, printers on 127.0.0.1) be reached.

The server refuses loopback webhooks and printers unless its operator allows them
(queue_server/outbound.py); a test that talks to a stand-in on this machine says so here.
"""

from __future__ import annotations

from queue_server.outbound import OutboundRules
from queue_server.settings import Settings

# Plain-HTTP webhooks to this machine: what a test's local gateway needs.
LOOPBACK_WEBHOOKS = {"webhook_schemes": "http,https", "webhook_networks": "127.0.0.0/8,::1"}


def rules(**overrides: str) -> OutboundRules:
    """Outbound rules of the default settings changed by `overrides`."""
    return OutboundRules.from_settings(Settings.model_construct(**overrides))


def loopback_webhook_rules() -> OutboundRules:
    """Rules that let webhooks reach a local stand-in gateway."""
    return rules(**LOOPBACK_WEBHOOKS)
