"""What the report's codes are called in Russian: the rows keep their codes (the charts
and the API read them); each coded column carries its names, which pages and exports show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from admin.reports.tables import Column, Report

WEEKDAYS_RU = {
    1: "понедельник",
    2: "вторник",
    3: "среда",
    4: "четверг",
    5: "пятница",
    6: "суббота",
    7: "воскресенье",
}
SERVICE_KINDS_RU = {
    "intake": "приём документов",
    "issuance": "выдача результатов",
    "consultation": "консультация",
    "other": "прочее",
}
QUEUES_RU = {"live": "живая очередь", "booked": "предварительная запись"}
BOOKING_STATUSES_RU = {
    "booked": "записан, не пришёл ещё",
    "checked_in": "пришёл",
    "cancelled": "отменена",
    "no_show": "не пришёл",
}
CASE_STATUSES_RU = {
    "registered": "зарегистрировано",
    "sent_to_agency": "передано в орган",
    "result_received": "результат получен",
    "ready": "готово к выдаче",
    "issued": "выдано",
    "refused": "отказ",
    "stored": "на хранении",
    "returned": "возвращено в орган",
    "archived": "в архиве",
}
# Column key → its names, for every table; (table, column) → names, where a key means
# different things in different tables.
_BY_COLUMN: dict[str, Mapping[Any, str]] = {
    "weekday": WEEKDAYS_RU,
    "kind": SERVICE_KINDS_RU,
    "queue": QUEUES_RU,
}
_BY_TABLE: dict[tuple[str, str], Mapping[Any, str]] = {
    ("booking_outcomes", "status"): BOOKING_STATUSES_RU,
    ("case_overdue", "status"): CASE_STATUSES_RU,
}


def name_codes(report: Report) -> Report:
    """Give every coded column of the report (offices included) its Russian names."""
    offices = {o.code: o.name for o in report.scope.offices}
    for table in report.tables.values():
        columns: list[Column] = []
        for column in table.columns:
            names = _BY_TABLE.get((table.key, column.key)) or (
                offices if column.key == "office" else _BY_COLUMN.get(column.key)
            )
            columns.append(column if names is None else replace(column, names=dict(names)))
        table.columns = columns
    return report


def shown(value: Any, column: Column) -> Any:
    """The value as people read it: its name when the column has names."""
    if value is None or column.names is None:
        return value
    return column.names.get(value, value)
