"""Request and response shapes: channel configurations, office settings, subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator

from queue_server.messages import check_failed
from queue_server.notifications import templates
from queue_server.types import NoNul, RequestModel

Url = Annotated[str, StringConstraints(max_length=500), NoNul]
Secret = Annotated[str, StringConstraints(max_length=300), NoNul]
Param = Annotated[str, StringConstraints(max_length=500), NoNul]


class SmsConfig(RequestModel):
    """An HTTP SMS gateway's "send" call: URL, method, parameters with placeholders.

    Placeholders in `params`, `headers` and `url`: {phone} (digits, 79161234567),
    {phone_plus} (+79161234567), {text}, {login}, {password}, {sender}. `body` says where
    the parameters go: the query string, a form, or a JSON object. A gateway that answers
    200 even when it failed is told apart by `success_contains` (a text its good answer has).
    """

    enabled: bool = False
    url: Url = ""
    method: Literal["GET", "POST"] = "POST"
    body: Literal["query", "form", "json"] = "json"
    params: dict[Annotated[str, StringConstraints(max_length=64)], Param] = Field(
        default_factory=lambda: {"to": "{phone}", "text": "{text}"}, max_length=20
    )
    headers: dict[Annotated[str, StringConstraints(max_length=64)], Param] = Field(
        default_factory=dict, max_length=10
    )
    login: Secret = ""
    password: Secret = ""
    sender: Annotated[str, StringConstraints(max_length=32), NoNul] = ""
    success_contains: Annotated[str, StringConstraints(max_length=100), NoNul] = ""
    timeout_seconds: float = Field(default=10.0, gt=0, le=60)


class TelegramConfig(RequestModel):
    """A Telegram bot: its token, the Bot API's base URL (a local mirror or proxy works)."""

    enabled: bool = False
    base_url: Url = "https://api.telegram.org"
    token: Secret = ""
    # The bot's username, for the deep link t.me/<bot>?start=…
    bot_username: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]{0,64}$")] = ""
    timeout_seconds: float = Field(default=10.0, gt=0, le=60)


class EmailConfig(RequestModel):
    """An SMTP server: host, port, security, login, sender address."""

    enabled: bool = False
    host: Annotated[str, StringConstraints(max_length=253), NoNul] = ""
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "starttls"
    username: Secret = ""
    password: Secret = ""
    sender: Annotated[str, StringConstraints(max_length=254), NoNul] = ""
    timeout_seconds: float = Field(default=10.0, gt=0, le=60)


class NotificationSettingsIn(RequestModel):
    """An office's notification settings as a manager saves them."""

    sms: SmsConfig = Field(default_factory=SmsConfig)
    telegram: TelegramConfig = Field(default_factory=TelegramConfig)
    email: EmailConfig = Field(default_factory=EmailConfig)
    near_people_ahead: int = Field(default=3, ge=0, le=100)
    near_minutes: int = Field(default=10, ge=0, le=240)
    return_warning_days: int = Field(default=3, ge=0, le=60)
    per_recipient_per_hour: int = Field(default=10, ge=1, le=100)
    templates: dict[str, Annotated[str, StringConstraints(max_length=500), NoNul]] = Field(
        default_factory=dict
    )

    @field_validator("templates")
    @classmethod
    def _known_kinds_and_placeholders(cls, value: dict[str, str]) -> dict[str, str]:
        for kind, text in value.items():
            if kind not in templates.DEFAULTS:
                raise check_failed("notification_kind_unknown", kind=kind)
            bad = templates.unknown_placeholders(kind, text)
            if bad:
                allowed = ", ".join("{" + p + "}" for p in sorted(templates.PLACEHOLDERS[kind]))
                raise check_failed(
                    "notification_placeholder_unknown",
                    kind=templates.KIND_NAMES_RU[kind],
                    names=", ".join(bad),
                    allowed=allowed,
                )
        return {kind: text for kind, text in value.items() if text.strip()}


class NotificationSettingsOut(BaseModel):
    """An office's settings; passwords and tokens are never sent back, only whether set."""

    sms: dict[str, object]
    telegram: dict[str, object]
    email: dict[str, object]
    near_people_ahead: int
    near_minutes: int
    return_warning_days: int
    per_recipient_per_hour: int
    templates: dict[str, str]
    defaults: dict[str, str]
    placeholders: dict[str, list[str]]


class SubscribeIn(RequestModel):
    """An applicant's phone (or e-mail) and consent, for a ticket or a case."""

    channel: Literal["sms", "email"] = "sms"
    phone: Annotated[str, StringConstraints(max_length=32), NoNul] = ""
    email: Annotated[str, StringConstraints(max_length=254), NoNul] = ""
    consent: bool
    source: Literal["kiosk", "status_page"] = "status_page"


class SubscriptionOut(BaseModel):
    """A subscription as staff and the applicant see it: the contact masked."""

    id: int
    channel: str
    address_masked: str
    source: str
    consent_at: datetime
    keep_until: datetime | None
    removed: bool


class TicketNotificationsOut(BaseModel):
    """What the status page shows: current subscriptions and the Telegram deep link."""

    subscriptions: list[SubscriptionOut]
    sms_available: bool
    email_available: bool
    telegram_link: str | None
    consent_text: str


class ChannelsOut(BaseModel):
    """Which channels an office sends by (for its staff's forms)."""

    sms: bool
    email: bool
    telegram_bot: str


class KindSummary(BaseModel):
    """Messages of one kind and channel in a period, by outcome."""

    kind: str
    kind_name: str
    channel: str
    sent: int
    pending: int
    failed: int
    expired: int
    skipped: int
    attempts: int


class RecentMessage(BaseModel):
    """One message for the manager's report (contact masked)."""

    id: int
    kind: str
    channel: str
    address_masked: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str


class NotificationReport(BaseModel):
    """The office's notifications from `since` to `until`."""

    since: datetime
    until: datetime
    summary: list[KindSummary]
    recent: list[RecentMessage]
