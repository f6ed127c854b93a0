"""Imports every domain's tables so that metadata (Alembic, tests) sees them all."""

import queue_server.cases.models  # noqa: F401  (cases, register, history, issuances)
from queue_server.auth.models import ApiToken, Device, User
from queue_server.bookings.models import (
    Booking,
    BookingNotification,
    BookingPolicy,
    BookingServiceRule,
)
from queue_server.catalogue.models import (
    Agency,
    PriorityCategory,
    QuestionOption,
    Service,
    ServiceDocument,
    ServiceGroup,
    ServiceQuestion,
    ServiceVariant,
)
from queue_server.db import Base
from queue_server.devices.models import TicketPrintJob
from queue_server.events.models import Event
from queue_server.offices.models import Office, OfficeDay
from queue_server.tickets.models import Ticket, TicketCounter, TicketTransition, WaitBreach
from queue_server.windows.models import Window, WindowService

__all__ = [
    "Agency",
    "ApiToken",
    "Base",
    "Booking",
    "BookingNotification",
    "BookingPolicy",
    "BookingServiceRule",
    "Device",
    "Event",
    "Office",
    "OfficeDay",
    "PriorityCategory",
    "QuestionOption",
    "Service",
    "ServiceDocument",
    "ServiceGroup",
    "ServiceQuestion",
    "ServiceVariant",
    "Ticket",
    "TicketCounter",
    "TicketPrintJob",
    "TicketTransition",
    "User",
    "WaitBreach",
    "Window",
    "WindowService",
]
