"""Notification rows → response shapes: secrets never leave, contacts only masked."""

from __future__ import annotations

from typing import Any

from queue_server.notifications import templates
from queue_server.notifications.models import NotificationSettings, Subscription
from queue_server.notifications.schemas import (
    EmailConfig,
    NotificationSettingsOut,
    SmsConfig,
    SubscriptionOut,
    TelegramConfig,
)

_SECRETS = {"sms": ("password",), "telegram": ("token",), "email": ("password",)}


def _without_secrets(name: str, config: dict[str, Any]) -> dict[str, Any]:
    shown = dict(config)
    for secret in _SECRETS[name]:
        shown[f"{secret}_set"] = bool(shown.pop(secret, ""))
    return shown


def settings_out(row: NotificationSettings | None) -> NotificationSettingsOut:
    """The office's settings with the defaults filled in; secrets only as "is set"."""
    sms = SmsConfig.model_validate(row.sms) if row and row.sms else SmsConfig()
    telegram = TelegramConfig.model_validate(row.telegram) if row and row.telegram else None
    email = EmailConfig.model_validate(row.email) if row and row.email else EmailConfig()
    return NotificationSettingsOut(
        sms=_without_secrets("sms", sms.model_dump()),
        telegram=_without_secrets("telegram", (telegram or TelegramConfig()).model_dump()),
        email=_without_secrets("email", email.model_dump()),
        near_people_ahead=row.near_people_ahead if row else 3,
        near_minutes=row.near_minutes if row else 10,
        return_warning_days=row.return_warning_days if row else 3,
        per_recipient_per_hour=row.per_recipient_per_hour if row else 10,
        templates=dict(row.templates) if row and row.templates else {},
        defaults=dict(templates.DEFAULTS),
        placeholders={k: sorted(v) for k, v in templates.PLACEHOLDERS.items()},
    )


def subscription_out(row: Subscription) -> SubscriptionOut:
    """A subscription with its contact masked."""
    return SubscriptionOut(
        id=row.id,
        channel=row.channel,
        address_masked=row.address_masked,
        source=row.source,
        consent_at=row.consent_at,
        keep_until=row.keep_until,
        removed=row.purged_at is not None,
    )
