"""The chosen-call report: every ticket a clerk called out of the dispatcher's order, with
the reason given, the clerk, the window and the time in the office's zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.reports.labels import name_codes
from admin.reports.scope import Scope
from admin.reports.tables import Column, Report, Table
from queue_server.auth.models import User
from queue_server.clerk import rules
from queue_server.messages import EN, TERMS
from queue_server.tickets.models import ChosenCall, Ticket
from queue_server.windows.models import Window

#: Rows at most in one report (a year of a busy office stays far below).
MAX_ROWS = 20_000
#: The reasons as the manager reads them; the rows keep the codes.
REASONS_RU = {code: TERMS["call_reason"][code].ru for code in rules.CHOSEN_CALL_REASONS}
REASONS_EN = {code: TERMS["call_reason"][code].en for code in rules.CHOSEN_CALL_REASONS}


def _columns(lang: str) -> list[Column]:
    return [
        Column("at", "Время вызова", "Called at"),
        Column("office", "Офис", "Office"),
        Column("ticket", "Талон", "Ticket"),
        Column("window", "Окно", "Window", "int"),
        Column("clerk", "Сотрудник", "Clerk"),
        Column("reason", "Причина", "Reason", names=REASONS_EN if lang == EN else REASONS_RU),
        Column("note", "Пояснение", "Note"),
    ]


def chosen_calls(*, session: Session, scope: Scope, now: datetime, lang: str = "ru") -> Report:
    """The chosen calls of the scope's offices on its local dates, oldest first."""
    since, until = scope.utc_bounds()
    zones = {o.id: ZoneInfo(o.timezone) for o in scope.offices}
    codes = {o.id: o.code for o in scope.offices}
    found = session.execute(
        select(ChosenCall, Ticket.number, Window.number, User.full_name, User.username)
        .join(Ticket, Ticket.id == ChosenCall.ticket_id)
        .join(Window, Window.id == ChosenCall.window_id)
        .join(User, User.id == ChosenCall.clerk_id)
        .where(
            ChosenCall.office_id.in_(scope.office_ids),
            ChosenCall.at >= since,
            ChosenCall.at < until,
        )
        .order_by(ChosenCall.at, ChosenCall.id)
        .limit(MAX_ROWS)
    ).all()
    rows = []
    for call, ticket, window, full_name, username in found:
        local = call.at.astimezone(zones[call.office_id])
        if not scope.start <= local.date() <= scope.end:
            continue  # inside the UTC bounds of all offices, outside this office's dates
        rows.append(
            {
                "at": local.strftime("%d.%m.%Y %H:%M"),
                "office": codes[call.office_id],
                "ticket": ticket,
                "window": window,
                "clerk": full_name or username,
                "reason": call.reason,
                "note": call.note,
            }
        )
    table = Table(
        "chosen_calls",
        "Вызовы выбранных талонов",
        "Chosen calls",
        _columns(lang),
        rows,
        note="Время — по часовому поясу офиса.",
        note_en="Times in the office's time zone.",
    )
    return name_codes(Report(scope=scope, generated_at=now, tables={table.key: table}))
