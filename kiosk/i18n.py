"""Screen texts in Russian (default) and English."""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Электронная очередь", "Queue terminal"),
    "welcome": ("Здравствуйте! Выберите, зачем вы пришли", "Hello! Choose what you came for"),
    "lang_other": ("English", "Русский"),
    "contrast": ("Контраст", "High contrast"),
    "large": ("Крупный текст", "Larger text"),
    "start": ("В начало", "Start"),
    "back": ("Назад", "Back"),
    "booking": ("У меня есть запись", "I have a booking"),
    "booking_hint": ("Введите код из подтверждения записи", "Enter the code from your booking"),
    "results": ("Получить готовый результат", "Collect a result"),
    "results_hint": ("Готовые документы по расписке", "Ready documents, by your receipt"),
    "priority": ("Льготная категория", "Priority category"),
    "priority_hint": ("Обслуживание вне очереди", "Served out of turn"),
    "priority_choose": ("Выберите категорию", "Choose your category"),
    "priority_proof": (
        "Документ, подтверждающий льготу, проверит сотрудник в окне: {proof}",
        "The clerk at the window will check your document: {proof}",
    ),
    "priority_chosen": ("Льготная категория: {name}", "Priority category: {name}"),
    "priority_remove": ("Отменить льготу", "Remove priority"),
    "choose_service": ("Выберите услугу", "Choose a service"),
    "documents_title": ("Что нужно взять с собой", "What you need to bring"),
    "original": ("оригинал", "original"),
    "copy": ("копия", "copy"),
    "original_copy": ("оригинал и копия", "original and copy"),
    # A document the service's list marks as not required (the same entry the intake
    # form checks): the applicant may come without it.
    "optional": ("можно не приносить", "you may come without it"),
    "have_all": ("У меня есть все документы", "I have all the documents"),
    "take_anyway": ("Понятно, всё равно взять талон", "I understand, take a ticket anyway"),
    "no_docs": ("Что делать, если документов нет?", "What if I do not have them?"),
    "no_docs_title": ("Если каких-то документов нет", "If some documents are missing"),
    "no_docs_text": (
        "Без полного комплекта документов заявление не примут. Вы можете прийти позже "
        "со всеми документами или получить консультацию: специалист подскажет, где их взять.",
        "Without the full set of documents the application cannot be accepted. Come back "
        "later with all of them, or get advice: a specialist will tell you where to get them.",
    ),
    "take_consult": ("Взять талон на консультацию", "Take a ticket for advice"),
    "no_documents_needed": ("Документы не нужны.", "No documents needed."),
    "take_ticket": ("Взять талон", "Take a ticket"),
    "variant": ("Ваш случай: {name}", "Your case: {name}"),
    "your_ticket": ("Ваш талон", "Your ticket"),
    "ahead": ("Перед вами", "People ahead"),
    "wait": ("Ожидание", "Estimated wait"),
    "minutes": ("≈ {n} мин", "≈ {n} min"),
    "no_open_window": (
        "Сейчас нет открытых окон для этой услуги",
        "No window is serving this service right now",
    ),
    "issued": ("Выдан", "Issued"),
    "take_paper": ("Возьмите талон из принтера.", "Take your ticket from the printer."),
    "qr_hint": (
        "Наведите камеру телефона на QR-код, чтобы следить за очередью",
        "Scan the QR code with your phone to follow the queue",
    ),
    "done": ("Готово", "Done"),
    "notify_offer": ("Сообщить по СМС, когда подойдёт очередь", "Text me when my turn is near"),
    "notify_title": ("СМС о вашей очереди", "Text messages about your turn"),
    "notify_hint": (
        "Введите номер мобильного телефона: пришлём СМС, когда очередь подойдёт, "
        "и когда вас вызовут к окну.",
        "Enter your mobile number: we will text you when your turn is near and when "
        "you are called to a window.",
    ),
    "notify_phone": ("Номер телефона", "Phone number"),
    "notify_consent": (
        "Согласен(на) на обработку номера телефона для уведомлений об очереди. Номер "
        "хранится до конца рабочего дня и затем удаляется.",
        "I agree to the processing of my phone number for queue notifications. The "
        "number is kept until the end of the working day and then deleted.",
    ),
    "notify_send": ("Получать СМС", "Text me"),
    "notify_skip": ("Не нужно", "No, thanks"),
    "notify_done": ("Готово: СМС придут на номер {phone}.", "Done: texts go to {phone}."),
    "notify_unavailable": (
        "Не удалось сохранить номер: {reason}",
        "The number was not saved: {reason}",
    ),
    "not_printed": (
        "Талон не удалось напечатать ({reason}). Ваш номер записан в очереди — "
        "запомните или сфотографируйте его. Сотрудник может распечатать талон повторно.",
        "The ticket could not be printed ({reason}). Your number is in the queue — "
        "remember it or take a photo. A clerk can print the ticket again.",
    ),
    "print_again": ("Напечатать ещё раз", "Print again"),
    "printer_title": ("Талоны сейчас не печатаются", "Tickets cannot be printed right now"),
    "printer_paper_out": ("В принтере закончилась бумага.", "The printer is out of paper."),
    "printer_cover_open": ("Открыта крышка принтера.", "The printer cover is open."),
    "printer_error": ("Принтер неисправен.", "The printer has a fault."),
    "printer_offline": ("Принтер не подключён.", "The printer is not connected."),
    "printer_unknown": ("Принтер не отвечает.", "The printer does not answer."),
    "printer_help": (
        "Пожалуйста, обратитесь к сотруднику — он поможет. Талон не выдан.",
        "Please ask a member of staff for help. No ticket was issued.",
    ),
    "try_again": ("Попробовать снова", "Try again"),
    "offline_title": ("Нет связи с сервером очереди", "No connection to the queue server"),
    "offline_text": (
        "Мы пробуем снова автоматически. Талон не будет выдан дважды. Попытка {n}.",
        "We are trying again automatically. You will not get two tickets. Attempt {n}.",
    ),
    "offline_start": (
        "Нет связи с сервером очереди. Пробуем снова…",
        "No connection to the queue server. Trying again…",
    ),
    "closed_title": ("Офис сейчас закрыт", "The office is closed now"),
    "closed_next": ("Откроется {when}", "Opens {when}"),
    "closed_none": ("Дата открытия не назначена.", "No opening is scheduled."),
    "late_title": ("Возможно, вас не успеют принять сегодня", "You may not be served today"),
    "late_text": (
        "Перед вами {waiting} чел., ожидание ≈ {estimate} мин, а офис закрывается в {closes} "
        "(через {left} мин).",
        "{waiting} people are ahead of you, the wait is ≈ {estimate} min, and the office "
        "closes at {closes} (in {left} min).",
    ),
    "refused_title": ("Талон не выдан", "No ticket was issued"),
    "booking_title": ("Код записи", "Booking code"),
    "booking_check_in": ("Отметиться", "Check in"),
    "erase": ("Стереть", "Erase"),
    "booking_not_found": (
        "Запись с таким кодом не найдена. Проверьте код.",
        "No booking with this code. Please check it.",
    ),
    "checkin_too_early": ("Слишком рано для этой записи.", "Too early for this booking."),
    "checkin_too_late": ("Время этой записи прошло.", "The time of this booking has passed."),
    "office_closed": ("Офис сейчас закрыт.", "The office is closed now."),
    "live_instead": ("Взять талон в живую очередь", "Take a live-queue ticket"),
    "retype_code": ("Ввести ещё раз", "Enter it again"),
    "still_here": ("Вы ещё здесь?", "Are you still here?"),
    "still_here_text": (
        "Если ничего не нажать, экран вернётся в начало через {n} с.",
        "If nothing is touched, the screen returns to the start in {n} s.",
    ),
    "continue": ("Продолжить", "Continue"),
    "other_services": ("Другие услуги", "Other services"),
    "unavailable": ("Недоступно", "Unavailable"),
}

WEEKDAYS = {
    "ru": ("пн", "вт", "ср", "чт", "пт", "сб", "вс"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def text(lang: str, key: str, **values: Any) -> str:
    """The text for `key` in `lang` (ru or en) with `values` filled in."""
    ru, en = TEXTS[key]
    template = en if lang == "en" else ru
    return template.format(**values) if values else template


def name(lang: str, item: dict[str, Any], field: str = "name") -> str:
    """An item's English name when English is chosen and it has one, else the Russian one."""
    if lang == "en" and item.get(f"{field}_en"):
        return str(item[f"{field}_en"])
    return str(item.get(f"{field}_ru", ""))
