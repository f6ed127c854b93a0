"""Catalogue payloads: a service is written whole, with documents, variants and questions."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, field_validator, model_validator

from queue_server.messages import check_failed
from queue_server.types import Code, LongText, Position, RequestModel


class AgencyIn(RequestModel):
    """An agency to create or replace."""

    name: str = Field(min_length=1, max_length=300)


class AgencyOut(AgencyIn):
    """An agency."""

    code: str


class ServiceGroupIn(RequestModel):
    """A kiosk menu group to create or replace."""

    name_ru: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    position: Position = 0


class ServiceGroupOut(ServiceGroupIn):
    """A kiosk menu group."""

    code: str


class DocumentIn(RequestModel):
    """One document of the checklist; `variant` limits it to one variant."""

    name_ru: str = Field(min_length=1, max_length=300)
    name_en: str = Field(default="", max_length=300)
    needs_original: StrictBool = True
    needs_copy: StrictBool = False
    required: StrictBool = True
    note_ru: LongText = ""
    variant: Code | None = None


class VariantIn(RequestModel):
    """A service variant chosen by the profiling questions."""

    code: Code
    name_ru: str = Field(min_length=1, max_length=300)
    name_en: str = Field(default="", max_length=300)
    term_working_days: int | None = Field(default=None, ge=0, le=365)


class OptionIn(RequestModel):
    """An answer leading to exactly one of: the next question, a variant."""

    text_ru: str = Field(min_length=1, max_length=300)
    text_en: str = Field(default="", max_length=300)
    next_question: Code | None = None
    variant: Code | None = None

    @model_validator(mode="after")
    def _one_target(self) -> OptionIn:
        if (self.next_question is None) == (self.variant is None):
            raise check_failed("answer_target", answer=self.text_ru)
        return self


class QuestionIn(RequestModel):
    """A profiling question with its answers."""

    code: Code
    text_ru: str = Field(min_length=1, max_length=500)
    text_en: str = Field(default="", max_length=500)
    options: list[OptionIn] = Field(min_length=2, max_length=20)


class ServiceIn(RequestModel):
    """A whole service definition; limits and norm default by kind (R1–R3)."""

    name_ru: str = Field(min_length=1, max_length=300)
    name_en: str = Field(default="", max_length=300)
    group: Code | None = None
    prefix: str = Field(min_length=1, max_length=1)
    kind: Literal["intake", "issuance", "consultation"]
    wait_limit_minutes: int | None = Field(default=None, ge=1, le=480)
    service_norm_minutes: int | None = Field(default=None, ge=1, le=480)
    term_working_days: int | None = Field(default=None, ge=0, le=365)
    agency: Code | None = None
    position: Position = 0
    active: StrictBool = True
    documents: list[DocumentIn] = Field(default=[], max_length=100)
    variants: list[VariantIn] = Field(default=[], max_length=50)
    questions: list[QuestionIn] = Field(default=[], max_length=50)

    @field_validator("prefix")
    @classmethod
    def _letter(cls, value: str) -> str:
        if not value.isalpha():
            raise check_failed("prefix_letter")
        return value.upper()

    @model_validator(mode="after")
    def _profiling_is_consistent(self) -> ServiceIn:
        variant_codes = [v.code for v in self.variants]
        if len(set(variant_codes)) != len(variant_codes):
            raise check_failed("variant_codes_repeat")
        question_codes = [q.code for q in self.questions]
        if len(set(question_codes)) != len(question_codes):
            raise check_failed("question_codes_repeat")
        for doc in self.documents:
            if doc.variant is not None and doc.variant not in variant_codes:
                raise check_failed(
                    "document_variant_unknown", document=doc.name_ru, variant=doc.variant
                )
        if self.questions and len(self.variants) < 2:
            raise check_failed("questions_need_variants")
        if len(self.variants) > 1 and not self.questions:
            raise check_failed("variants_need_questions")
        by_code = {q.code: q for q in self.questions}
        for question in self.questions:
            for option in question.options:
                if option.next_question is not None and option.next_question not in by_code:
                    raise check_failed(
                        "question_unknown", question=question.code, target=option.next_question
                    )
                if option.variant is not None and option.variant not in variant_codes:
                    raise check_failed(
                        "question_variant_unknown", question=question.code, target=option.variant
                    )
        if self.questions:
            reached = _walk(self.questions[0].code, by_code, ())
            unreachable_q = set(question_codes) - reached["questions"]
            if unreachable_q:
                raise check_failed("questions_unreachable", codes=", ".join(sorted(unreachable_q)))
            unreachable_v = set(variant_codes) - reached["variants"]
            if unreachable_v:
                raise check_failed("variants_unreachable", codes=", ".join(sorted(unreachable_v)))
        return self


def _walk(code: str, by_code: dict[str, QuestionIn], path: tuple[str, ...]) -> dict[str, set[str]]:
    if code in path:
        raise check_failed("questions_loop", path=" → ".join((*path, code)))
    seen: dict[str, set[str]] = {"questions": {code}, "variants": set()}
    for option in by_code[code].options:
        if option.variant is not None:
            seen["variants"].add(option.variant)
        elif option.next_question is not None:
            below = _walk(option.next_question, by_code, (*path, code))
            seen["questions"] |= below["questions"]
            seen["variants"] |= below["variants"]
    return seen


class ServiceOut(ServiceIn):
    """A service as stored, limits and norm resolved."""

    code: str
    wait_limit_minutes: int
    service_norm_minutes: int


class PriorityCategoryIn(RequestModel):
    """A priority category to create or replace."""

    name_ru: str = Field(min_length=1, max_length=300)
    name_en: str = Field(default="", max_length=300)
    rank: int = Field(default=1, ge=0, le=100)
    proof_ru: str = Field(default="", max_length=300)
    active: StrictBool = True


class PriorityCategoryOut(PriorityCategoryIn):
    """A priority category."""

    code: str
