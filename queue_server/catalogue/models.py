"""The service catalogue: services, variants, documents, profiling questions, agencies."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queue_server.db import Base
from queue_server.tickets.rules import SERVICE_NORM_MINUTES_BY_KIND, WAIT_LIMIT_MINUTES_BY_KIND

SERVICE_KINDS = ("intake", "issuance", "consultation")

# R1–R3: (wait limit, service-time norm) in minutes by kind; the figures live in the rules.
KIND_DEFAULTS: dict[str, tuple[int, int]] = {
    kind: (WAIT_LIMIT_MINUTES_BY_KIND[kind], SERVICE_NORM_MINUTES_BY_KIND[kind])
    for kind in SERVICE_KINDS
}


class Agency(Base):
    """A state or municipal body that decides cases passed on by the MFC (R18)."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(300))


class ServiceGroup(Base):
    """A tile of the kiosk's first menu."""

    __tablename__ = "service_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Service(Base):
    """What an applicant comes for; its kind sets the default wait limit and norm."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_ru: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    group_id: Mapped[int | None] = mapped_column(ForeignKey("service_groups.id"), nullable=True)
    prefix: Mapped[str] = mapped_column(String(1))
    kind: Mapped[str] = mapped_column(String(16))
    wait_limit_minutes: Mapped[int] = mapped_column(Integer)
    service_norm_minutes: Mapped[int] = mapped_column(Integer)
    term_working_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    group: Mapped[ServiceGroup | None] = relationship()
    agency: Mapped[Agency | None] = relationship()
    variants: Mapped[list[ServiceVariant]] = relationship(
        back_populates="service",
        cascade="all, delete-orphan",
        order_by="ServiceVariant.position",
    )
    documents: Mapped[list[ServiceDocument]] = relationship(
        cascade="all, delete-orphan", order_by="ServiceDocument.position"
    )
    questions: Mapped[list[ServiceQuestion]] = relationship(
        cascade="all, delete-orphan", order_by="ServiceQuestion.position"
    )


class ServiceVariant(Base):
    """A variant of a service (профилирование): fixes the documents list and the term."""

    __tablename__ = "service_variants"
    __table_args__ = (UniqueConstraint("service_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name_ru: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    term_working_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    service: Mapped[Service] = relationship(back_populates="variants")


class ServiceDocument(Base):
    """A document of the checklist; tied to one variant or, if none, to all."""

    __tablename__ = "service_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_variants.id", ondelete="CASCADE"), nullable=True
    )
    name_ru: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    needs_original: Mapped[bool] = mapped_column(Boolean, default=True)
    needs_copy: Mapped[bool] = mapped_column(Boolean, default=False)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    note_ru: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    variant: Mapped[ServiceVariant | None] = relationship(lazy="joined")


class ServiceQuestion(Base):
    """A profiling question; the first by position is where the kiosk starts."""

    __tablename__ = "service_questions"
    __table_args__ = (UniqueConstraint("service_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    text_ru: Mapped[str] = mapped_column(String(500))
    text_en: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    options: Mapped[list[QuestionOption]] = relationship(
        cascade="all, delete-orphan",
        order_by="QuestionOption.position",
        foreign_keys="QuestionOption.question_id",
        lazy="selectin",
    )


class QuestionOption(Base):
    """An answer: it leads either to the next question or to a variant."""

    __tablename__ = "question_options"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("service_questions.id", ondelete="CASCADE"))
    text_ru: Mapped[str] = mapped_column(String(300))
    text_en: Mapped[str] = mapped_column(String(300), default="")
    next_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_questions.id", ondelete="CASCADE"), nullable=True
    )
    variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_variants.id", ondelete="CASCADE"), nullable=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class PriorityCategory(Base):
    """Applicants served out of turn (disabled people, veterans…); lower rank goes first."""

    __tablename__ = "priority_categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_ru: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    rank: Mapped[int] = mapped_column(Integer, default=1)
    proof_ru: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
