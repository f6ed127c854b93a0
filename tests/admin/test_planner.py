"""Erlang C against published values, and the staffing plan on the hand-built Monday."""

from __future__ import annotations

import math

import pytest

from admin.reports.planner import erlang_c, share_within, windows_needed
from tests.admin.conftest import MONDAY
from tests.support.app import make_client
from tests.support.world import World


def test_erlang_c_small_case_exactly() -> None:
    # A = 2 erlangs, N = 3: Σ_{k<3} 2^k/k! = 5; (2^3/3!)·3/(3−2) = 4 → C = 4/9.
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9, abs=1e-12)
    # One server: C(1, A) = A (the utilisation of an M/M/1 queue).
    assert erlang_c(1, 0.7) == pytest.approx(0.7)


def test_erlang_c_published_call_centre_example() -> None:
    # The textbook example: 100 calls per 30 min, 180 s handling → A = 10 erlangs;
    # with 11 agents the probability of waiting is 0.6821, with 14 it is 0.1741, and
    # the service level for a 20 s target with 14 agents is 88.8%.
    assert erlang_c(11, 10.0) == pytest.approx(0.6821, abs=5e-5)
    assert erlang_c(14, 10.0) == pytest.approx(0.1741, abs=5e-5)
    assert share_within(14, 10.0, 180.0, 20.0) == pytest.approx(0.888, abs=5e-4)
    # The same example's answer for 80% of calls answered in 20 s: 14 agents.
    assert windows_needed(200.0, 180.0, 20.0, target=0.80) == 14


def test_overload_and_no_arrivals() -> None:
    assert erlang_c(5, 5.0) == 1.0
    assert share_within(5, 6.0, 300, 900) == 0.0
    assert windows_needed(0, 600, 900) == 0
    # 30 arrivals per hour of 20 min each are 10 erlangs: at least 11 windows.
    needed = windows_needed(30, 1200, 900)
    assert needed >= 11
    traffic = 10.0
    assert share_within(needed, traffic, 1200, 900) >= 0.95
    assert share_within(needed - 1, traffic, 1200, 900) < 0.95
    assert math.isfinite(erlang_c(200, 150.0))


def test_staffing_plan_on_the_hand_built_day(report_world: World) -> None:
    with make_client(report_world) as api:
        got = api.get(
            "/api/v1/reports/staffing",
            params={"from": MONDAY.isoformat(), "to": MONDAY.isoformat(), "office": "central"},
            headers=report_world.auth("manager"),
        )
    assert got.status_code == 200, got.text
    table = got.json()
    hours = {r["hour"]: r for r in table["rows"]}
    assert table["note"] == "Дней с талонами в периоде: 1"
    # 09h: T1 and T2 arrive; service 1200 and 2400 s → mean 1800; smallest limit 900.
    assert hours[9]["arrivals_per_hour"] == 2
    assert hours[9]["mean_service_s"] == 1800
    assert hours[9]["limit_s"] == 900
    # A = 2·1800/3600 = 1 erlang; the fewest windows with ≥95% within 900 s:
    assert hours[9]["needed"] == windows_needed(2, 1800, 900)
    # Windows that called someone at 09h: 1 (T1 at 09:05) and 2 (T2 at 09:30).
    assert hours[9]["open_windows"] == 2
    # 09h waits: 300 (within) and 1200 (not) → 50% achieved.
    assert hours[9]["achieved_share"] == 0.5
    # 10h arrivals: T3 (no service), T4 240 s, T5 600 s → mean 420; limits 900, 600, 300.
    assert hours[10]["arrivals_per_hour"] == 3
    assert hours[10]["mean_service_s"] == 420
    assert hours[10]["limit_s"] == 300
    # 11h: T6 (cancelled, uncalled), T7 passport and T7's consult wait from 11:20.
    assert hours[11]["arrivals_per_hour"] == 3
    assert hours[11]["achieved_share"] == 0.5
