"""The live state of one office for its dashboard: queues, windows, alerts, today's figures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from admin.reports.service import today_figures
from queue_server.agreements.service import expiry_alerts as agreement_alerts
from queue_server.auth.models import Device, User
from queue_server.cases.models import Case
from queue_server.catalogue.models import Service
from queue_server.complaints.deadlines import dashboard_alerts as complaint_alerts
from queue_server.devices import rules as device_rules
from queue_server.offices.calendar import local_now
from queue_server.offices.models import Office
from queue_server.tickets import rules
from queue_server.tickets.models import CALLED, SERVING, WAITING, Ticket
from queue_server.windows.models import Window

# What a device's reported printer state means to a manager.
PRINTER_STATES_RU = {
    "ready": "принтер готов",
    "paper_near_end": "бумага скоро закончится",
    "paper_out": "закончилась бумага",
    "cover_open": "открыта крышка принтера",
    "error": "принтер неисправен",
    "offline": "принтер не подключён",
    "unknown": "принтер не отвечает",
}
DEVICE_STATES_RU = {"warning": "предупреждение", "error": "неисправность"}


_LIGHTS = {rules.OK: "green", rules.WARNING: "amber", rules.BREACH: "red"}


def _light(began: datetime, now: datetime, limit_minutes: int, warning_ratio: float) -> str:
    """The light of something running since `began` against its limit (the wait-state rule)."""
    warn_at, deadline = rules.wait_due_times(
        began, limit_minutes=limit_minutes, warning_share=warning_ratio
    )
    return _LIGHTS[rules.wait_state(now=now, warn_at=warn_at, deadline=deadline)]


def office_dashboard(*, session: Session, office: Office, now: datetime) -> dict[str, Any]:
    """Everything the dashboard shows, computed at `now` (the injected clock)."""
    alerts: list[dict[str, Any]] = []
    queues = _queues(session, office, now)
    alerts += _late_ticket_alerts(session, office, now)
    windows = _windows(session, office, now)
    alerts += [
        {
            "level": "amber",
            "kind": "over_norm",
            "text": f"Окно {w['number']}: обслуживание дольше норматива",
        }
        for w in windows
        if w["light"] == "red"
    ]
    alerts += _device_alerts(session, office, now)
    alerts += _case_alerts(session, office)
    alerts += complaint_alerts(session=session, office=office, now=now)  # R17
    alerts += agreement_alerts(session=session, today=local_now(office, now).date())  # R18
    today = local_now(office, now).date()
    return {
        "office": office.code,
        "office_name": office.name,
        "now": now.isoformat(),
        "queues": queues,
        "windows": windows,
        "alerts": alerts,
        "today": {"date": today.isoformat(), **today_figures(session, office, today)},
    }


def _queues(session: Session, office: Office, now: datetime) -> list[dict[str, Any]]:
    """Per service with people waiting: how many, the longest wait and its light."""
    rows = session.execute(
        select(
            Service.code,
            Service.name_ru,
            Service.wait_limit_minutes,
            func.count(Ticket.id),
            func.min(Ticket.waiting_since),
        )
        .join(Ticket, Ticket.service_id == Service.id)
        .where(Ticket.office_id == office.id, Ticket.status == WAITING)
        .group_by(Service.code, Service.name_ru, Service.wait_limit_minutes)
        .order_by(Service.code)
    ).all()
    return [
        {
            "service": code,
            "name": name,
            "waiting": int(waiting),
            "longest_wait_s": int((now - oldest).total_seconds()),
            "limit_s": limit_minutes * 60,
            "light": _light(oldest, now, limit_minutes, office.warning_ratio),
        }
        for code, name, limit_minutes, waiting, oldest in rows
    ]


def _late_ticket_alerts(session: Session, office: Office, now: datetime) -> list[dict[str, Any]]:
    """The tickets near or past their own deadline (booked tickets have their own)."""
    late = session.execute(
        select(Ticket.number, Service.code, Ticket.waiting_since, Ticket.warn_at, Ticket.deadline)
        .join(Service, Service.id == Ticket.service_id)
        .where(
            Ticket.office_id == office.id,
            Ticket.status == WAITING,
            Ticket.warn_at <= now,
            # Back from a hold: its wait was judged at its first call (clerk/moves.py).
            Ticket.called_at.is_(None),
        )
        .order_by(Ticket.deadline)
    ).all()
    alerts = []
    for number, service, waited_from, warn_at, deadline in late:
        breached = rules.wait_state(now=now, warn_at=warn_at, deadline=deadline) == rules.BREACH
        minutes = int((now - waited_from).total_seconds()) // 60
        alerts.append(
            {
                "level": "red" if breached else "amber",
                "kind": "breach" if breached else "near_limit",
                "text": f"{number} ({service}) ждёт {minutes} мин",
            }
        )
    return alerts


def _windows(session: Session, office: Office, now: datetime) -> list[dict[str, Any]]:
    """Each window: closed, free, paused, calling or serving, with its timer and light."""
    current = {
        t.window_id: t
        for t in session.scalars(
            select(Ticket).where(
                Ticket.office_id == office.id, Ticket.status.in_((CALLED, SERVING))
            )
        )
    }
    windows = session.scalars(
        select(Window).where(Window.office_id == office.id).order_by(Window.number)
    )
    return [_window(session, office, window, current.get(window.id), now) for window in windows]


def _window(
    session: Session, office: Office, window: Window, ticket: Ticket | None, now: datetime
) -> dict[str, Any]:
    clerk = session.get(User, window.clerk_id) if window.clerk_id else None
    state = "closed"
    timer: int | None = None
    norm: int | None = None
    light: str | None = None
    if clerk is not None:
        state = "paused" if window.paused else "free"
    if ticket is not None:
        state = "serving" if ticket.status == SERVING else "calling"
        began = ticket.started_at if ticket.status == SERVING else ticket.last_called_at
        timer = int((now - began).total_seconds()) if began else None
        if ticket.status == SERVING:
            norm_minutes = ticket.service.service_norm_minutes
            norm = norm_minutes * 60
            light = _light(began or now, now, norm_minutes, office.warning_ratio)
    return {
        "number": window.number,
        "state": state,
        "clerk": clerk.full_name or clerk.username if clerk else None,
        "pause_reason": window.pause_reason if window.paused else "",
        "ticket": ticket.number if ticket else None,
        "timer_s": timer,
        "norm_s": norm,
        "light": light,
    }


def _device_alerts(session: Session, office: Office, now: datetime) -> list[dict[str, Any]]:
    """Devices whose heartbeats stopped, and devices reporting trouble.

    Silence is judged by the heartbeats (devices/rules.py): every device reports at least
    once a minute, so "нет связи" appears only after several missed ones and clears with
    the first that arrives. A silent device's last state is old news and is not shown.
    """
    alerts: list[dict[str, Any]] = []
    for device in session.scalars(
        select(Device)
        .where(Device.office_id == office.id, Device.revoked.is_(False))
        .order_by(Device.name, Device.id)
    ):
        detail = device.state_detail or {}
        if device_rules.is_silent(last_heard=device.state_at, now=now):
            alerts.append(
                {"level": "amber", "kind": "device_offline", "text": f"{device.name}: нет связи"}
            )
        elif device.state in ("warning", "error"):
            printer = detail.get("printer")
            what = (
                PRINTER_STATES_RU.get(str(printer))
                if printer is not None
                else detail.get("message") or DEVICE_STATES_RU[device.state]
            ) or DEVICE_STATES_RU[device.state]
            alerts.append(
                {
                    "level": "red" if device.state == "error" else "amber",
                    "kind": "device",
                    "text": f"{device.name}: {what}",
                }
            )
    return alerts


def _case_alerts(session: Session, office: Office) -> list[dict[str, Any]]:
    """Open cases past their transfer or agency deadline (R11)."""
    overdue = session.scalar(
        select(func.count(Case.id)).where(
            Case.office_id == office.id,
            Case.closed_at.is_(None),
            (Case.transfer_overdue_flagged.is_(True)) | (Case.agency_overdue_flagged.is_(True)),
        )
    )
    if not overdue:
        return []
    return [{"level": "amber", "kind": "cases_overdue", "text": f"Просроченных дел: {overdue}"}]
