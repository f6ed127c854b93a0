"""Routes: agency agreements (read by staff, kept by admins: the catalogue is shared) (R18)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Response

from queue_server.agreements import service as agreements
from queue_server.agreements.models import Agreement
from queue_server.agreements.presenters import agreement_out
from queue_server.agreements.schemas import AgencyAgreementsOut, AgreementIn, AgreementOut
from queue_server.api import api_router
from queue_server.catalogue.service import list_agencies
from queue_server.deadline_events import office_dates
from queue_server.deps import ClockDep, PrincipalDep, SessionDep
from queue_server.types import Code, Id

router = api_router(tags=["agreements"])


def get_agreement(agreement_id: Id, session: SessionDep) -> Agreement:
    """The agreement in the path, or 404."""
    return agreements.get_agreement(session=session, agreement_id=agreement_id)


CurrentAgreement = Annotated[Agreement, Depends(get_agreement)]


@router.get("/agreements", response_model=list[AgencyAgreementsOut])
def list_agreements(
    session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> list[AgencyAgreementsOut]:
    """Every agency with its agreements, their states on the furthest-east office's date."""
    principal.require_staff()
    today = max(office_dates(session, clock.now()).values(), default=clock.now().date())
    by_agency: dict[str, list[AgreementOut]] = {}
    for agreement in agreements.agreements_of(session=session):
        by_agency.setdefault(agreement.agency.code, []).append(agreement_out(agreement, today))
    return [
        AgencyAgreementsOut(
            agency=agency.code,
            agency_name=agency.name,
            has_agreements=agency.code in by_agency,
            agreements=by_agency.get(agency.code, []),
        )
        for agency in list_agencies(session=session)
    ]


@router.post("/agencies/{agency_code}/agreements", response_model=AgreementOut, status_code=201)
def create_agreement(
    agency_code: Code,
    data: AgreementIn,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> AgreementOut:
    """Add an agreement of the agency: at most one year, listing its services (admins)."""
    principal.require_role("admin")
    agreement = agreements.save_agreement(
        session=session, clock=clock, agency_code=agency_code, data=data
    )
    return agreement_out(agreement, clock.now().date())


@router.put("/agreements/{agreement_id}", response_model=AgreementOut)
def replace_agreement(
    principal: PrincipalDep,
    agreement: CurrentAgreement,
    data: AgreementIn,
    session: SessionDep,
    clock: ClockDep,
) -> AgreementOut:
    """Replace an agreement's number, dates and services (admins)."""
    principal.require_role("admin")
    saved = agreements.save_agreement(
        session=session,
        clock=clock,
        agency_code=agreement.agency.code,
        data=data,
        agreement=agreement,
    )
    return agreement_out(saved, clock.now().date())


@router.delete("/agreements/{agreement_id}", status_code=204)
def remove_agreement(
    principal: PrincipalDep, agreement: CurrentAgreement, session: SessionDep, clock: ClockDep
) -> Response:
    """Remove an agreement entered by mistake (admins)."""
    principal.require_role("admin")
    agreements.delete_agreement(session=session, clock=clock, agreement=agreement)
    return Response(status_code=204)
