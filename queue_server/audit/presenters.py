"""Audit entries → response shapes and the export's rows."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from queue_server.audit import rules
from queue_server.audit.models import AuditEntry
from queue_server.audit.schemas import AuditEntryOut

ACTOR_KINDS = {
    "user": "сотрудник",
    "device": "устройство",
    "anonymous": "неизвестный",
    "system": "система",
}


def entry_out(entry: AuditEntry, office_codes: dict[int, str]) -> AuditEntryOut:
    """One entry with its office's code and the action's Russian name."""
    return AuditEntryOut(
        id=entry.id,
        at=entry.at,
        actor_kind=entry.actor_kind,
        actor_name=entry.actor_name,
        action=entry.action,
        action_ru=rules.ACTIONS.get(entry.action, entry.action),
        office=office_codes.get(entry.office_id) if entry.office_id else None,
        target=entry.target,
        address=entry.address,
        detail=entry.detail or {},
    )


HEADER = [
    "Время (UTC)",
    "Кто",
    "Учётная запись или устройство",
    "Действие",
    "Офис",
    "Объект",
    "Адрес",
    "Подробности",
]


def to_csv(rows: list[AuditEntryOut]) -> bytes:
    """The entries as CSV (UTF-8 with BOM for spreadsheets)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    for r in rows:
        values: list[Any] = [
            r.at.strftime("%Y-%m-%d %H:%M:%S"),
            ACTOR_KINDS.get(r.actor_kind, r.actor_kind),
            r.actor_name,
            r.action_ru,
            r.office or "",
            r.target,
            r.address,
            json.dumps(r.detail, ensure_ascii=False) if r.detail else "",
        ]
        writer.writerow(values)
    return ("\ufeff" + buffer.getvalue()).encode()
