"""R11: asking a late agency why (who and when, on the overdue list); R12: the time from the
agency preparing a result to the office receiving it, late after one working day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from click.testing import CliRunner
from fastapi.testclient import TestClient

from queue_server.cases import rules
from queue_server.cli import main
from tests.queue_server.case_world import install_passport, intake_body, serve
from tests.support.world import World


def _sent_case(api: TestClient, world: World, name: str) -> dict[str, Any]:
    """A passport replacement (10 working days) registered now and sent to the agency."""
    clerk = world.auth("clerk1")
    ticket = serve(api, world, "clerk1", 1, "passport")
    case = api.post(
        "/api/v1/offices/central/cases",
        json=intake_body(api, world, ticket["id"], name=name),
        headers=clerk,
    ).json()
    assert api.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=clerk).status_code == 200
    assert api.post(f"/api/v1/cases/{case['id']}/send", json={}, headers=clerk).status_code == 200
    return case


def _moscow(year: int, month: int, day: int, hour: int) -> str:
    return datetime(year, month, day, hour - 3, tzinfo=UTC).isoformat()


def test_r11_an_explanation_is_asked_only_of_a_late_agency_and_shows_on_the_overdue_list(
    api: TestClient, world: World
) -> None:
    """R11: past the agency's term a clerk asks why; the step and the list keep who and when."""
    install_passport(world)
    case = _sent_case(api, world, "Иванов Иван")
    assert case["due_date"] == "2026-12-07"
    path = f"/api/v1/cases/{case['id']}/explanation-request"
    early = api.post(path, json={}, headers=world.auth("clerk2"))
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "agency_not_late"
    assert "07.12.2026" in early.json()["error"]["message"]
    world.clock.advance(days=14)  # Monday 7.12: the last day of the term
    assert api.post(path, json={}, headers=world.auth("clerk2")).status_code == 409
    world.clock.advance(days=1)  # Tuesday 8.12
    listed = api.get("/api/v1/offices/central/cases/overdue/list", headers=world.auth("clerk1"))
    row = listed.json()[0]
    assert (row["late"], row["days_late"], row["explanation_requested_at"]) == ("agency", 1, None)
    asked = api.post(path, json={"note": "письмо № 12"}, headers=world.auth("clerk2"))
    assert asked.status_code == 200, asked.text
    assert asked.json()["status"] == "sent_to_agency"  # the case stays with the agency
    row = api.get(
        "/api/v1/offices/central/cases/overdue/list", headers=world.auth("manager")
    ).json()[0]
    assert row["registration_number"] == case["registration_number"]
    assert row["explanation_requested_by"] == "Clerk2"
    assert datetime.fromisoformat(row["explanation_requested_at"]) == world.clock.now()
    assert "applicant" not in str(row)
    history = api.get(f"/api/v1/cases/{case['id']}/history", headers=world.auth("clerk1")).json()
    assert history[-1]["action"] == "request_explanation"
    events = api.get("/api/v1/offices/central/events", headers=world.auth("clerk1")).json()
    assert "case.explanation_requested" in [e["type"] for e in events]


def test_r12_hand_over_within_one_working_day_across_a_weekend_and_the_new_year() -> None:
    """R12: prepared on Friday, received on Monday is in time; the holidays do not count."""
    assert rules.handover_due(country="RU", prepared_on=date(2026, 11, 27)) == date(2026, 11, 30)
    assert rules.handover_due(country="RU", prepared_on=date(2026, 11, 3)) == date(2026, 11, 5)
    assert rules.handover_due(country="RU", prepared_on=date(2026, 12, 30)) == date(2027, 1, 11)


