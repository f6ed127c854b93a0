"""The case life cycle (R11–R14) as data: which step leads from which statuses where."""

from __future__ import annotations

from queue_server.cases.exceptions import IllegalCaseStep
from queue_server.cases.models import (
    ARCHIVED,
    ISSUED,
    READY,
    REFUSED,
    REGISTERED,
    RESULT_RECEIVED,
    RETURNED,
    SENT,
    STORED,
    Case,
)
from queue_server.messages import Term

# action → (statuses it starts from, status it leads to)
STEPS: dict[str, tuple[tuple[str, ...], str]] = {
    "send": ((REGISTERED,), SENT),
    "result": ((SENT,), RESULT_RECEIVED),
    "ready": ((RESULT_RECEIVED,), READY),
    "issue": ((READY, STORED), ISSUED),
    "refuse": ((READY, STORED), REFUSED),
    "store": ((READY,), STORED),
    "return": ((STORED, REFUSED), RETURNED),
    "archive": ((STORED, REFUSED, ISSUED), ARCHIVED),
}
# The steps a clerk takes with a reason to close a case that was not issued.
CLOSING_STEPS = ("refuse", "return", "archive")
# R13: a result can be handed over from these statuses.
ISSUABLE = STEPS["issue"][0]
STATUS_RU = {
    REGISTERED: "зарегистрировано",
    SENT: "передано в орган",
    RESULT_RECEIVED: "результат поступил в МФЦ",
    READY: "готово к выдаче",
    ISSUED: "выдано",
    REFUSED: "заявитель отказался от получения",
    STORED: "на хранении в МФЦ",
    RETURNED: "возвращено в орган",
    ARCHIVED: "передано в архив",
}


def advance(case: Case, action: str) -> str:
    """Move the case along `action` and return its previous status; IllegalCaseStep if barred."""
    sources, target = STEPS[action]
    if case.status not in sources:
        raise IllegalCaseStep(
            number=case.registration_number,
            status=Term("case_status", case.status),
            step=Term("case_step", action),
            allowed=tuple(Term("case_status", s) for s in sources),
        )
    previous = case.status
    case.status = target
    return previous
