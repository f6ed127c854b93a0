"""Imports every domain's tables so that metadata (Alembic, tests) sees them all."""

import queue_server.cases.models  # noqa: F401  (cases, register, history, issuances)
from queue_server.agreements.models import Agreement, AgreementService
from queue_server.audit.models import AuditEntry
from queue_server.auth.models import ApiToken, DemoDeviceToken, Device, User
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
from queue_server.complaints.models import Complaint, ComplaintCounter, ComplaintStep
from queue_server.db import Base
from queue_server.devices.models import TicketPrintJob
from queue_server.events.models import Event
from queue_server.notifications.models import (
    DeliveryAttempt,
    EventCursor,
    NotificationMessage,
    NotificationSettings,
    PollerLease,
    Subscription,
)
from queue_server.offices.models import Office, OfficeDay
from queue_server.ratings.models import Rating
from queue_server.reports.models import ReportHour, ReportPeriod, ReportWaitBucket
from queue_server.tickets.models import (
    ChosenCall,
    RemoteQueuePolicy,
    RemoteQueueService,
    RemoteTicket,
    Ticket,
    TicketCounter,
    TicketTransition,
    WaitBreach,
)
from queue_server.windows.models import Window, WindowService

__all__ = [
    "Agency",
    "Agreement",
    "AgreementService",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Booking",
    "BookingNotification",
    "BookingPolicy",
    "BookingServiceRule",
    "ChosenCall",
    "Complaint",
    "ComplaintCounter",
    "ComplaintStep",
    "DeliveryAttempt",
    "DemoDeviceToken",
    "Device",
    "Event",
    "EventCursor",
    "NotificationMessage",
    "NotificationSettings",
    "Office",
    "OfficeDay",
    "PollerLease",
    "PriorityCategory",
    "QuestionOption",
    "Rating",
    "RemoteQueuePolicy",
    "RemoteQueueService",
    "RemoteTicket",
    "ReportHour",
    "ReportPeriod",
    "ReportWaitBucket",
    "Service",
    "ServiceDocument",
    "ServiceGroup",
    "ServiceQuestion",
    "ServiceVariant",
    "Subscription",
    "Ticket",
    "TicketCounter",
    "TicketPrintJob",
    "TicketTransition",
    "User",
    "WaitBreach",
    "Window",
    "WindowService",
]