def test_r12_the_hand_over_time_is_recorded_and_reported_late_after_one_working_day(
    api: TestClient, world: World
) -> None:
    """R12: each result keeps when the agency prepared it; the report counts the late ones."""
    install_passport(world)
    on_time = _sent_case(api, world, "Первый")
    late = _sent_case(api, world, "Второй")
    holiday = _sent_case(api, world, "Третий")
    clerk = world.auth("clerk1")
    world.clock.set(datetime.fromisoformat(_moscow(2026, 11, 30, 10)))  # Monday
    future = api.post(
        f"/api/v1/cases/{on_time['id']}/result",
        json={"prepared_at": _moscow(2026, 11, 30, 12)},
        headers=clerk,
    )
    assert future.status_code == 422 and "в будущем" in future.json()["error"]["message"]
    before = api.post(
        f"/api/v1/cases/{on_time['id']}/result",
        json={"prepared_at": _moscow(2026, 11, 20, 12)},
        headers=clerk,
    )
    assert before.status_code == 422 and "раньше регистрации" in before.json()["error"]["message"]
    first = api.post(
        f"/api/v1/cases/{on_time['id']}/result",
        json={"prepared_at": _moscow(2026, 11, 27, 15)},  # Friday
        headers=clerk,
    ).json()
    assert first["result_handover_late"] is False
    second = api.post(
        f"/api/v1/cases/{late['id']}/result",
        json={"prepared_at": _moscow(2026, 11, 26, 15)},  # Thursday: due Friday
        headers=clerk,
    ).json()
    assert second["result_handover_late"] is True
    world.clock.set(datetime.fromisoformat(_moscow(2027, 1, 11, 10)))
    third = api.post(
        f"/api/v1/cases/{holiday['id']}/result",
        json={"prepared_at": _moscow(2026, 12, 30, 16)},
        headers=clerk,
    ).json()
    assert third["result_handover_late"] is False
    report = api.get(
        "/api/v1/offices/central/cases/handover",
        params={"from": "2026-11-01", "to": "2026-11-30"},
        headers=world.auth("manager"),
    )
    assert report.status_code == 200, report.text
    assert report.json() == [
        {
            "agency": "mvd",
            "agency_name": "МВД",
            "received": 2,
            "with_prepared_time": 2,
            "late": 1,
            "average_hours": 79.0,  # 67 h and 91 h
        }
    ]
    winter = api.get(
        "/api/v1/offices/central/cases/handover",
        params={"from": "2027-01-01", "to": "2027-01-31"},
        headers=world.auth("manager"),
    ).json()
    assert [(r["received"], r["late"]) for r in winter] == [(1, 0)]
    assert (
        api.get(
            "/api/v1/offices/central/cases/handover",
            params={"from": "2027-01-01", "to": "2027-01-31"},
            headers=world.auth("clerk1"),
        ).status_code
        == 403
    )


def test_r12_the_agency_cli_records_when_the_result_was_prepared(
    api: TestClient, world: World
) -> None:
    """R12: `mfc-queue case result --prepared-at` keeps the agency's preparation time.

    The command runs on the system clock; the case was registered on the world's earlier
    Monday, so a result prepared an hour after it arrives late today, whatever today is.
    """
    install_passport(world)
    case = _sent_case(api, world, "Кузнецов")
    url = str(world.db.engine.url.render_as_string(hide_password=False))
    got = CliRunner().invoke(
        main,
        [
            "case",
            "--database-url",
            url,
            "result",
            case["registration_number"],
            "--prepared-at",
            "2026-11-23T11:00+03:00",
        ],
    )
    assert got.exit_code == 0, got.output
    body = api.get(f"/api/v1/cases/{case['id']}", headers=world.auth("clerk1")).json()
    assert datetime.fromisoformat(body["result_prepared_at"]) == datetime(
        2026, 11, 23, 8, tzinfo=UTC
    )
    assert body["result_handover_late"] is True


def test_r12_the_hand_over_report_refuses_a_bad_period_as_every_other_report(
    api: TestClient, world: World
) -> None:
    """R12, R16: the hand-over report checks its period with the other reports' check
    (`report_scope.check_period`): a backward period and one over 366 days get the same
    status, code and words as the ratings report's, in Russian or in English."""
    manager = world.auth("manager")
    handover = "/api/v1/offices/central/cases/handover"
    for start, end, code in (
        ("2026-11-30", "2026-11-01", "bad_period"),
        ("2024-01-01", "2026-11-30", "period_too_long"),
    ):
        for language in ("ru", "en"):
            headers = {**manager, "Accept-Language": language}
            refused = api.get(handover, params={"from": start, "to": end}, headers=headers)
            ratings = api.get(
                "/api/v1/ratings/report",
                params={"from": start, "to": end, "office": "central"},
                headers=headers,
            )
            assert refused.status_code == ratings.status_code == 422, refused.text
            assert refused.json()["error"]["code"] == code
            assert refused.json()["error"] == ratings.json()["error"]
    assert refused.json()["error"]["message"] == "The period is longer than 366 days."
    fine = api.get(handover, params={"from": "2026-01-01", "to": "2027-01-01"}, headers=manager)
    assert fine.status_code == 200, fine.text
