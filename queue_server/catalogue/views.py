"""Routes: the service catalogue, menu groups, agencies, priority categories."""

from __future__ import annotations

from queue_server.agreements.schemas import OfficeServiceOut
from queue_server.agreements.service import menu_availability
from queue_server.api import api_router
from queue_server.audit.service import record
from queue_server.catalogue import service as catalogue
from queue_server.catalogue.presenters import service_out
from queue_server.catalogue.schemas import (
    AgencyIn,
    AgencyOut,
    PriorityCategoryIn,
    PriorityCategoryOut,
    ServiceGroupIn,
    ServiceGroupOut,
    ServiceIn,
    ServiceOut,
)
from queue_server.deps import ClockDep, CurrentOffice, PrincipalDep, SessionDep
from queue_server.offices.calendar import local_now
from queue_server.types import Code

router = api_router(tags=["catalogue"])


@router.get("/services", response_model=list[ServiceOut])
def list_services(session: SessionDep, principal: PrincipalDep) -> list[ServiceOut]:
    """The whole catalogue (staff)."""
    principal.require_staff()
    return [service_out(s) for s in catalogue.list_services(session=session)]


@router.get("/services/{service_code}", response_model=ServiceOut)
def get_service(service_code: Code, session: SessionDep, principal: PrincipalDep) -> ServiceOut:
    """One service with its documents, variants and questions (staff)."""
    principal.require_staff()
    return service_out(catalogue.get_service(session=session, code=service_code))


@router.put("/services/{service_code}", response_model=ServiceOut)
def save_service(
    service_code: Code,
    data: ServiceIn,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> ServiceOut:
    """Create or replace a service definition (admins: every office's kiosks show it)."""
    principal.require_role("admin")
    service = catalogue.save_service_definition(
        session=session, clock=clock, code=service_code, data=data
    )
    record(session, principal, "service_changed", None, service_code, {}, clock=clock)
    return service_out(service)


@router.get("/offices/{code}/services", response_model=list[OfficeServiceOut])
def office_menu(
    office: CurrentOffice, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> list[OfficeServiceOut]:
    """The services offered at an office (what its kiosks show), and which are taken now (R18)."""
    principal.require_office(office.id)
    principal.require_staff_or_device("kiosk")
    services = catalogue.services_of_office(session=session, office_id=office.id)
    today = local_now(office, clock.now()).date()
    taken = menu_availability(session=session, services=services, day=today)
    return [
        OfficeServiceOut(
            **service_out(s).model_dump(),
            accepted=taken[s.id].accepted,
            not_accepted_reason=taken[s.id].reason,
        )
        for s in services
    ]


@router.get("/service-groups", response_model=list[ServiceGroupOut])
def list_groups(session: SessionDep, principal: PrincipalDep) -> list[ServiceGroupOut]:
    """Kiosk menu groups."""
    principal.require_staff_or_device("kiosk")
    return catalogue.list_groups(session=session)


@router.put("/service-groups/{group_code}", response_model=ServiceGroupOut)
def save_group(
    group_code: Code,
    data: ServiceGroupIn,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> ServiceGroupOut:
    """Create or replace a kiosk menu group (admins: the catalogue is shared)."""
    principal.require_role("admin")
    catalogue.put_group(session=session, code=group_code, data=data)
    record(
        session,
        principal,
        "catalogue_changed",
        None,
        group_code,
        {"what": "группа услуг"},
        clock=clock,
    )
    return ServiceGroupOut(code=group_code, **data.model_dump())


@router.get("/agencies", response_model=list[AgencyOut])
def list_agencies(session: SessionDep, principal: PrincipalDep) -> list[AgencyOut]:
    """Agencies (staff)."""
    principal.require_staff()
    return catalogue.list_agencies(session=session)


@router.put("/agencies/{agency_code}", response_model=AgencyOut)
def save_agency(
    agency_code: Code, data: AgencyIn, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> AgencyOut:
    """Create or replace an agency (admins: the catalogue is shared)."""
    principal.require_role("admin")
    catalogue.put_agency(session=session, code=agency_code, data=data)
    record(
        session,
        principal,
        "catalogue_changed",
        None,
        agency_code,
        {"what": "ведомство"},
        clock=clock,
    )
    return AgencyOut(code=agency_code, **data.model_dump())


@router.get("/priority-categories", response_model=list[PriorityCategoryOut])
def list_priority_categories(
    session: SessionDep, principal: PrincipalDep
) -> list[PriorityCategoryOut]:
    """Priority categories by rank."""
    principal.require_staff_or_device("kiosk")
    return catalogue.list_priority_categories(session=session)


@router.put("/priority-categories/{category_code}", response_model=PriorityCategoryOut)
def save_priority_category(
    category_code: Code,
    data: PriorityCategoryIn,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> PriorityCategoryOut:
    """Create or replace a priority category (admins: the catalogue is shared)."""
    principal.require_role("admin")
    catalogue.put_priority_category(session=session, code=category_code, data=data)
    record(
        session,
        principal,
        "catalogue_changed",
        None,
        category_code,
        {"what": "льготная категория"},
        clock=clock,
    )
    return PriorityCategoryOut(code=category_code, **data.model_dump())
