"""R16: what the audit trail records and what it never holds.

The actions and their Russian names (the audit page's filter and the export), and the
keys of a detail that never reach it (passwords, tokens, hashes).
"""

from __future__ import annotations

import re

ACTIONS: dict[str, str] = {
    "login": "Вход в систему",
    "login_failed": "Неудачная попытка входа",
    "office_changed": "Изменение офиса",
    "office_day_changed": "Изменение часов работы на день",
    "office_day_removed": "Отмена особых часов работы на день",
    "service_changed": "Изменение услуги",
    "catalogue_changed": "Изменение справочника",
    "window_changed": "Изменение окна",
    "account_created": "Создание учётной записи",
    "account_changed": "Изменение учётной записи",
    "password_reset": "Смена пароля",
    "device_added": "Регистрация устройства",
    "device_revoked": "Отзыв устройства",
    "case_settings_changed": "Изменение настроек дел",
    "personal_data_viewed": "Просмотр персональных данных",
    "export": "Выгрузка",
    "reprint": "Повторная печать",
    # A clerk's moves of a ticket (the automatic R5 recalls and no-shows are the ticket's
    # own history, not a person's action) and the issuance of a result.
    "ticket_called_chosen": "Вызов выбранного талона",
    "ticket_recalled": "Повторный вызов талона",
    "ticket_no_show": "Неявка по талону",
    "ticket_postponed": "Талон отложен",
    "ticket_returned": "Талон возвращён в очередь",
    "ticket_transferred": "Передача талона",
    "ticket_redirected": "Перенаправление талона",
    "result_issued": "Выдача результата",
}
#: Detail keys whose values are never stored, whatever their case.
SECRET_KEYS = re.compile(r"pass|token|secret|hash|authorization|cookie", re.IGNORECASE)
#: Values that look like a credential (a device token, a bearer token) are masked too.
SECRET_VALUE = re.compile(r"dev_[A-Za-z0-9_-]{8,}|[A-Za-z0-9_-]{32,}")
MASK = "***"
#: Longest text kept of one detail value.
MAX_VALUE_CHARS = 200
