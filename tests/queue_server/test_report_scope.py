"""Every report checks its period and its offices in one place, in the same words
(`queue_server/report_scope.py`): the manager pages' reports, ratings (R8), complaints
(R8, R17) and the chosen-calls count (R16)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from httpx import Response

from tests.support.world import World

# (path, its office parameter or None when the office is in the path)
REPORTS = [
    ("/api/v1/reports", "office"),
    ("/api/v1/ratings/report", "office"),
    ("/api/v1/reports/complaints", "office"),
    ("/api/v1/offices/{office}/reports/chosen-calls", None),
]


def _get(
    api: TestClient, world: World, who: str, path: str, key: str | None, **period: str
) -> Response:
    if key is None:
        url = path.format(office="central")
        params = {"start": period["start"], "end": period["end"]}
    else:
        url, params = path, {"from": period["start"], "to": period["end"], key: "central"}
    return api.get(url, params=params, headers=world.auth(who))


def test_r16_a_backward_period_and_another_offices_report_are_refused_alike(
    api: TestClient, world: World
) -> None:
    """R16: a period ending before it starts is 422 `bad_period`, another office's manager
    gets 403 naming the office, whichever report is asked for; the office's own manager
    gets each report."""
    for path, key in REPORTS:
        backwards = _get(api, world, "manager", path, key, start="2026-11-30", end="2026-11-01")
        assert backwards.status_code == 422, (path, backwards.text)
        assert backwards.json()["error"] == {
            "code": "bad_period",
            "message": "Конец периода раньше его начала.",
        }, path
        other = _get(api, world, "north_manager", path, key, start="2026-11-01", end="2026-11-30")
        assert other.status_code == 403, (path, other.text)
        assert other.json()["error"] == {
            "code": "wrong_office",
            "message": "Отчёты офиса «МФЦ Центральный» доступны только его руководителю и "
            "администраторам.",
        }, path
        own = _get(api, world, "manager", path, key, start="2026-11-01", end="2026-11-30")
        assert own.status_code == 200, (path, own.text)


def test_r16_a_too_long_period_names_each_reports_own_limit(api: TestClient, world: World) -> None:
    """R16: past its longest period a report says how long that is."""
    for path, key in REPORTS[1:]:
        long = _get(api, world, "manager", path, key, start="2024-01-01", end="2026-11-30")
        assert long.status_code == 422, (path, long.text)
        assert long.json()["error"]["code"] == "period_too_long"
        assert long.json()["error"]["message"] == "Период длиннее 366 дн."
