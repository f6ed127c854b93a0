"""The texts sent to applicants: Russian defaults, an office's overrides, placeholders.

Each kind names the placeholders it may use; a template saved with any other is refused,
so a typo never reaches an applicant as `{windw}`.
"""

from __future__ import annotations

import string
from typing import Any

# Message kinds.
TURN_NEAR = "turn_near"
CALLED = "called"
RECALLED = "recalled"
RESULT_READY = "result_ready"
RETURN_WARNING = "return_warning"
BOOKING_CONFIRMATION = "booking_confirmation"
BOOKING_RESCHEDULED = "booking_rescheduled"
BOOKING_CANCELLATION = "booking_cancellation"
BOOKING_REMINDER = "booking_reminder"
COMPLAINT_ANSWERED = "complaint_answered"
SUBSCRIBED = "subscribed"

DEFAULTS: dict[str, str] = {
    TURN_NEAR: (
        "{office}: скоро ваша очередь. Талон {number}, перед вами {ahead} чел., "
        "ожидание около {minutes} мин. Пожалуйста, вернитесь в зал ожидания."
    ),
    CALLED: "{office}: талон {number} приглашается к окну {window}.",
    RECALLED: "{office}: повторный вызов! Талон {number}, подойдите к окну {window}.",
    RESULT_READY: (
        "{office}: результат по делу {case} готов, его можно получить по адресу {address}. "
        "Часы работы: {hours}. Возьмите паспорт и расписку."
    ),
    RETURN_WARNING: (
        "{office}: результат по делу {case} не получен. Через {days} дн. ({until}) он будет "
        "возвращён в {agency}. Часы работы: {hours}."
    ),
    BOOKING_CONFIRMATION: "Вы записаны в {office}: {service}, {when}. Код записи {code}.",
    BOOKING_RESCHEDULED: "Запись перенесена: {office}, {service}, {when}. Код записи {code}.",
    BOOKING_CANCELLATION: "Запись {code} в {office} на {when} отменена.",
    BOOKING_REMINDER: "Напоминание: {office}, {service}, {when}. Код записи {code}.",
    COMPLAINT_ANSWERED: (
        "{office}: на вашу жалобу № {complaint} дан ответ. Его можно получить в офисе "
        "или по указанному вами адресу."
    ),
    SUBSCRIBED: (
        "{office}: вы подписаны на уведомления по {subject}. Чтобы отказаться, отправьте /stop."
    ),
}

# The kinds a manager edits, in the order the settings show them, with their Russian names.
KIND_NAMES_RU: dict[str, str] = {
    TURN_NEAR: "Скоро ваша очередь",
    CALLED: "Вызов к окну",
    RECALLED: "Повторный вызов",
    RESULT_READY: "Результат готов",
    RETURN_WARNING: "Результат скоро вернут в ведомство",
    BOOKING_CONFIRMATION: "Подтверждение записи",
    BOOKING_RESCHEDULED: "Перенос записи",
    BOOKING_CANCELLATION: "Отмена записи",
    BOOKING_REMINDER: "Напоминание о записи",
    COMPLAINT_ANSWERED: "Ответ на жалобу",
    SUBSCRIBED: "Подписка в Telegram",
}

_BOOKING = frozenset({"office", "service", "when", "code"})
PLACEHOLDERS: dict[str, frozenset[str]] = {
    TURN_NEAR: frozenset({"office", "number", "ahead", "minutes", "service"}),
    CALLED: frozenset({"office", "number", "window", "service"}),
    RECALLED: frozenset({"office", "number", "window", "service"}),
    RESULT_READY: frozenset({"office", "case", "address", "hours", "service"}),
    RETURN_WARNING: frozenset({"office", "case", "days", "until", "agency", "hours", "service"}),
    BOOKING_CONFIRMATION: _BOOKING,
    BOOKING_RESCHEDULED: _BOOKING,
    BOOKING_CANCELLATION: _BOOKING,
    BOOKING_REMINDER: _BOOKING,
    COMPLAINT_ANSWERED: frozenset({"office", "complaint"}),
    SUBSCRIBED: frozenset({"office", "subject"}),
}

# The consent the applicant agrees to when leaving a contact (R10); its version is stored
# with each subscription, so a later wording never rewrites what was agreed to.
CONSENT_VERSION = "2026-1"
CONSENT_TEXT_RU = (
    "Я согласен(на) на обработку моего номера телефона (или чата Telegram, адреса "
    "электронной почты) для уведомлений об очереди и о готовности документов. Номер "
    "хранится до конца рабочего дня (для талона) или до выдачи результата (для дела) и "
    "затем удаляется."
)

# Texts longer than this are refused: several SMS segments cost money and arrive garbled.
MAX_TEMPLATE_LENGTH = 500


def unknown_placeholders(kind: str, template: str) -> list[str]:
    """Placeholders of the template that its kind does not offer (or malformed ones)."""
    allowed = PLACEHOLDERS[kind]
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError:
        return ["{"]
    return sorted({name for name in names if name not in allowed})


def template_for(kind: str, overrides: dict[str, str]) -> str:
    """The office's text for a kind, or the Russian default."""
    return overrides.get(kind) or DEFAULTS[kind]


def render(kind: str, overrides: dict[str, str], **values: Any) -> str:
    """The text of a message; a value the template does not use is ignored."""
    template = template_for(kind, overrides)
    if unknown_placeholders(kind, template):  # saved before a kind lost a placeholder
        template = DEFAULTS[kind]
    return template.format_map({name: values.get(name, "") for name in PLACEHOLDERS[kind]})
