"""The managers' what-if: a day with chosen windows on the real services, beside Erlang C."""

from __future__ import annotations

import pytest

from queue_server.config_io import ConfigFile
from queue_server.errors import InvalidInput
from queue_server.simulation.policies import with_policy
from queue_server.simulation.pooled import PooledDay
from queue_server.simulation.records import DayResult
from queue_server.simulation.whatif import (
    WHATIF_DAY,
    Behaviour,
    ServiceProfile,
    WhatIfPlan,
    check_plan,
    erlang_hour,
    real_services_day,
    run_whatif,
    sim_config,
)

CATALOGUE = ConfigFile.model_validate(
    {"services": {"consult": {"name_ru": "Консультация", "prefix": "М", "kind": "consultation"}}}
)
# M/M/c: Poisson arrivals, exponential service, nobody walks, no-shows or priorities.
MMC = Behaviour(distribution="exponential", no_show=0.0, priority_share=0.0, walk_seconds=(0, 0))


def plan(windows: list[int], arrivals: list[float], mean_s: float = 360.0) -> WhatIfPlan:
    return WhatIfPlan(
        windows=windows,
        arrivals=arrivals,
        services=[ServiceProfile("consult", 1.0, mean_s, limit_s=900.0)],
        catalogue=CATALOGUE,
        behaviour=MMC,
    )


def hours(value: float, first: int, last: int) -> list[float]:
    return [value if first <= h <= last else 0.0 for h in range(24)]


def test_more_windows_give_shorter_waits_r1() -> None:
    """The same applicants (same seeds): 4 windows → long waits and R1–R3 breaches (wait
    limit 15 min), 6 windows → short waits, more within the limit, fewer breaches."""
    arrivals = hours(40, 9, 11)  # 40 an hour of 6 minutes: 4 erlangs
    few = run_whatif(plan([int(x) * 4 // 40 for x in arrivals], arrivals), seeds=1)
    many = run_whatif(plan([int(x) * 6 // 40 for x in arrivals], arrivals), seeds=1)
    # Four windows leave at noon with people still waiting: those go unserved.
    assert many.calls > 90 and many.unserved_per_day == 0
    assert few.calls + few.unserved_per_day == many.calls and few.unserved_per_day > 0
    assert many.mean_wait_s < few.mean_wait_s / 2
    assert many.p90_wait_s < few.p90_wait_s
    assert few.within_share is not None and many.within_share is not None
    assert many.within_share > few.within_share
    assert many.breaches_per_day < few.breaches_per_day
    # The hours people came in; nothing in the others.
    assert [h.hour for h in many.hours if h.calls] == [9, 10, 11]


def test_matches_erlang_c_roughly_on_an_mmc_day() -> None:
    """M/M/3 at ρ = 2/3 for 16 hours: after a two-hour warm-up the simulated mean wait is
    Erlang C's (160 s) within ±40 %, and the hour's Erlang C figures are the formula's."""
    arrivals = hours(20, 4, 19)
    result = run_whatif(plan([3] * 24, arrivals), seeds=2)
    mean, p90, within = erlang_hour(plan([3] * 24, arrivals), 10)
    # C(3, 2) = 4/9; E[W] = C·S/(N − A) = 4/9 · 360 s; P(W > t) = C·exp(−t/360).
    assert mean == pytest.approx(4 / 9 * 360)
    assert p90 == pytest.approx(360 * 2.302585 - 360 * 0.810930, rel=1e-4)
    assert within == pytest.approx(1 - 4 / 9 * 2.718281828 ** (-900 / 360))
    steady = [h for h in result.hours if 6 <= h.hour <= 19 and h.calls]
    calls = sum(h.calls for h in steady)
    simulated = sum(h.calls * (h.mean_wait_s or 0) for h in steady) / calls
    assert calls > 400
    assert simulated == pytest.approx(mean, rel=0.4)
    assert result.seeds == 2 and not result.stopped_early


def test_an_overloaded_hour_has_no_erlang_figure_and_a_closed_one_none() -> None:
    arrivals = hours(70, 9, 9)  # 7 erlangs on 5 windows
    overloaded = erlang_hour(plan([5] * 24, arrivals), 9)
    assert overloaded == (None, None, 0.0)
    assert erlang_hour(plan([5] * 24, arrivals), 3) == (None, None, None)


@pytest.mark.parametrize(
    ("windows", "arrivals", "code"),
    [
        ([-1] + [1] * 23, [0.0] * 24, "bad_windows"),
        ([1] * 25, [0.0] * 25, "bad_hours"),
        ([1] * 24, [0.0] * 23, "bad_hours"),
        ([1] * 24, [1e6] + [0.0] * 23, "bad_arrivals"),
        ([1] * 24, [float("nan")] * 24, "bad_arrivals"),
        ([9] * 24, [100.0] * 24, "too_many_arrivals"),
        ([0] * 24, hours(10, 9, 10), "no_windows"),
    ],
)
def test_bad_days_are_refused_in_russian(
    windows: list[int], arrivals: list[float], code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_plan(plan(windows, arrivals))
    assert refused.value.code == code
    assert any("а" <= ch <= "я" for ch in refused.value.message.lower())


MIXED = ConfigFile.model_validate(
    {
        "services": {
            "consult": {"name_ru": "Консультация", "prefix": "М", "kind": "consultation"},
            "result": {"name_ru": "Выдача", "prefix": "В", "kind": "issuance"},
        },
        "priority_categories": {
            "disabled": {"name_ru": "Инвалиды", "rank": 1},
            "veteran": {"name_ru": "Ветераны", "rank": 2},
        },
    }
)


@pytest.mark.parametrize("policy", ["deadline", "guarded", "fifo"])
def test_the_in_memory_day_is_the_real_services_day(policy: str) -> None:
    """The what-if's fast replay gives, call by call, the waits of the same day through
    the real services (issue, call-next, start, finish, R5 no-shows, clerks coming and
    going mid-day and serving everyone at closing), under each dispatch policy: two
    services with other limits, priority categories, walking, no-shows, overloaded hours."""
    windows = [0] * 9 + [2, 3, 1, 1, 2, 2] + [0] * 9
    arrivals = hours(22, 9, 13)
    whatif_plan = WhatIfPlan(
        windows=windows,
        arrivals=arrivals,
        services=[
            ServiceProfile("consult", 0.6, 420.0, limit_s=900.0),
            ServiceProfile("result", 0.4, 240.0, limit_s=600.0),
        ],
        catalogue=MIXED,
        behaviour=Behaviour(no_show=0.1, priority_share=0.2),
    )
    config = with_policy(sim_config(whatif_plan), policy, 3)
    real = real_services_day(config, seed=4)
    fast = PooledDay(config=config, seed=4, day=WHATIF_DAY).run()
    assert real is not None and fast is not None

    def calls(day: DayResult) -> list[tuple[object, ...]]:
        return [(w.ticket_id, w.service, w.kind, w.waiting_since, w.called_at) for w in day.waits]

    assert len(real.waits) > 80 and real.no_shows > 0 and real.unserved > 0
    assert {w.kind for w in real.waits} == {"live", "priority"}
    assert max(w.wait_s for w in real.waits) > 900  # queues build up: the order matters
    assert calls(fast) == calls(real)
    assert (fast.tickets, fast.no_shows, fast.unserved) == (
        real.tickets,
        real.no_shows,
        real.unserved,
    )
