"""The public booking API and the staff/kiosk side: book, look up, cancel, move, check in."""

from __future__ import annotations

import io
from datetime import timedelta

import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from queue_server.events.models import Event
from tests.queue_server.bookings_helpers import (
    PHONE,
    assert_error,
    at,
    booked,
    booking_counts,
    free_at,
    public_book,
)
from tests.support.world import World

TUESDAY = "2026-11-24"


def test_booking_gives_an_unguessable_code_a_qr_and_takes_the_place(
    api: TestClient, world: World
) -> None:
    body = booked(api, "passport", TUESDAY, "10:15", email="ivanov@example.ru")
    code = body["code"]
    assert len(code) == 10 and code.isalnum() and code.isupper()
    assert not set(code) & set("01OI")
    assert body["code_display"] == f"{code[:5]}-{code[5:]}"
    assert body["slot_local"] == "24.11.2026 10:15"
    assert body["status"] == "booked"
    assert body["phone_masked"] == "+7 *** ***-45-67" and body["email_masked"] == "i***@example.ru"
    assert body["manage_url"] == f"http://testserver/b/{code}"
    assert body["checkin_opens"].startswith("2026-11-24T06:45") and body[
        "checkin_closes"
    ].startswith("2026-11-24T07:30")
    qr = api.get(body["qr_url"])
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(qr.content)) as image:
        assert [r.text for r in zxingcpp.read_barcodes(image)] == [code]
    assert free_at(api, "passport", TUESDAY, "10:15") == 0
    # The code is the only key: lower case and dashes as typed on a phone still find it.
    again = api.get(f"/api/v1/public/bookings/{body['code_display'].lower()}")
    assert again.status_code == 200 and again.json()["code"] == code
    page = api.get(f"/b/{code}")
    assert page.status_code == 200 and code in page.text


def test_codes_differ_between_bookings(api: TestClient, world: World) -> None:
    codes = {
        booked(api, "results", TUESDAY, "11:00", phone=f"+7 916 000-00-{i:02d}")["code"]
        for i in range(6)
    }
    assert len(codes) == 6


def test_a_full_slot_is_refused_and_nothing_is_written(api: TestClient, world: World) -> None:
    booked(api, "passport", TUESDAY, "10:15")
    before = booking_counts(world)
    r = public_book(api, "passport", TUESDAY, "10:15", phone="+7 903 555-44-33")
    message = assert_error(r, 409, "slot_full")
    assert "10:15" in message
    assert booking_counts(world) == before


def test_bad_requests_are_clear_4xx_and_write_nothing(api: TestClient, world: World) -> None:
    before = booking_counts(world)
    assert_error(public_book(api, "passport", TUESDAY, "10:20"), 422, "not_a_slot")
    assert_error(public_book(api, "passport", "2026-11-23", "09:45"), 422, "slot_passed")
    assert_error(public_book(api, "passport", "2026-11-29", "10:00"), 422, "office_closed_that_day")
    assert_error(public_book(api, "passport", "2026-12-28", "10:00"), 422, "beyond_horizon")
    assert_error(
        public_book(api, "passport", TUESDAY, "10:15", phone="12-34"), 422, "invalid_phone"
    )
    assert_error(public_book(api, "nosuch", TUESDAY, "10:15"), 404, "service_not_found")
    assert_error(public_book(api, "archive", TUESDAY, "10:15"), 422, "service_not_offered")
    assert_error(public_book(api, "passport", TUESDAY, "10:15", name=" "), 422, "name_required")
    assert_error(
        public_book(api, "passport", TUESDAY, "10:15", email="not-an-email"), 422, "invalid_request"
    )
    r = api.post(
        "/api/v1/public/offices/central/bookings",
        json={
            "service": "passport",
            "slot_start": "2026-11-24T10:15:00",
            "applicant_name": "И",
            "phone": PHONE,
        },
    )
    assert_error(r, 422, "invalid_request")  # a slot time without a zone is ambiguous
    assert_error(
        api.post("/api/v1/public/offices/nowhere/bookings", json={}), 404, "office_not_found"
    )
    assert booking_counts(world) == before


def test_at_most_n_bookings_per_person_per_day(api: TestClient, world: World) -> None:
    # Default limit 2; the same number written three ways is one person.
    first = booked(api, "passport", TUESDAY, "10:15", phone="+7 916 123-45-67")
    booked(api, "results", TUESDAY, "10:15", phone="8 (916) 123 45 67")
    r = public_book(api, "consult", TUESDAY, "12:00", phone="9161234567")
    assert "Не больше 2 записей" in assert_error(r, 409, "person_limit")
    booked(api, "consult", "2026-11-25", "12:00", phone="9161234567")  # another day is fine
    assert api.post(f"/api/v1/public/bookings/{first['code']}/cancel").status_code == 200
    booked(api, "consult", TUESDAY, "12:00", phone="9161234567")  # the cancelled one freed a place


