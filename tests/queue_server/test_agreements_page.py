"""The agreements settings page in Chromium (R18): an agency without an agreement is named
as one whose documents are not taken."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from queue_server.agreements.models import Agreement, AgreementService
from tests.support.servers import live_server
from tests.support.world import PASSWORD, World


def test_r18_the_page_says_an_agency_without_agreement_has_nothing_taken(
    sqlite_world: World, page: Any
) -> None:
    """R18: the world's agency with its agreement removed: the page says its services'
    documents are not taken (not "not checked yet", as before the rule bound every agency)."""
    from playwright.sync_api import expect

    world = sqlite_world
    with world.db.transaction() as session:
        session.execute(delete(AgreementService))
        session.execute(delete(Agreement))
    with live_server(world) as server:
        page.goto(f"{server.url}/admin/settings/agreements")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{server.url}/admin/settings/agreements")
        section = page.locator("section[data-agency=mvd]")
        expect(section.locator("h2")).to_have_text("МВД")
        expect(section.locator("p.hint")).to_have_text(
            "Соглашений не внесено: документы по услугам этого органа не принимаются."
        )
