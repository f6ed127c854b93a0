"""The status page's notification form: its script, served under /static/notifications/."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from queue_server.pages import serve_static

HERE = Path(__file__).parent

router = APIRouter(include_in_schema=False)
serve_static(router, "notifications", HERE / "static")
