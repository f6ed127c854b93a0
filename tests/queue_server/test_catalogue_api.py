"""Configuring services (variants, questions, documents), offices, windows and categories."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.queue_server.test_tickets_api import assert_error
from tests.support.world import World


def service_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name_ru": "Загранпаспорт",
        "prefix": "б",
        "kind": "intake",
        "variants": [
            {"code": "old", "name_ru": "5 лет"},
            {"code": "bio", "name_ru": "10 лет", "term_working_days": 22},
        ],
        "questions": [
            {
                "code": "q1",
                "text_ru": "Какой?",
                "options": [
                    {"text_ru": "На 5 лет", "variant": "old"},
                    {"text_ru": "Уточнить", "next_question": "q2"},
                ],
            },
            {
                "code": "q2",
                "text_ru": "Биометрия?",
                "options": [
                    {"text_ru": "Да", "variant": "bio"},
                    {"text_ru": "Нет", "variant": "old"},
                ],
            },
        ],
        "documents": [
            {"name_ru": "Паспорт РФ"},
            {"name_ru": "Фото", "variant": "old", "needs_copy": False},
        ],
    }
    body.update(overrides)
    return body


def test_a_service_round_trips_with_defaults_by_kind(api: TestClient, world: World) -> None:
    r = api.put("/api/v1/services/zagran", json=service_body(), headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["prefix"] == "Б"  # upper-cased
    assert (body["wait_limit_minutes"], body["service_norm_minutes"]) == (15, 30)  # R1
    assert body["questions"][0]["options"][1]["next_question"] == "q2"
    assert body["documents"][1]["variant"] == "old"
    again = api.get("/api/v1/services/zagran", headers=world.auth("clerk1")).json()
    assert again == body
    # Replacing the whole definition drops what is no longer there.
    r = api.put(
        "/api/v1/services/zagran",
        json=service_body(variants=[], questions=[], documents=[]),
        headers=world.auth("admin"),
    )
    assert r.json()["variants"] == [] and r.json()["questions"] == []


@pytest.mark.parametrize(("kind", "limit", "norm"), [("issuance", 10, 5), ("consultation", 15, 10)])
def test_limits_default_by_kind(
    api: TestClient, world: World, kind: str, limit: int, norm: int
) -> None:
    body = {"name_ru": "x", "prefix": "Ю", "kind": kind}
    r = api.put("/api/v1/services/x", json=body, headers=world.auth("admin"))
    assert (r.json()["wait_limit_minutes"], r.json()["service_norm_minutes"]) == (limit, norm)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"prefix": "1"}, "одна буква"),
        ({"kind": "other"}, "вид: допустимо одно из"),
        ({"questions": []}, "нужны вопросы"),
        ({"documents": [{"name_ru": "x", "variant": "nope"}]}, "неизвестный вариант"),
        (
            {"variants": [{"code": "old", "name_ru": "a"}, {"code": "old", "name_ru": "b"}]},
            "не должны повторяться",
        ),
        (
            {
                "questions": [
                    {
                        "code": "q1",
                        "text_ru": "?",
                        "options": [
                            {"text_ru": "a", "variant": "old"},
                            {"text_ru": "b", "next_question": "q1"},
                        ],
                    }
                ]
            },
            "зацикливаются",
        ),
        (
            {
                "questions": [
                    {
                        "code": "q1",
                        "text_ru": "?",
                        "options": [
                            {"text_ru": "a", "variant": "old"},
                            {"text_ru": "b", "variant": "old"},
                        ],
                    }
                ]
            },
            "не ведёт ни один ответ",
        ),
        (
            {
                "questions": [
                    {
                        "code": "q1",
                        "text_ru": "?",
                        "options": [
                            {"text_ru": "a", "variant": "old", "next_question": "q1"},
                            {"text_ru": "b", "variant": "bio"},
                        ],
                    }
                ]
            },
            "либо к следующему вопросу",
        ),
        ({"group": "nope"}, "Неизвестная группа услуг"),
        ({"wait_limit_minutes": 0}, "предельное ожидание, мин"),
    ],
)
def test_inconsistent_definitions_are_refused_and_nothing_is_written(
    api: TestClient, world: World, change: dict[str, Any], fragment: str
) -> None:
    r = api.put("/api/v1/services/zagran", json=service_body(**change), headers=world.auth("admin"))
    assert r.status_code == 422, r.text
    assert fragment in r.json()["error"]["message"]
    assert api.get("/api/v1/services/zagran", headers=world.auth("admin")).status_code == 404


def test_only_managers_and_admins_configure(api: TestClient, world: World) -> None:
    assert_error(
        api.put("/api/v1/services/zagran", json=service_body(), headers=world.auth("clerk1")),
        403,
        "wrong_role",
    )
    assert_error(
        api.put("/api/v1/services/zagran", json=service_body(), headers=world.auth("kiosk")),
        403,
        "wrong_role",
    )
    assert_error(
        api.put("/api/v1/offices/new", json={"name": "Новый"}, headers=world.auth("manager")),
        403,
        "wrong_role",
    )
    assert_error(
        api.put("/api/v1/offices/north", json={"name": "Север"}, headers=world.auth("manager")),
        403,
        "wrong_office",
    )


def test_office_configuration_is_validated(api: TestClient, world: World) -> None:
    r = api.put(
        "/api/v1/offices/new",
        json={"name": "Новый", "timezone": "Mars/Olympus"},
        headers=world.auth("admin"),
    )
    assert r.status_code == 422 and "часовой пояс" in r.json()["error"]["message"]
    r = api.put(
        "/api/v1/offices/new",
        json={"name": "Новый", "opening_hours": {"mon": ["19:00", "08:00"]}},
        headers=world.auth("admin"),
    )
    assert r.status_code == 422 and "закрытие в 08:00" in r.json()["error"]["message"]
    r = api.put(
        "/api/v1/offices/new",
        json={"name": "Новый", "opening_hours": {"funday": None}},
        headers=world.auth("admin"),
    )
    assert r.status_code == 422 and "дни недели" in r.json()["error"]["message"]
    r = api.put(
        "/api/v1/offices/new",
        json={"name": "Новый", "dispatch_policy": "fifo"},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200 and r.json()["opening_hours"]["sun"] is None


def test_calendar_endpoint_shows_holidays_and_overrides(api: TestClient, world: World) -> None:
    api.put(
        "/api/v1/offices/central/days/2026-11-24",
        json={"is_open": False, "note": "санитарный день"},
        headers=world.auth("manager"),
    )
    days = api.get(
        "/api/v1/offices/central/calendar?start=2026-11-02&days=30", headers=world.auth("clerk1")
    ).json()
    by_day = {d["day"]: d for d in days}
    assert by_day["2026-11-04"]["is_open"] is False  # Unity Day
    assert by_day["2026-11-24"]["reason"] == "санитарный день"
    assert by_day["2026-11-23"]["opens"] == "08:00:00"
    assert (
        api.delete(
            "/api/v1/offices/central/days/2026-11-24", headers=world.auth("manager")
        ).status_code
        == 204
    )


def test_windows_configure_services_with_order(api: TestClient, world: World) -> None:
    body = {
        "services": [{"service": "results", "order": 1}, {"service": "consult", "order": 2}],
        "led_address": 7,
    }
    r = api.put("/api/v1/offices/central/windows/9", json=body, headers=world.auth("manager"))
    assert r.status_code == 200 and r.json()["led_address"] == 7
    r = api.put(
        "/api/v1/offices/central/windows/9",
        json={"services": [{"service": "nope"}]},
        headers=world.auth("manager"),
    )
    assert_error(r, 404, "service_not_found")
    windows = api.get("/api/v1/offices/central/windows", headers=world.auth("clerk1")).json()
    nine = next(w for w in windows if w["number"] == 9)
    assert nine["services"] == body["services"]  # the refused change left it as it was


def test_office_menu_lists_only_served_services(api: TestClient, world: World) -> None:
    menu = api.get("/api/v1/offices/central/services", headers=world.auth("kiosk")).json()
    assert sorted(s["code"] for s in menu) == ["consult", "passport", "results"]
    north = api.get("/api/v1/offices/north/services", headers=world.auth("north_kiosk")).json()
    assert [s["code"] for s in north] == ["passport"]


def test_priority_categories_and_agencies(api: TestClient, world: World) -> None:
    r = api.put(
        "/api/v1/priority-categories/veteran",
        json={"name_ru": "Ветераны", "rank": 1},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200
    codes = [
        c["code"]
        for c in api.get("/api/v1/priority-categories", headers=world.auth("kiosk")).json()
    ]
    assert "veteran" in codes and codes.index("disabled") < codes.index("large_family")
    assert (
        api.put(
            "/api/v1/agencies/fns", json={"name": "ФНС"}, headers=world.auth("admin")
        ).status_code
        == 200
    )
    assert {a["code"] for a in api.get("/api/v1/agencies", headers=world.auth("admin")).json()} == {
        "fns",
        "mvd",
    }
