"""The pages' convention: every script and style a page names is served under /static/."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.support.world import World

ASSET = re.compile(r'(?:src|href)="(/static/[^"]+)"')


def _assets(html: str) -> list[str]:
    return ASSET.findall(html)


def test_every_page_s_scripts_and_styles_are_served(api: TestClient, world: World) -> None:
    issued = api.post(
        "/api/v1/offices/central/tickets", json={"service": "passport"}, headers=world.auth("kiosk")
    )
    assert issued.status_code == 201, issued.text
    pages = [
        "/admin/login",
        "/admin/dashboard/central",
        "/admin/settings/services/+new",
        "/clerk",
        f"/board/central?token={world.tokens['board']}",
        issued.json()["status_url"].removeprefix("http://testserver"),
        "/book/central",
        "/q/central",
    ]
    seen: set[str] = set()
    for page in pages:
        got = api.get(page)
        assert got.status_code == 200, page
        assets = _assets(got.text)
        assert assets, f"{page} names no script or style"
        seen.update(assets)
    assert "/static/common/mfcq.js" in seen
    for asset in sorted(seen):
        got = api.get(asset)
        assert got.status_code == 200, asset
        assert got.content, asset


@pytest.mark.parametrize(
    "path",
    [
        "/static/common/nothing.js",
        "/static/common/..",
        "/static/admin/%2E%2E%2Fpages.py",
        "/static/clerk/..%2Fpages.py",
        "/static/nobody/mfcq.js",
    ],
)
def test_nothing_outside_a_static_folder_is_served(api: TestClient, path: str) -> None:
    assert api.get(path).status_code == 404
