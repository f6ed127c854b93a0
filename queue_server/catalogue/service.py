"""Writing and reading the service catalogue."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.catalogue.models import (
    KIND_DEFAULTS,
    Agency,
    PriorityCategory,
    QuestionOption,
    Service,
    ServiceDocument,
    ServiceGroup,
    ServiceQuestion,
    ServiceVariant,
)
from queue_server.catalogue.schemas import (
    AgencyIn,
    AgencyOut,
    PriorityCategoryIn,
    PriorityCategoryOut,
    ServiceGroupIn,
    ServiceGroupOut,
    ServiceIn,
)
from queue_server.clock import Clock
from queue_server.errors import InvalidInput, NotFound
from queue_server.events.service import emit
from queue_server.windows.models import Window, WindowService


def get_service(*, session: Session, code: str) -> Service:
    """The service with this code, or 404."""
    service = session.scalar(select(Service).where(Service.code == code))
    if service is None:
        raise NotFound(code="service_not_found", value=code)
    return service


def put_agency(*, session: Session, code: str, data: AgencyIn) -> Agency:
    """Create or replace an agency."""
    agency = session.scalar(select(Agency).where(Agency.code == code)) or Agency(code=code)
    agency.name = data.name
    session.add(agency)
    session.flush()
    return agency


def put_group(*, session: Session, code: str, data: ServiceGroupIn) -> ServiceGroup:
    """Create or replace a kiosk menu group."""
    group = session.scalar(select(ServiceGroup).where(ServiceGroup.code == code))
    group = group or ServiceGroup(code=code)
    group.name_ru, group.name_en, group.position = data.name_ru, data.name_en, data.position
    session.add(group)
    session.flush()
    return group


def put_priority_category(
    *, session: Session, code: str, data: PriorityCategoryIn
) -> PriorityCategory:
    """Create or replace a priority category."""
    category = session.scalar(select(PriorityCategory).where(PriorityCategory.code == code))
    category = category or PriorityCategory(code=code)
    for field, value in data.model_dump().items():
        setattr(category, field, value)
    session.add(category)
    session.flush()
    return category


def save_service_definition(
    *, session: Session, clock: Clock, code: str, data: ServiceIn
) -> Service:
    """Create or replace a service and tell every office's kiosks that the catalogue changed."""
    service = put_service(session=session, code=code, data=data)
    emit(
        session=session,
        clock=clock,
        type="catalogue.changed",
        office_id=None,
        payload={"service": code},
    )
    return service


def put_service(*, session: Session, code: str, data: ServiceIn) -> Service:
    """Create or replace a whole service definition (variants, documents, questions)."""
    group_id = _group_id(session, data.group)
    agency_id = _agency_id(session, data.agency)
    limit, norm = KIND_DEFAULTS[data.kind]
    service = session.scalar(select(Service).where(Service.code == code))
    if service is None:
        service = Service(code=code)
        session.add(service)
    service.name_ru, service.name_en = data.name_ru, data.name_en
    service.group_id, service.agency_id = group_id, agency_id
    service.prefix, service.kind = data.prefix, data.kind
    service.wait_limit_minutes = data.wait_limit_minutes or limit
    service.service_norm_minutes = data.service_norm_minutes or norm
    service.term_working_days = data.term_working_days
    service.position, service.active = data.position, data.active
    # The nested parts are replaced whole: simpler to reason about than a diff, and
    # tickets/cases keep only the codes and names they need.
    service.documents.clear()
    service.questions.clear()
    service.variants.clear()
    session.flush()
    variants = _add_variants(service, data)
    _add_documents(service, data, variants)
    questions = _add_questions(service, data)
    session.flush()  # the questions need ids before the options can point at them
    _add_options(data, questions, variants)
    session.flush()
    return service


def _group_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    group = session.scalar(select(ServiceGroup).where(ServiceGroup.code == code))
    if group is None:
        raise InvalidInput(code="unknown_group", value=code)
    return group.id


def _agency_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise InvalidInput(code="unknown_agency", value=code)
    return agency.id


def _add_variants(service: Service, data: ServiceIn) -> dict[str, ServiceVariant]:
    variants = {}
    for position, variant_in in enumerate(data.variants):
        variant = ServiceVariant(
            code=variant_in.code,
            name_ru=variant_in.name_ru,
            name_en=variant_in.name_en,
            term_working_days=variant_in.term_working_days,
            position=position,
        )
        service.variants.append(variant)
        variants[variant_in.code] = variant
    return variants


def _add_documents(service: Service, data: ServiceIn, variants: dict[str, ServiceVariant]) -> None:
    for position, doc in enumerate(data.documents):
        service.documents.append(
            ServiceDocument(
                name_ru=doc.name_ru,
                name_en=doc.name_en,
                needs_original=doc.needs_original,
                needs_copy=doc.needs_copy,
                required=doc.required,
                note_ru=doc.note_ru,
                variant=variants[doc.variant] if doc.variant else None,
                position=position,
            )
        )


def _add_questions(service: Service, data: ServiceIn) -> dict[str, ServiceQuestion]:
    questions = {}
    for position, question_in in enumerate(data.questions):
        question = ServiceQuestion(
            code=question_in.code,
            text_ru=question_in.text_ru,
            text_en=question_in.text_en,
            position=position,
        )
        service.questions.append(question)
        questions[question_in.code] = question
    return questions


def _add_options(
    data: ServiceIn,
    questions: dict[str, ServiceQuestion],
    variants: dict[str, ServiceVariant],
) -> None:
    for question_in in data.questions:
        for position, option_in in enumerate(question_in.options):
            target_q = questions[option_in.next_question] if option_in.next_question else None
            target_v = variants[option_in.variant] if option_in.variant else None
            questions[question_in.code].options.append(
                QuestionOption(
                    text_ru=option_in.text_ru,
                    text_en=option_in.text_en,
                    next_question_id=target_q.id if target_q else None,
                    variant_id=target_v.id if target_v else None,
                    position=position,
                )
            )


def list_services(*, session: Session) -> list[Service]:
    """Every service, in menu order."""
    return list(session.scalars(select(Service).order_by(Service.position, Service.code)))


def services_of_office(*, session: Session, office_id: int) -> list[Service]:
    """The active services some active window of the office serves (its kiosk menu)."""
    stmt = (
        select(Service)
        .join(WindowService, WindowService.service_id == Service.id)
        .join(Window, Window.id == WindowService.window_id)
        .where(Window.office_id == office_id, Window.active.is_(True), Service.active.is_(True))
        .distinct()
        .order_by(Service.position, Service.code)
    )
    return list(session.scalars(stmt).unique())


def list_groups(*, session: Session) -> list[ServiceGroupOut]:
    """Every kiosk menu group in order."""
    groups = session.scalars(select(ServiceGroup).order_by(ServiceGroup.position))
    return [
        ServiceGroupOut(code=g.code, name_ru=g.name_ru, name_en=g.name_en, position=g.position)
        for g in groups
    ]


def list_agencies(*, session: Session) -> list[AgencyOut]:
    """Every agency."""
    return [
        AgencyOut(code=a.code, name=a.name)
        for a in session.scalars(select(Agency).order_by(Agency.code))
    ]


def list_priority_categories(*, session: Session) -> list[PriorityCategoryOut]:
    """Every priority category, by rank."""
    rows = session.scalars(select(PriorityCategory).order_by(PriorityCategory.rank))
    return [
        PriorityCategoryOut(
            code=c.code,
            name_ru=c.name_ru,
            name_en=c.name_en,
            rank=c.rank,
            proof_ru=c.proof_ru,
            active=c.active,
        )
        for c in rows
    ]
