"""A ticket taken in a priority category names the document the clerk must check: on the
paper as the printer decodes it (ESC/POS, CP866) through the package's public interface."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from printer import open_printer
from printer.layouts import TicketData
from tests.printer.conftest import SimFactory
from tests.printer.samples import sample_ticket
from tests.support.patience import DEVICE_SECONDS

WAIT = DEVICE_SECONDS


def _printed(make_sim: SimFactory, data: TicketData, width: int) -> str:
    sim = make_sim(width=width, pty=False, tcp_port=None)
    with open_printer(sim.sim_url, width=width, timeout=WAIT) as device:
        device.print_ticket(data)
    (receipt,) = sim.printer.wait_for_receipts(1, WAIT)
    assert sim.printer.problems == []
    return str(receipt.text)


@pytest.mark.parametrize("width", [80, 58])
def test_a_pregnant_womans_ticket_names_the_certificate_to_check(
    make_sim: SimFactory, width: int
) -> None:
    ticket = replace(
        sample_ticket(),
        priority_category="Беременные женщины",
        priority_proof="Справка из женской консультации",
    )
    paper = _printed(make_sim, ticket, width)
    flat = " ".join(line.strip() for line in paper.splitlines())
    assert "Льгота: Беременные женщины" in flat
    # 58 mm wraps the line; read as one it says what to show at the window.
    assert "Предъявите в окне: Справка из женской консультации" in re.sub(r"\s+", " ", flat)
    # Between the service and the issue time: the clerk reads it with the number.
    lines = [line.strip() for line in paper.splitlines()]
    assert lines.index("Льгота: Беременные женщины") < next(
        i for i, line in enumerate(lines) if line.startswith("Выдан:")
    )


def test_without_a_category_or_its_document_nothing_is_added(make_sim: SimFactory) -> None:
    plain = _printed(make_sim, sample_ticket(), 80)
    assert "Льгота" not in plain and "Предъявите" not in plain
    # A category with no document set: the category, and no empty "show" line.
    named = _printed(make_sim, replace(sample_ticket(), priority_category="Инвалиды"), 80)
    assert "Льгота: Инвалиды" in named and "Предъявите" not in named
    # A document without a category (it cannot happen from the server) is not printed alone.
    odd = _printed(make_sim, replace(sample_ticket(), priority_proof="Справка"), 80)
    assert "Предъявите" not in odd
