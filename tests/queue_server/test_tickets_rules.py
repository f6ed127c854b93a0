"""The regulation's figures and calculations of the queue (R1–R5), one test per rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from queue_server.bookings import rules as booking_rules
from queue_server.catalogue.models import KIND_DEFAULTS
from queue_server.offices.models import Office
from queue_server.offices.schemas import OfficeIn
from queue_server.tickets import rules

T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def test_r1_r2_r3_wait_limits_by_kind() -> None:
    """R1: 15 min to hand in, R2: 10 min to collect, R3: 15 min for information."""
    assert rules.WAIT_LIMIT_MINUTES_BY_KIND == {"intake": 15, "issuance": 10, "consultation": 15}
    assert rules.SERVICE_NORM_MINUTES_BY_KIND == {"intake": 30, "issuance": 5, "consultation": 10}
    assert KIND_DEFAULTS == {"intake": (15, 30), "issuance": (10, 5), "consultation": (15, 10)}


def test_r1_due_times_of_a_wait() -> None:
    """R1: a 15-minute limit warns at 80 % (12 min) and is breached at 15 min."""
    warn_at, deadline = rules.wait_due_times(T0, limit_minutes=15, warning_share=0.8)
    assert warn_at == T0 + timedelta(minutes=12) and deadline == T0 + timedelta(minutes=15)


def test_r1_wait_state_is_ok_then_warning_then_breach_when_the_limit_is_reached() -> None:
    """R1–R3: the wait state; "at most 15 minutes" is used up at the 15th minute."""
    warn_at, deadline = rules.wait_due_times(T0, limit_minutes=15, warning_share=0.8)

    def state(minutes: float) -> str:
        return rules.wait_state(
            now=T0 + timedelta(minutes=minutes), warn_at=warn_at, deadline=deadline
        )

    assert [state(m) for m in (0, 11.9, 12, 14.9, 15, 16)] == [
        "ok",
        "ok",
        "warning",
        "warning",
        "breach",
        "breach",
    ]


def test_r5_recall_and_no_show_are_due_a_minute_after_the_last_call() -> None:
    """R5: recalled 1 min after the call, a no-show 1 min after the recall (defaults)."""
    assert rules.RECALL_AFTER_SECONDS == 60 and rules.NO_SHOW_AFTER_SECONDS == 60
    assert rules.recall_due(T0, recall_after_seconds=60) == T0 + timedelta(minutes=1)
    assert rules.no_show_due(T0, no_show_after_seconds=30) == T0 + timedelta(seconds=30)


def test_the_naive_estimate_shares_the_people_ahead_among_the_serving_windows() -> None:
    """The accuracy table's yardstick: people ahead × norm ÷ windows, rounded up; no windows
    counts as one."""
    assert rules.naive_wait_minutes(ahead=3, norm_minutes=30, serving_windows=2) == 45
    assert rules.naive_wait_minutes(ahead=1, norm_minutes=5, serving_windows=3) == 2
    assert rules.naive_wait_minutes(ahead=2, norm_minutes=10, serving_windows=0) == 20
    assert rules.naive_wait_minutes(ahead=0, norm_minutes=30, serving_windows=1) == 0


def test_r4_check_in_window_and_the_booked_wait() -> None:
    """R4: check-in from 30 min before the slot to 15 after; the booked wait (5 min) runs
    from the later of slot and check-in."""
    assert booking_rules.BOOKED_WAIT_LIMIT_MINUTES == 5
    opens, closes = booking_rules.checkin_window(T0, before_minutes=30, after_minutes=15)
    assert (opens, closes) == (T0 - timedelta(minutes=30), T0 + timedelta(minutes=15))
    early, late = T0 - timedelta(minutes=10), T0 + timedelta(minutes=10)
    assert booking_rules.booked_wait_start(T0, early) == T0
    assert booking_rules.booked_wait_start(T0, late) == late


def test_r1_r4_r5_office_defaults_come_from_the_rules() -> None:
    """An office created without settings gets the rules' figures and the R1 footer."""
    office_in = OfficeIn(name="Новый офис")
    column_default = {c.name: c.default.arg for c in Office.__table__.c if c.default is not None}
    expected = {
        "warning_ratio": rules.WARNING_SHARE,
        "recall_after_seconds": rules.RECALL_AFTER_SECONDS,
        "no_show_after_seconds": rules.NO_SHOW_AFTER_SECONDS,
        "booking_checkin_before_minutes": booking_rules.CHECKIN_BEFORE_MINUTES,
        "booking_checkin_after_minutes": booking_rules.CHECKIN_AFTER_MINUTES,
        "booked_wait_limit_minutes": booking_rules.BOOKED_WAIT_LIMIT_MINUTES,
        "ticket_footer": rules.DEFAULT_TICKET_FOOTER,
    }
    for field, value in expected.items():
        assert getattr(office_in, field) == value and column_default[field] == value
    assert rules.DEFAULT_TICKET_FOOTER == "Ожидание в очереди — не более 15 минут"
