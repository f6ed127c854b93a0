"""The notices of longer terms: a result ready (R15) and about to go back (R14), a complaint
answered, a booking confirmed and reminded, each once, on the simulated calendar."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_server.notifications.models import Subscription
from queue_server.notifications.scheduled import NotificationLoop
from queue_server.scheduler import Scheduler
from tests.queue_server.bookings_helpers import public_book, set_policy
from tests.queue_server.case_world import install_passport, intake_body, serve
from tests.queue_server.notifications.conftest import Stand, configure
from tests.queue_server.notifications.test_delivery import texts
from tests.queue_server.test_tickets_api import assert_error
from tests.support.world import World


def test_result_ready_with_hours_then_the_return_warning_then_the_number_is_removed(
    api: TestClient,
    world: World,
    loop: NotificationLoop,
    scheduler: Scheduler,
    sms_gateway: Stand,
) -> None:
    """Phone at intake; "ready" with the office's hours; D days before storage ends, the
    warning; issued, the number is gone."""
    configure(api, world, sms=sms_gateway, return_warning_days=3)
    install_passport(world)
    clerk = world.auth("clerk1")
    ticket = serve(api, world, "clerk1", 1, "passport")
    created = api.post(
        "/api/v1/offices/central/cases",
        json=intake_body(api, world, ticket["id"], notify_phone="8 (903) 555-12-34"),
        headers=clerk,
    )
    assert created.status_code == 201, created.text
    case = created.json()
    shown = api.get(f"/api/v1/cases/{case['id']}/notifications", headers=clerk).json()
    assert [s["address_masked"] for s in shown] == ["+7 *** ***-12-34"]
    loop.deliver_pending()
    assert texts(sms_gateway) == []

    world.clock.advance(days=1)
    api.post(f"/api/v1/cases/{case['id']}/send", json={}, headers=clerk)
    world.clock.advance(days=7)
    api.post(f"/api/v1/cases/{case['id']}/result", json={"outcome": "granted"}, headers=clerk)
    loop.deliver_pending()
    assert texts(sms_gateway) == []  # received, not ready yet
    ready = api.post(f"/api/v1/cases/{case['id']}/ready", headers=clerk).json()
    assert ready["storage_until"] == "2026-12-31"
    assert loop.deliver_pending() == 1
    assert texts(sms_gateway) == [
        f"МФЦ Центральный: результат по делу {case['registration_number']} готов, его можно "
        "получить по адресу МФЦ Центральный. Часы работы: пн–пт 08:00–19:00, сб 10:00–14:00, "
        "вс выходной. Возьмите паспорт и расписку."
    ]
    assert sms_gateway.requests[0]["body"]["phones"] == "79035551234"

    world.clock.advance(days=26)  # 27.12: four days before the storage ends
    assert loop.deliver_pending() == 0
    world.clock.advance(days=1)  # 28.12: three days
    assert loop.deliver_pending() == 1
    assert texts(sms_gateway)[-1].startswith(
        f"МФЦ Центральный: результат по делу {case['registration_number']} не получен. "
        "Через 3 дн. (31.12.2026) он будет возвращён в МВД."
    )
    world.clock.advance(days=1)
    assert loop.deliver_pending() == 0  # once

    # Stored after its term (R14): the case is closed, the number removed.
    world.clock.advance(days=3)
    scheduler.run_pending()
    loop.deliver_pending()
    with world.db.transaction(read_only=True) as session:
        sub = session.scalars(select(Subscription)).one()
        assert sub.address is None and sub.consent_at is not None and sub.source == "intake"


def test_a_bad_phone_at_intake_registers_nothing(
    api: TestClient, world: World, sms_gateway: Stand
) -> None:
    """A wrong number is a 422 in Russian and the case is not registered."""
    install_passport(world)
    ticket = serve(api, world, "clerk1", 1, "passport")
    refused = api.post(
        "/api/v1/offices/central/cases",
        json=intake_body(api, world, ticket["id"], notify_phone="12-34"),
        headers=world.auth("clerk1"),
    )
    assert_error(refused, 422, "invalid_phone")
    cases = api.get(f"/api/v1/tickets/{ticket['id']}/cases", headers=world.auth("clerk1"))
    assert cases.json() == []


def test_complaint_answered_goes_to_the_contact_once(
    api: TestClient, world: World, loop: NotificationLoop, sms_gateway: Stand
) -> None:
    """The answer's notice goes to the complaint's phone; its author consented."""
    configure(api, world, sms=sms_gateway)
    complaint = api.post(
        "/api/v1/public/offices/central/complaints",
        json={
            "category": "waiting",
            "applicant_name": "Петрова Анна Сергеевна",
            "applicant_contact": "+7 900 111-22-33",
            "text": "Ждала вызова 50 минут.",
            "consent_personal_data": True,
        },
    ).json()
    loop.deliver_pending()
    assert texts(sms_gateway) == []
    listed = api.get("/api/v1/offices/central/complaints", headers=world.auth("manager"))
    found = next(c for c in listed.json() if c["number"] == complaint["number"])
    answered = api.post(
        f"/api/v1/complaints/{found['id']}/answer",
        json={"answer": "Приносим извинения."},
        headers=world.auth("manager"),
    )
    assert answered.status_code == 200, answered.text
    assert loop.deliver_pending() == 1
    assert loop.deliver_pending() == 0
    assert texts(sms_gateway) == [
        f"МФЦ Центральный: на вашу жалобу № {complaint['number']} дан ответ. Его можно "
        "получить в офисе или по указанному вами адресу."
    ]
    assert sms_gateway.requests[0]["body"]["phones"] == "79001112233"


def test_booking_confirmation_and_reminder_through_the_office_gateway(
    api: TestClient, world: World, scheduler: Scheduler, sms_gateway: Stand
) -> None:
    """A booking notifier "channels": the SMS gateway, with the office's booking texts."""
    configure(
        api,
        world,
        sms=sms_gateway,
        templates={"booking_reminder": "Завтра {when}: {service}, {office}. Код {code}."},
    )
    set_policy(api, world, notifier="channels", reminder_minutes_before=24 * 60)
    booked = public_book(api, "passport", "2026-11-26", "10:00")
    assert booked.status_code == 201, booked.text
    code = booked.json()["code"]
    assert scheduler.deliver_pending() == 1
    assert texts(sms_gateway) == [
        f"Вы записаны в МФЦ Центральный: Паспорт, 26.11.2026 в 10:00. Код записи {code}."
    ]
    world.clock.advance(days=1, hours=23)  # Wednesday 09:00 Moscow, a day before
    assert scheduler.deliver_pending() == 0
    world.clock.advance(hours=1)
    assert scheduler.deliver_pending() == 1
    assert texts(sms_gateway)[-1] == (
        f"Завтра 26.11.2026 в 10:00: Паспорт, МФЦ Центральный. Код {code}."
    )
    assert len(texts(sms_gateway)) == 2
