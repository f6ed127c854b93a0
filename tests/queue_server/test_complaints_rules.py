"""R17 terms of complaints in working days of the Russian production calendar.

The dates are fixed calendar facts (holidays, transferred days), not "today": the
rules are pure functions of dates.
"""

from __future__ import annotations

from datetime import date, time

import pytest

from queue_server.complaints import rules
from queue_server.offices.models import OfficeDay


def test_r17_answer_terms_are_15_working_days_or_5_for_refusals_and_errors() -> None:
    """R17: 15 working days; 5 for a refused intake or an uncorrected error (003 §110)."""
    assert rules.answer_term("waiting") == 15
    assert rules.answer_term("conduct") == 15
    assert rules.answer_term("other") == 15
    assert rules.answer_term("refused_intake") == 5
    assert rules.answer_term("document_error") == 5


def test_r17_answer_due_in_an_ordinary_month() -> None:
    """R17: Monday 23.11.2026 + 15 working days is Monday 14.12; + 5 is Monday 30.11."""
    monday = date(2026, 11, 23)
    assert rules.answer_due(country="RU", registered_on=monday, category="waiting") == date(
        2026, 12, 14
    )
    assert rules.answer_due(country="RU", registered_on=monday, category="refused_intake") == date(
        2026, 11, 30
    )


def test_r17_answer_due_across_the_new_year_holidays() -> None:
    """R17: 31.12.2026 (transferred day off) and 1–8.01.2027 do not count."""
    due = rules.answer_due(country="RU", registered_on=date(2026, 12, 28), category="conduct")
    assert due == date(2027, 1, 27)


def test_r17_a_transferred_working_saturday_counts_and_the_moved_monday_does_not() -> None:
    """R17: Saturday 20.02.2027 is a working day; Monday 22.02 is the day off it gave."""
    due = rules.answer_due(country="RU", registered_on=date(2027, 2, 18), category="document_error")
    # 19.02 (Fri), 20.02 (working Sat), 24.02, 25.02, 26.02: 22.02 and 23.02 are off.
    assert due == date(2027, 2, 26)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 11, 20), date(2026, 11, 23)),  # Friday → Monday
        (date(2026, 11, 21), date(2026, 11, 23)),  # Saturday → Monday
        (date(2026, 11, 3), date(2026, 11, 5)),  # Tuesday → Thursday: 4.11 is a holiday
        (date(2026, 12, 30), date(2027, 1, 11)),  # past 31.12 and the New Year holidays
    ],
)
def test_r17_registration_is_due_the_next_working_day(received: date, due: date) -> None:
    """R17: a complaint is registered no later than the working day after its receipt."""
    assert rules.registration_due(country="RU", received_on=received) == due


def test_r17_an_office_closure_moves_the_term_and_an_opened_holiday_shortens_it() -> None:
    """R17: the office's own calendar (a closed working day, an opened day off) counts too."""
    monday = date(2026, 11, 23)
    closed = {date(2026, 11, 24): OfficeDay(day=date(2026, 11, 24), is_open=False)}
    assert rules.answer_due(
        country="RU", registered_on=monday, category="refused_intake", overrides=closed
    ) == date(2026, 12, 1)
    opened = {
        date(2026, 11, 28): OfficeDay(
            day=date(2026, 11, 28), is_open=True, opens=time(10), closes=time(14)
        )
    }
    assert rules.answer_due(
        country="RU", registered_on=monday, category="refused_intake", overrides=opened
    ) == date(2026, 11, 28)


def test_r17_the_warning_starts_two_working_days_before_the_term() -> None:
    """R17: near due from two working days before the last day, skipping holidays."""
    assert rules.warn_from(country="RU", due=date(2027, 1, 27)) == date(2027, 1, 25)
    assert rules.warn_from(country="RU", due=date(2027, 1, 11)) == date(2026, 12, 29)


def test_r17_deadline_state_ok_near_overdue() -> None:
    """R17: the whole last day is still in time; the day after it is overdue."""
    due, warn = date(2026, 12, 14), date(2026, 12, 10)
    assert rules.deadline_state(today=date(2026, 12, 9), warn_on=warn, due=due) == "ok"
    assert rules.deadline_state(today=date(2026, 12, 10), warn_on=warn, due=due) == "near"
    assert rules.deadline_state(today=due, warn_on=warn, due=due) == "near"
    assert rules.deadline_state(today=date(2026, 12, 15), warn_on=warn, due=due) == "overdue"
