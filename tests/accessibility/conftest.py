"""Fixtures of the accessibility checks: the kiosk's live server, kiosk and printer."""

from __future__ import annotations

from tests.kiosk.conftest import kiosk, kiosk_world, printer_sim

__all__ = ["kiosk", "kiosk_world", "printer_sim"]
