"""Fixtures of the display board tests: a page the size of a Full HD television."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import open_page


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page the size of a Full HD television (script errors fail the test)."""
    with open_page(browser, viewport={"width": 1920, "height": 1080}) as tab:
        yield tab
