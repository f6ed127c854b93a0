"""The demo's past register: a case for each intake its history served, in bulk.

Each served intake ticket of the copied days becomes a case registered when the clerk
finished (R9: next number of the year's register, the service's documents in the
inventory, consent given, R10), sent to the agency on its transfer day (R11; a few a day
late), answered on or a little before the agency's term (some late), ready the same day
with the storage period counted from then (R12, R14), and handed over at a later visit
of a collection service (R13, R8: the second visit), linked to that visit's ticket. The
dates come from the domain's own deadline functions on the office's calendar; every step
is in the case history. Steps that would fall after yesterday are not taken yet: those
cases are still at the agency or waiting for the applicant, as in a real register.

Written in one transaction without the services' per-case queries and events, each table
in one bulk insert through the driver (`bulk.py`; a month of cases in well under a
second); the numbers continue the office's register.
"""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from queue_server.cases import rules
from queue_server.cases.deadlines import term_deadline, transfer_deadline
from queue_server.cases.intake import checklist
from queue_server.cases.lookup import applicant_key
from queue_server.cases.models import (
    ISSUED,
    READY,
    REGISTERED,
    RESULT_RECEIVED,
    SENT,
    Case,
    CaseCounter,
    CaseDocument,
    CaseStep,
    CaseVisit,
    Issuance,
)
from queue_server.cases.numbering import format_registration_number
from queue_server.cases.office_settings import case_settings
from queue_server.catalogue.models import Service
from queue_server.offices.models import Office
from queue_server.simulation.bulk import BulkRows
from queue_server.tickets.models import DONE, Ticket

# How the demo's cases go: shares late at each deadline, and how many come to collect.
LATE_TRANSFER = 0.03
LATE_AGENCY = 0.06
COLLECTED = 0.85
COLLECTION_SERVICES = ("results", "passport_pickup")

_SURNAMES = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
]
_NAMES = [
    "Александр",
    "Сергей",
    "Дмитрий",
    "Андрей",
    "Алексей",
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Мария",
    "Анна",
]
_PATRONYMICS = ["Александрович", "Сергеевич", "Игоревич", "Петрович", "Владимирович"]


def _person(rng: random.Random) -> str:
    name = rng.choice(_NAMES)
    surname, patronymic = rng.choice(_SURNAMES), rng.choice(_PATRONYMICS)
    if name[-1] == "а" or name[-1] == "я":  # the feminine forms
        surname += "а"
        patronymic = patronymic.replace("ич", "на")
    return f"{surname} {name} {patronymic}"


