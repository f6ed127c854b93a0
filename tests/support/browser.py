"""Chromium under Playwright (Debian's /usr/bin/chromium), and pages that fail on script errors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.patience import PAGE_SECONDS

#: Debian's Chromium (package chromium); MFCQ_CHROMIUM points elsewhere.
CHROMIUM = os.environ.get("MFCQ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium, or skip (fail under MFCQ_TEST_STRICT) when it is not installed."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("MFCQ_TEST_STRICT"):  # CI installs chromium: never skip there
            pytest.fail(f"{CHROMIUM} is not installed")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import expect, sync_playwright

    # `expect` waits 5 s by default: a loaded CI machine answers a click later than that.
    expect.set_options(timeout=PAGE_SECONDS * 1000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_page(browser: Any, **context_options: Any) -> Iterator[Any]:
    """A fresh page in Russian; a script error on it fails the test when the page closes."""
    # bypass_csp: Playwright's wait_for_function evaluates its predicate string, which the
    # pages' CSP forbids; test_security_headers.py opens its page with the CSP enforced.
    context = browser.new_context(**{"locale": "ru-RU", "bypass_csp": True, **context_options})
    context.set_default_timeout(PAGE_SECONDS * 1000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"script errors on the page: {errors}"
