"""What every kiosk screen shares: language, accessibility modes, the priority category."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import qrcode
import qrcode.image.svg
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from kiosk.agent import KioskAgent
from kiosk.i18n import WEEKDAYS, name, text

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))


def qr_svg(data: str) -> str:
    """An inline SVG QR code (the same link the paper ticket carries)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]


def safe_next(raw: str) -> str:
    """A local path to go back to; anything else (another host) becomes the start screen."""
    return raw if raw.startswith("/") and not raw.startswith("//") else "/"


class Screen:
    """Builds template contexts: language, accessibility modes, the priority category."""

    def __init__(self, request: Request, agent: KioskAgent) -> None:
        self.request = request
        self.agent = agent
        cookies = request.cookies
        self.lang = "en" if cookies.get("lang") == "en" else "ru"
        self.contrast = cookies.get("contrast") == "1"
        self.large = cookies.get("large") == "1"
        self.cat = request.query_params.get("cat") or None

    def t(self, key: str, **values: Any) -> str:
        """Screen text in the chosen language."""
        return text(self.lang, key, **values)

    def nm(self, item: dict[str, Any], field: str = "name") -> str:
        """An item's name in the chosen language."""
        return name(self.lang, item, field)

    def url(self, path: str, **params: Any) -> str:
        """A kiosk URL that keeps the chosen priority category."""
        query = {k: v for k, v in params.items() if v not in (None, "")}
        if self.cat and "cat" not in query:
            query["cat"] = self.cat
        return path + ("?" + urlencode(query) if query else "")

    def when(self, moment: datetime) -> str:
        """A local date and time for people: "вт 24.11 08:00"."""
        assert self.agent.snapshot is not None
        local = moment.astimezone(ZoneInfo(self.agent.snapshot.office["timezone"]))
        return f"{WEEKDAYS[self.lang][local.weekday()]} {local:%d.%m %H:%M}"

    def render(
        self, template: str, screen: str, status_code: int = 200, **ctx: Any
    ) -> HTMLResponse:
        """Render a page with everything the layout needs."""
        agent = self.agent
        snap = agent.snapshot
        category = snap.menu.category(self.cat) if snap else None
        here = self.request.url.path + (
            "?" + self.request.url.query if self.request.url.query else ""
        )
        return TEMPLATES.TemplateResponse(
            self.request,
            template,
            {
                "s": self,
                "screen": screen,
                "lang": self.lang,
                "t": self.t,
                "nm": self.nm,
                "u": self.url,
                "here": here,
                "here_nocat": self.request.url.path
                + (
                    "?"
                    + urlencode(
                        [(k, v) for k, v in self.request.query_params.items() if k != "cat"]
                    )
                    if any(k != "cat" for k in self.request.query_params)
                    else ""
                ),
                "office_name": snap.office["name"] if snap else "",
                "category": category,
                "config": agent.config,
                **ctx,
            },
            status_code=status_code,
        )