def test_cancel_by_code_frees_the_place(api: TestClient, world: World) -> None:
    body = booked(api, "passport", TUESDAY, "10:15")
    r = api.post(f"/api/v1/public/bookings/{body['code']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert free_at(api, "passport", TUESDAY, "10:15") == 1
    assert_error(
        api.post(f"/api/v1/public/bookings/{body['code']}/cancel"), 409, "booking_not_active"
    )
    assert_error(api.post("/api/v1/public/bookings/ZZZZZZZZZZ/cancel"), 404, "booking_not_found")


def test_reschedule_keeps_the_code_and_moves_the_place(api: TestClient, world: World) -> None:
    body = booked(api, "passport", TUESDAY, "10:15")
    other = booked(api, "passport", TUESDAY, "11:00", phone="+7 903 111-22-33")
    code = body["code"]
    r = api.post(
        f"/api/v1/public/bookings/{code}/reschedule",
        json={"slot_start": at(TUESDAY, "11:00").isoformat()},
    )
    assert_error(r, 409, "slot_full")
    r = api.post(
        f"/api/v1/public/bookings/{code}/reschedule",
        json={"slot_start": at("2026-11-26", "15:30").isoformat()},
    )
    assert r.status_code == 200, r.text
    assert r.json()["code"] == code and r.json()["slot_local"] == "26.11.2026 15:30"
    assert free_at(api, "passport", TUESDAY, "10:15") == 1
    assert free_at(api, "passport", "2026-11-26", "15:30") == 0
    r = api.post(
        f"/api/v1/public/bookings/{code}/reschedule",
        json={"slot_start": at("2026-11-26", "15:30").isoformat()},
    )
    assert_error(r, 422, "same_slot")
    api.post(f"/api/v1/public/bookings/{other['code']}/cancel")
    r = api.post(
        f"/api/v1/public/bookings/{other['code']}/reschedule",
        json={"slot_start": at(TUESDAY, "12:00").isoformat()},
    )
    assert_error(r, 409, "booking_not_active")


def test_public_answers_never_show_other_peoples_data(api: TestClient, world: World) -> None:
    secret = booked(api, "passport", TUESDAY, "10:15", name="Секретов Сергей", email="s@x.ru")
    leaks = ("Секретов", "123-45-67", "9161234567", "s@x.ru", secret["code"])
    texts = [
        api.get(
            "/api/v1/public/offices/central/slots", params={"service": "passport", "day": TUESDAY}
        ).text,
        api.get("/api/v1/public/offices/central/booking").text,
        api.get("/api/v1/public/bookings/ABCDEFGHJK").text,
        api.get("/b/ABCDEFGHJK").text,
        api.get("/book/central").text,
    ]
    for text in texts:
        assert not any(leak in text for leak in leaks)
    with world.db.transaction(read_only=True) as s:
        payloads = [str(e.payload) for e in s.scalars(select(Event))]
    assert payloads and not any(leak in p for p in payloads for leak in leaks)
    # Even the holder sees the phone masked.
    mine = api.get(f"/api/v1/public/bookings/{secret['code']}").text
    assert "9161234567" not in mine and "123-45-67" not in mine
    # The staff list needs a login and the right office.
    assert_error(api.get("/api/v1/offices/central/bookings"), 401, "not_authenticated")
    assert_error(
        api.get("/api/v1/offices/central/bookings", headers=world.auth("north_clerk")),
        403,
        "wrong_office",
    )
    assert_error(
        api.get("/api/v1/offices/central/bookings", headers=world.auth("kiosk")), 403, "wrong_role"
    )


def test_staff_see_the_days_bookings_with_contacts(api: TestClient, world: World) -> None:
    body = booked(api, "passport", TUESDAY, "10:15", email="i@example.ru")
    r = api.post(
        "/api/v1/offices/central/bookings",
        json={
            "service": "results",
            "slot_start": at(TUESDAY, "09:07").isoformat(),
            "applicant_name": "По телефону",
        },
        headers=world.auth("clerk1"),
    )
    assert r.status_code == 201, r.text
    rows = api.get(
        "/api/v1/offices/central/bookings", params={"day": TUESDAY}, headers=world.auth("clerk1")
    ).json()
    assert [(b["service"], b["source"]) for b in rows] == [
        ("results", "staff"),
        ("passport", "public"),
    ]
    assert rows[1] == {
        **rows[1],
        "code": body["code"],
        "phone": "79161234567",
        "email": "i@example.ru",
    }


def test_check_in_at_the_kiosk_by_code(api: TestClient, world: World) -> None:
    """R4: the booking's code at the kiosk gives a booked ticket."""
    body = booked(api, "passport", "2026-11-23", "10:15")
    r = api.post(
        f"/api/v1/offices/central/bookings/{body['code_display'].lower()}/check-in",
        headers=world.auth("kiosk"),
    )
    assert r.status_code == 200, r.text
    ticket = r.json()
    assert ticket["booked"] is True and ticket["notice"] is None
    assert ticket["number"] == "А001" and ticket["wait_limit_minutes"] == 5
    status = api.get(f"/api/v1/public/bookings/{body['code']}").json()["status"]
    assert status == "checked_in"
    assert_error(
        api.post(f"/api/v1/public/bookings/{body['code']}/cancel"), 409, "booking_not_active"
    )
    r = api.post(
        f"/api/v1/offices/north/bookings/{body['code']}/check-in", headers=world.auth("north_kiosk")
    )
    assert_error(r, 404, "booking_not_found")


def test_refused_check_in_can_give_a_live_ticket_instead(api: TestClient, world: World) -> None:
    """R4: outside the check-in window, a live-queue ticket instead."""
    body = booked(api, "passport", "2026-11-23", "12:00")
    url = f"/api/v1/offices/central/bookings/{body['code']}/check-in"
    before = booking_counts(world)
    message = assert_error(api.post(url, headers=world.auth("kiosk")), 409, "checkin_too_early")
    assert "11:30" in message and "живую очередь" in message
    assert booking_counts(world) == before
    r = api.post(url, json={"live_if_refused": True}, headers=world.auth("kiosk"))
    assert r.status_code == 200, r.text
    live = r.json()
    assert live["booked"] is False and live["notice_code"] == "checkin_too_early"
    assert live["wait_limit_minutes"] == 15  # the live queue's limit, not the booked one
    again = api.post(url, json={"live_if_refused": True}, headers=world.auth("kiosk")).json()
    assert again["id"] == live["id"]  # a double tap gives the same ticket
    assert api.get(f"/api/v1/public/bookings/{body['code']}").json()["status"] == "booked"
    world.clock.advance(minutes=95)  # 11:35: inside the window now
    r = api.post(url, headers=world.auth("kiosk"))
    assert r.status_code == 200 and r.json()["booked"] is True


def test_cancelled_booking_cannot_check_in(api: TestClient, world: World) -> None:
    body = booked(api, "passport", "2026-11-23", "10:15")
    api.post(f"/api/v1/public/bookings/{body['code']}/cancel")
    r = api.post(
        f"/api/v1/offices/central/bookings/{body['code']}/check-in", headers=world.auth("kiosk")
    )
    assert_error(r, 409, "booking_cancelled")


def test_staff_booking_by_phone_may_take_a_time_inside_a_slot(
    api: TestClient, world: World
) -> None:
    r = api.post(
        "/api/v1/offices/central/bookings",
        json={
            "service": "passport",
            "slot_start": (world.clock.now() + timedelta(minutes=20)).isoformat(),
        },
        headers=world.auth("manager"),
    )
    assert r.status_code == 201
    # 10:20 lies in the 10:15 slot, which now is full.
    assert free_at(api, "passport", "2026-11-23", "10:15") == 0
    r = api.post(
        "/api/v1/offices/central/bookings",
        json={"service": "passport", "slot_start": at("2026-11-23", "10:25").isoformat()},
        headers=world.auth("manager"),
    )
    assert_error(r, 409, "slot_full")
    r = api.post(
        "/api/v1/offices/central/bookings",
        json={"service": "passport", "slot_start": at("2026-11-23", "09:40").isoformat()},
        headers=world.auth("manager"),
    )
    assert_error(r, 422, "slot_passed")  # its check-in window closed at 09:55
    r = api.post(
        "/api/v1/offices/central/bookings",
        json={"service": "passport", "slot_start": at(TUESDAY, "11:00").isoformat()},
        headers=world.auth("kiosk"),
    )
    assert_error(r, 403, "wrong_role")


def test_existing_bookings_get_defaults_from_the_migration(tmp_path: object) -> None:
    from sqlalchemy import create_engine, text

    from queue_server.migrate import upgrade

    url = f"sqlite:///{tmp_path}/m.sqlite3"
    upgrade(url, "0001")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO offices (id, code, name, address, timezone, opening_hours, "
                "calendar_country, dispatch_policy, warning_ratio, recall_after_seconds, "
                "no_show_after_seconds, booking_checkin_before_minutes, "
                "booking_checkin_after_minutes, booked_wait_limit_minutes, ticket_footer) "
                "VALUES (1, 'c', 'C', '', 'Europe/Moscow', '{}', 'RU', 'deadline', 0.8, "
                "60, 60, 30, 15, 5, '')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO services (id, code, name_ru, name_en, prefix, kind, "
                "wait_limit_minutes, service_norm_minutes, position, active) VALUES "
                "(1, 'p', 'П', '', 'А', 'intake', 15, 30, 0, 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO bookings (office_id, service_id, code, slot_start, "
                "applicant_name, phone, status, created_at) VALUES (1, 1, 'OLD', "
                "'2026-11-24 07:00:00', 'И', '', 'booked', '2026-11-20 07:00:00')"
            )
        )
    engine.dispose()
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT email, source, reschedule_count FROM bookings")).one()
    engine.dispose()
    assert tuple(row) == ("", "staff", 0)
