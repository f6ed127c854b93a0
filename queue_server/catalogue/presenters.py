"""The catalogue as the API shows it."""

from __future__ import annotations

from queue_server.catalogue.models import Service
from queue_server.catalogue.schemas import DocumentIn, OptionIn, QuestionIn, ServiceOut, VariantIn


def service_out(service: Service) -> ServiceOut:
    """The stored service as its API representation."""
    variant_codes = {v.id: v.code for v in service.variants}
    question_codes = {q.id: q.code for q in service.questions}
    return ServiceOut(
        code=service.code,
        name_ru=service.name_ru,
        name_en=service.name_en,
        group=service.group.code if service.group else None,
        prefix=service.prefix,
        kind=service.kind,
        wait_limit_minutes=service.wait_limit_minutes,
        service_norm_minutes=service.service_norm_minutes,
        term_working_days=service.term_working_days,
        agency=service.agency.code if service.agency else None,
        position=service.position,
        active=service.active,
        documents=[
            DocumentIn(
                name_ru=d.name_ru,
                name_en=d.name_en,
                needs_original=d.needs_original,
                needs_copy=d.needs_copy,
                required=d.required,
                note_ru=d.note_ru,
                variant=d.variant.code if d.variant else None,
            )
            for d in service.documents
        ],
        variants=[
            VariantIn(
                code=v.code,
                name_ru=v.name_ru,
                name_en=v.name_en,
                term_working_days=v.term_working_days,
            )
            for v in service.variants
        ],
        questions=[
            QuestionIn(
                code=q.code,
                text_ru=q.text_ru,
                text_en=q.text_en,
                options=[
                    OptionIn(
                        text_ru=o.text_ru,
                        text_en=o.text_en,
                        next_question=question_codes.get(o.next_question_id)
                        if o.next_question_id
                        else None,
                        variant=variant_codes.get(o.variant_id) if o.variant_id else None,
                    )
                    for o in q.options
                ],
            )
            for q in service.questions
        ],
    )
