"""Keeping agency agreements and asking them whether a service is taken on a date (R18)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server import messages
from queue_server.agreements import rules
from queue_server.agreements.exceptions import (
    AgreementInvalid,
    AgreementNotFound,
    AgreementTermInvalid,
    NoValidAgreement,
)
from queue_server.agreements.models import Agreement, AgreementService
from queue_server.agreements.schemas import AgreementIn
from queue_server.catalogue.models import Agency, Service
from queue_server.clock import Clock
from queue_server.events.service import emit


@dataclass(frozen=True)
class Availability:
    """Whether documents for a service are taken on a date, and if not, why: in Russian
    (`reason`, what the kiosk's menu shows) and as the refusal an intake meets."""

    accepted: bool
    reason: str | None = None
    refusal: NoValidAgreement | None = None


ACCEPTED = Availability(True)


def _agency(session: Session, code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise AgreementInvalid(key="agreement_invalid.no_agency", agency=code)
    return agency


def agreements_of(*, session: Session, agency_ids: set[int] | None = None) -> list[Agreement]:
    """Agreements (of some agencies, or all), newest end first."""
    query = select(Agreement).order_by(Agreement.agency_id, Agreement.valid_to.desc())
    if agency_ids is not None:
        query = query.where(Agreement.agency_id.in_(agency_ids))
    return list(session.scalars(query))


def get_agreement(*, session: Session, agreement_id: int) -> Agreement:
    """The agreement with this id, or 404."""
    agreement = session.get(Agreement, agreement_id)
    if agreement is None:
        raise AgreementNotFound()
    return agreement


def _services(session: Session, codes: list[str]) -> list[Service]:
    found = {s.code: s for s in session.scalars(select(Service).where(Service.code.in_(codes)))}
    missing = [c for c in dict.fromkeys(codes) if c not in found]
    if missing:
        raise AgreementInvalid(
            key="agreement_invalid.no_services", services=", ".join(f"«{c}»" for c in missing)
        )
    return [found[c] for c in dict.fromkeys(codes)]


def save_agreement(
    *,
    session: Session,
    clock: Clock,
    agency_code: str,
    data: AgreementIn,
    agreement: Agreement | None = None,
    announce: bool = True,
) -> Agreement:
    """Create an agreement of the agency, or replace `agreement`: dates checked (R18).

    `announce=False` (setting up an installation, before any device runs): no event.
    """
    if data.valid_to < data.valid_from:
        raise AgreementTermInvalid(key="agreement_term_invalid.reversed")
    if data.valid_to > rules.last_allowed_day(data.valid_from):
        raise AgreementTermInvalid(
            key="agreement_term_invalid.too_long",
            start=data.valid_from.strftime("%d.%m.%Y"),
            limit=rules.last_allowed_day(data.valid_from).strftime("%d.%m.%Y"),
        )
    agency = _agency(session, agency_code)
    same_number = session.scalar(
        select(Agreement).where(Agreement.agency_id == agency.id, Agreement.number == data.number)
    )
    if same_number is not None and same_number is not agreement:
        raise AgreementInvalid(
            key="agreement_invalid.number_taken", agency=agency.name, number=data.number
        )
    services = _services(session, data.services)
    if agreement is None:
        agreement = Agreement(agency_id=agency.id, created_at=clock.now())
        session.add(agreement)
    agreement.agency_id = agency.id
    agreement.number = data.number
    agreement.signed_on = data.signed_on
    agreement.valid_from, agreement.valid_to = data.valid_from, data.valid_to
    agreement.note = data.note
    agreement.expiry_warned = False
    agreement.services = [AgreementService(service_id=s.id) for s in services]
    session.flush()
    if announce:
        _changed(session, clock, agreement, "agreement.saved")
    return agreement


def delete_agreement(*, session: Session, clock: Clock, agreement: Agreement) -> None:
    """Remove an agreement (entered by mistake); its services follow the rule without it."""
    _changed(session, clock, agreement, "agreement.deleted")
    session.delete(agreement)
    session.flush()


def _changed(session: Session, clock: Clock, agreement: Agreement, type_: str) -> None:
    # Every office's kiosks re-read the menu: the catalogue event they already follow.
    emit(
        session=session,
        clock=clock,
        type="catalogue.changed",
        office_id=None,
        payload={"agreement_id": agreement.id, "change": type_},
    )


def _judge(
    service: Service, agency_name: str, agreements: list[Agreement], day: date
) -> Availability:
    """R18 for one service of an agency, given all the agency's agreements (maybe none)."""
    covering = [a for a in agreements if any(s.service_id == service.id for s in a.services)]
    if any(rules.is_valid_on(a.valid_from, a.valid_to, day) for a in covering):
        return ACCEPTED
    name = service.name_ru
    ended = [a for a in covering if a.valid_to < day]
    refusal: NoValidAgreement
    if not agreements:
        refusal = NoValidAgreement(key="no_valid_agreement.none", service=name, agency=agency_name)
    elif ended:
        last = max(ended, key=lambda a: a.valid_to)
        refusal = NoValidAgreement(
            key="no_valid_agreement.expired",
            service=name,
            agency=agency_name,
            number=last.number,
            date=last.valid_to.strftime("%d.%m.%Y"),
        )
    elif covering:
        first = min(covering, key=lambda a: a.valid_from)
        refusal = NoValidAgreement(
            key="no_valid_agreement.not_yet",
            service=name,
            agency=agency_name,
            number=first.number,
            date=first.valid_from.strftime("%d.%m.%Y"),
        )
    else:
        refusal = NoValidAgreement(
            key="no_valid_agreement.not_listed", service=name, agency=agency_name
        )
    # The menu shows the refusal without the intake's last words ("Дело не зарегистрировано").
    shown = refusal.text(messages.RU).removesuffix(" Дело не зарегистрировано.")
    return Availability(False, shown, refusal)


def availability(
    *, session: Session, service: Service, agency_id: int | None, day: date
) -> Availability:
    """R18: whether the MFC takes documents for `service`, decided by `agency_id`, on `day`."""
    if agency_id is None:  # the MFC's own service: no agency, no agreement to have
        return ACCEPTED
    agreements = agreements_of(session=session, agency_ids={agency_id})
    agency = session.get(Agency, agency_id)
    return _judge(service, agency.name if agency else "", agreements, day)


def ensure_intake_allowed(
    *, session: Session, service: Service, agency_id: int | None, day: date
) -> None:
    """R18: refuse the intake of a service no valid agreement covers; nothing is registered."""
    found = availability(session=session, service=service, agency_id=agency_id, day=day)
    if found.refusal is not None:
        raise found.refusal


def menu_availability(
    *, session: Session, services: list[Service], day: date
) -> dict[int, Availability]:
    """R18: the availability of each intake service of a menu on `day` (others: accepted).

    One query for every agreement: the kiosk reads the menu whenever the catalogue changes.
    """
    by_agency: dict[int, list[Agreement]] = {}
    for agreement in agreements_of(session=session):
        by_agency.setdefault(agreement.agency_id, []).append(agreement)
    names = {a.id: a.name for a in session.scalars(select(Agency))}
    result: dict[int, Availability] = {}
    for service in services:
        if service.kind != "intake" or service.agency_id is None:
            result[service.id] = ACCEPTED
        else:
            agreements = by_agency.get(service.agency_id, [])
            result[service.id] = _judge(service, names[service.agency_id], agreements, day)
    return result


def expiry_alerts(*, session: Session, today: date) -> list[dict[str, Any]]:
    """R18: agreements ending within 30 days that nothing follows, for every dashboard."""
    agreements = agreements_of(session=session)
    alerts = []
    for agreement in agreements:
        if not rules.expires_soon(agreement.valid_from, agreement.valid_to, today):
            continue
        day_after = agreement.valid_to + timedelta(days=1)
        followed = any(
            other is not agreement
            and other.agency_id == agreement.agency_id
            and rules.is_valid_on(other.valid_from, other.valid_to, day_after)
            for other in agreements
        )
        if followed:
            continue
        left = rules.days_left(agreement.valid_to, today)
        alerts.append(
            {
                "level": "amber",
                "kind": "agreement_expiring",
                "text": f"Соглашение № {agreement.number} с органом «{agreement.agency.name}» "
                f"истекает {agreement.valid_to.strftime('%d.%m.%Y')} (осталось дней: {left})",
            }
        )
    return alerts


def agree_for_every_agency(
    *, session: Session, clock: Clock, today: date, announce: bool = True
) -> int:
    """The demo: each agency gets a year's agreement over its services, started a month ago,
    unless one of its agreements already runs past the warning days (`announce`: see
    `save_agreement`)."""
    valid_from = today - timedelta(days=30)
    horizon = today + timedelta(days=rules.EXPIRY_WARNING_DAYS + 1)
    added = 0
    for agency in session.scalars(select(Agency).order_by(Agency.code)):
        codes = list(
            session.scalars(
                select(Service.code).where(Service.agency_id == agency.id).order_by(Service.code)
            )
        )
        current = agreements_of(session=session, agency_ids={agency.id})
        if not codes or any(rules.is_valid_on(a.valid_from, a.valid_to, horizon) for a in current):
            continue
        data = AgreementIn(
            number=f"Д-{valid_from:%Y%m%d}-{agency.code}",
            signed_on=valid_from,
            valid_from=valid_from,
            valid_to=rules.last_allowed_day(valid_from),
            services=codes,
            note="демонстрационное соглашение",
        )
        save_agreement(
            session=session, clock=clock, agency_code=agency.code, data=data, announce=announce
        )
        added += 1
    return added
