"""Payloads of the board state and the WebSocket control messages."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class BoardCallOut(BaseModel):
    """A recent call: which number goes to which window."""

    ticket_id: int
    number: str
    window: int | None
    status: str
    service: str
    called_at: datetime | None
    last_called_at: datetime | None
    recall_count: int


class BoardWaitingOut(BaseModel):
    """How many wait for one service."""

    service: str
    name_ru: str
    name_en: str
    prefix: str
    waiting: int


class BoardStateOut(BaseModel):
    """Everything a board shows; `last_event_id` is where its WebSocket resumes."""

    office: str
    office_name: str
    timezone: str
    now: datetime
    last_event_id: int
    calls: list[BoardCallOut]
    waiting: list[BoardWaitingOut]