def add_history_cases(
    *,
    session: Session,
    office: Office,
    days: list[date],
    today: date,
    seed: int = 1,
    bulk: BulkRows | None = None,
) -> int:
    """Cases for the served intakes of `days` (already in the database); how many."""
    if not days:
        return 0
    bulk = bulk or BulkRows(session)
    # The tickets' columns a case needs, read as plain rows (no ORM objects).
    ticket_columns = (
        Ticket.id,
        Ticket.day,
        Ticket.number,
        Ticket.service_id,
        Ticket.clerk_id,
        Ticket.finished_at,
    )
    rng = random.Random(f"cases:{seed}:{days[0].isoformat()}:{days[-1].isoformat()}")
    zone = ZoneInfo(office.timezone)
    services = {s.id: s for s in session.scalars(select(Service))}
    settings = case_settings(session=session, office_id=office.id)
    courier = list(settings.courier_weekdays or [])
    intakes = session.execute(
        select(*ticket_columns)
        .where(
            Ticket.office_id == office.id,
            Ticket.day.in_(days),
            Ticket.status == DONE,
            Ticket.clerk_id.is_not(None),
            Ticket.finished_at.is_not(None),
            Ticket.service_id.in_(
                [s.id for s in services.values() if s.kind == "intake" and s.agency_id]
            ),
        )
        .order_by(Ticket.finished_at, Ticket.id)
    ).all()
    # Collection visits by local date, each handing over at most one result.
    pickups: dict[date, list[Any]] = {}
    for ticket in session.execute(
        select(*ticket_columns)
        .join(Service, Service.id == Ticket.service_id)
        .where(
            Ticket.office_id == office.id,
            Ticket.status == DONE,
            Ticket.clerk_id.is_not(None),
            Service.code.in_(COLLECTION_SERVICES),
            Ticket.day.in_(days),
        )
        .order_by(Ticket.finished_at)
    ):
        pickups.setdefault(ticket.day, []).append(ticket)

    def at_local(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=zone)

    transfer_cache: dict[date, date] = {}
    term_cache: dict[tuple[date, int], date] = {}
    counters = dict(
        session.execute(
            select(CaseCounter.year, CaseCounter.last_seq).where(CaseCounter.office_id == office.id)
        ).all()
    )
    fresh_years: set[int] = set()
    cases: list[dict[str, Any]] = []
    lives: list[dict[str, Any]] = []
    for ticket in intakes:
        service = services[ticket.service_id]
        assert ticket.finished_at is not None and ticket.clerk_id is not None
        registered_at = ticket.finished_at
        registered_on = registered_at.astimezone(zone).date()
        variant = (
            service.variants[rng.randrange(len(service.variants))] if service.variants else None
        )
        if registered_on not in transfer_cache:
            transfer_cache[registered_on] = transfer_deadline(
                session=session,
                office=office,
                registered_on=registered_on,
                courier_weekdays=courier,
            )
        transfer_due = transfer_cache[registered_on]
        term = rules.agency_term(service, variant)
        due = None
        if term is not None:
            if (registered_on, term) not in term_cache:
                term_cache[(registered_on, term)] = term_deadline(
                    session=session, office=office, registered_on=registered_on, working_days=term
                )
            due = term_cache[(registered_on, term)]
        year = registered_on.year
        if year not in counters:
            counters[year] = 0
            fresh_years.add(year)
        counters[year] += 1
        name = _person(rng)
        number = f"{rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(100000, 999999)}"
        cases.append(
            {
                "office_id": office.id,
                "year": year,
                "seq": counters[year],
                "registration_number": format_registration_number(office.id, year, counters[year]),
                "status_code": secrets.token_urlsafe(16),
                "status": REGISTERED,
                "service_id": service.id,
                "variant_id": variant.id if variant else None,
                "agency_id": service.agency_id,
                "applicant_name": name,
                "applicant_document_type": "Паспорт гражданина РФ",
                "applicant_document_number": number,
                "applicant_key": applicant_key(name, number),
                "consent_personal_data": True,
                "delivery": "in_person",
                "registered_at": registered_at,
                "registered_by": ticket.clerk_id,
                "transfer_due": transfer_due,
                "due_date": due,
            }
        )
        lives.append({"ticket": ticket, "service": service, "variant": variant})

    # The life of each case after registration, as far as yesterday.
    Step = tuple[str, str | None, str, datetime, int | None]
    steps_of: list[list[Step]] = []
    for row, life in zip(cases, lives, strict=True):
        ticket = life["ticket"]
        steps: list[Step] = [
            ("register", None, REGISTERED, row["registered_at"], row["registered_by"])
        ]
        sent_on = row["transfer_due"] + timedelta(days=1 if rng.random() < LATE_TRANSFER else 0)
        if sent_on < today:
            row["sent_at"] = at_local(sent_on, 15, rng.randint(0, 59))
            row["status"] = SENT
            row["transfer_overdue_flagged"] = sent_on > row["transfer_due"]
            row["agency_incoming_number"] = f"{rng.randint(1000, 99999)}"
            steps.append(("send", REGISTERED, SENT, row["sent_at"], None))
            due = row["due_date"] or sent_on + timedelta(days=7)
            back_on = (
                due + timedelta(days=rng.randint(1, 3))
                if rng.random() < LATE_AGENCY
                else max(sent_on + timedelta(days=1), due - timedelta(days=rng.randint(0, 3)))
            )
            if back_on < today:
                received = at_local(back_on, 11, rng.randint(0, 59))
                row.update(
                    result_received_at=received,
                    ready_at=received,
                    outcome="done",
                    status=READY,
                    agency_overdue_flagged=row["due_date"] is not None
                    and back_on > row["due_date"],
                    storage_until=rules.storage_until(back_on, settings.storage_days),
                )
                steps.append(("result", SENT, RESULT_RECEIVED, received, None))
                steps.append(("ready", RESULT_RECEIVED, READY, received, None))
                if rng.random() < COLLECTED:
                    pickup = _pickup(pickups, back_on + timedelta(days=rng.randint(1, 10)), today)
                    if pickup is not None:
                        assert pickup.finished_at is not None
                        row["status"], row["closed_at"] = ISSUED, pickup.finished_at
                        life["pickup"] = pickup
                        steps.append(("issue", READY, ISSUED, pickup.finished_at, pickup.clerk_id))
        steps_of.append(steps)
    if not cases:
        return 0

    ids = bulk.insert_dicts(Case, cases, with_ids=True)
    documents, steps_rows, visits, issuances = [], [], [], []
    for case_id, row, life, steps in zip(ids, cases, lives, steps_of, strict=True):
        for position, doc in enumerate(checklist(life["service"], life["variant"])):
            documents.append(
                {
                    "case_id": case_id,
                    "service_document_id": doc.id,
                    "name": doc.name_ru,
                    "original": True,
                    "sheets": rng.randint(1, 4),
                    "copies": 1,
                    "position": position,
                }
            )
        previous_ticket = life["ticket"]
        visits.append(
            {
                "case_id": case_id,
                "ticket_id": previous_ticket.id,
                "purpose": "intake",
                "at": row["registered_at"],
                "clerk_id": row["registered_by"],
            }
        )
        for action, source, target, at, clerk in steps:
            steps_rows.append(
                {
                    "case_id": case_id,
                    "action": action,
                    "from_status": source,
                    "to_status": target,
                    "at": at,
                    "clerk_id": clerk,
                    "automatic": False,
                    "detail": {"ticket": previous_ticket.number} if action == "register" else {},
                }
            )
        pickup = life.get("pickup")
        if pickup is not None:
            visits.append(
                {
                    "case_id": case_id,
                    "ticket_id": pickup.id,
                    "purpose": "issuance",
                    "at": pickup.finished_at,
                    "clerk_id": pickup.clerk_id,
                }
            )
            issuances.append(
                {
                    "case_id": case_id,
                    "ticket_id": pickup.id,
                    "issued_at": pickup.finished_at,
                    "clerk_id": pickup.clerk_id,
                    "identity_checked": True,
                    "recipient_name": row["applicant_name"],
                    "items": [life["service"].name_ru],
                }
            )
    for table, rows in (
        (CaseDocument, documents),
        (CaseStep, steps_rows),
        (CaseVisit, visits),
        (Issuance, issuances),
    ):
        bulk.insert_dicts(table, rows)
    for year, last in counters.items():
        if year in fresh_years:
            session.add(CaseCounter(office_id=office.id, year=year, last_seq=last))
        else:  # read above in this transaction: the register goes on from there
            session.execute(
                update(CaseCounter)
                .where(CaseCounter.office_id == office.id, CaseCounter.year == year)
                .values(last_seq=last)
            )
    session.flush()
    return len(cases)


def _pickup(pickups: dict[date, list[Any]], day: date, today: date) -> Any:
    """A collection visit on `day` or the next days before today, taken off the list."""
    while day < today:
        waiting = pickups.get(day)
        if waiting:
            return waiting.pop(0)
        day += timedelta(days=1)
    return None
