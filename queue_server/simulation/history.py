"""A past for the demo office: the last 30 days filled with simulated days, in seconds.

Simulating 30 days through the real services would take minutes (tens of milliseconds
per ticket). Instead two representative days — a weekday and a Saturday — are simulated
once with the real services on a scratch database (for the demo's own configuration,
once for all: `demo_days.py` keeps them in a file), and their rows (tickets,
transitions, breaches, bookings, day counters) are copied in bulk onto each past date of
the same kind, shifted by whole local days, with fresh ids (`bulk.py`: through the
driver). Every row copied was written by the real services, so the copies are as
consistent as a real day: every report, chart, the heatmap and the staffing planner read
them as they are. The served intakes then become cases of the register, with their
steps, visits and issuances (`history_cases`), and a share of the served applicants rate
their visit (`history_ratings`). (The events outbox is not copied: no report reads it,
and boards resuming from an event id must not replay a month.)

Days differ from their template: each copy keeps a share of the template's applicants,
drawn per date within its weekday's range (Monday the busiest, Tuesday to Thursday the
quietest), so the daily counts vary as real ones do.

Re-running is safe: a date that already has tickets of the office is left alone, so
`make demo` twice adds nothing, and a demo started again a week later fills only the
new past days. History ends yesterday in the office's zone, whatever the machine's zone.
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_server.auth.models import Device, User
from queue_server.bookings.models import Booking
from queue_server.catalogue.models import PriorityCategory, Service
from queue_server.clock import Clock
from queue_server.config_io import ConfigFile, OfficeConfig
from queue_server.db import Database
from queue_server.demo import CATALOGUE, DEMO_OFFICE, HISTORY_CLERKS, demo_config
from queue_server.offices.calendar import local_now, public_holiday_name
from queue_server.offices.models import Office
from queue_server.simulation.bulk import BulkRows
from queue_server.simulation.config import Arrivals, SimConfig
from queue_server.simulation.engine import Simulation
from queue_server.simulation.history_cases import add_history_cases
from queue_server.simulation.history_ratings import add_history_ratings
from queue_server.simulation.scratch import scratch_database
from queue_server.tickets.models import Ticket, TicketCounter, TicketTransition, WaitBreach
from queue_server.windows.models import Window

HISTORY_DAYS = 30
# The representative days, on a fixed week (the result must not depend on today): each
# past date copies the template of its weekday's kind. Sunday: the office is closed.
TEMPLATE_MONDAY = date(2026, 11, 23)
TEMPLATE_OF_WEEKDAY = {0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: 5}  # Mon–Fri → Monday; Saturday
# The share of the template's applicants each weekday keeps (drawn per date).
KEEP_SHARE = {
    0: (0.95, 1.0),
    1: (0.82, 0.9),
    2: (0.82, 0.9),
    3: (0.82, 0.9),
    4: (0.88, 0.95),
    5: (0.9, 1.0),
}
# Applicants per day of the demo's six windows: busy, with queues at the peaks and at
# lunch breaks, as a small МФЦ is (the default 20-window office takes ~2,000).
DEMO_DAILY_TOTALS = {"mon": 380, "sat": 120}
# The real МФЦ schedule for the simulated days (the demo office itself is open round the
# clock so that the demo works at any hour).
TEMPLATE_HOURS: dict[str, list[str]] = {
    **{d: ["08:00", "19:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
    "sat": ["10:00", "14:00"],
}

_DAY = timedelta(days=1)
_TICKET_TIMES = (
    "due_at",
    "issued_at",
    "waiting_since",
    "warn_at",
    "deadline",
    "called_at",
    "last_called_at",
    "started_at",
    "finished_at",
)
_BOOKING_TIMES = ("slot_start", "created_at", "checked_in_at", "cancelled_at", "no_show_at")
_BREACH_TIMES = ("waiting_since", "deadline", "detected_at", "called_at")


def demo_sim_config(*, daily_totals: dict[str, float] | None = None) -> SimConfig:
    """The demo office as the simulator sees it: its catalogue and windows, МФЦ hours."""
    office = demo_config().offices[DEMO_OFFICE].model_dump()
    office["opening_hours"] = TEMPLATE_HOURS
    return SimConfig(
        office_code=DEMO_OFFICE,
        catalogue=ConfigFile.model_validate({k: v for k, v in CATALOGUE.items() if k != "offices"}),
        office=OfficeConfig.model_validate(office),
        arrivals=Arrivals(per_day=dict(daily_totals or DEMO_DAILY_TOTALS)),
    )


@dataclass
class TemplateDay:
    """The rows one simulated day left in the scratch database, as plain dicts."""

    day: date
    tickets: list[dict[str, Any]] = field(default_factory=list)
    transitions: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    breaches: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    bookings: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Bookings never checked in (missed: no ticket), by their own id.
    lone_bookings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Templates:
    """The simulated days, and what their ids stand for (codes, numbers, usernames)."""

    days: dict[int, TemplateDay]  # by weekday (0 = Monday)
    service_codes: dict[int, str]
    window_numbers: dict[int, int]
    usernames: dict[int, str]
    category_codes: dict[int, str]
    kiosk_names: dict[int, str]


@dataclass(frozen=True)
class HistoryResult:
    """What `fill_history` did."""

    days_filled: list[date]
    days_skipped: list[date]
    tickets: int
    cases: int = 0
    ratings: int = 0


def simulate_templates(
    *, config: SimConfig | None = None, seed: int = 1, on_day: Callable[[date], None] | None = None
) -> Templates:
    """The representative days through the real services on a scratch database."""
    config = config or demo_sim_config()
    with scratch_database() as db:
        sim = Simulation(db=db, config=config, seed=seed, start=TEMPLATE_MONDAY)
        wanted = sorted(set(TEMPLATE_OF_WEEKDAY.values()))
        day = TEMPLATE_MONDAY
        for offset in range(max(wanted) + 1):
            day = TEMPLATE_MONDAY + timedelta(days=offset)
            if offset in wanted:
                sim.run_day(day)
                if on_day is not None:
                    on_day(day)
        return _read_templates(db, {TEMPLATE_MONDAY + timedelta(days=w): w for w in wanted})


def _rows(session: Session, model: Any, *where: Any) -> list[dict[str, Any]]:
    columns = [c.key for c in model.__table__.columns]
    return [
        {c: getattr(obj, c) for c in columns}
        for obj in session.scalars(select(model).where(*where).order_by(model.id))
    ]


def _read_templates(db: Database, weekdays: dict[date, int]) -> Templates:
    with db.transaction(read_only=True) as session:
        days = {w: TemplateDay(day=d) for d, w in weekdays.items()}
        for ticket in _rows(session, Ticket, Ticket.day.in_(list(weekdays))):
            days[weekdays[ticket["day"]]].tickets.append(ticket)
        by_ticket = {t["id"]: weekdays[t["day"]] for d in days.values() for t in d.tickets}
        for step in _rows(session, TicketTransition):
            if step["ticket_id"] in by_ticket:
                days[by_ticket[step["ticket_id"]]].transitions.setdefault(
                    step["ticket_id"], []
                ).append(step)
        for breach in _rows(session, WaitBreach):
            if breach["ticket_id"] in by_ticket:
                days[by_ticket[breach["ticket_id"]]].breaches.setdefault(
                    breach["ticket_id"], []
                ).append(breach)
        zone_of = {o.id: ZoneInfo(o.timezone) for o in session.scalars(select(Office))}
        booked = {t["booking_id"] for d in days.values() for t in d.tickets if t["booking_id"]}
        for booking in _rows(session, Booking):
            local_day = booking["slot_start"].astimezone(zone_of[booking["office_id"]]).date()
            if local_day not in weekdays:
                continue
            template = days[weekdays[local_day]]
            if booking["id"] in booked:
                template.bookings[booking["id"]] = booking
            else:
                template.lone_bookings.append(booking)
        return Templates(
            days=days,
            service_codes={k: v for k, v in session.execute(select(Service.id, Service.code))},
            window_numbers={k: v for k, v in session.execute(select(Window.id, Window.number))},
            usernames={k: v for k, v in session.execute(select(User.id, User.username))},
            category_codes=dict(
                session.execute(select(PriorityCategory.id, PriorityCategory.code)).all()
            ),
            kiosk_names={k: v for k, v in session.execute(select(Device.id, Device.name))},
        )


def history_days(office: Office, clock: Clock) -> list[date]:
    """The past dates history covers: the 30 days up to yesterday, in the office's zone."""
    today = local_now(office, clock.now()).date()
    return [today - timedelta(days=n) for n in range(HISTORY_DAYS, 0, -1)]


def days_to_fill(*, session: Session, office: Office, clock: Clock) -> list[date]:
    """Past dates of the history period that have no ticket of the office yet (and are not
    Sundays or public holidays, when a МФЦ is closed)."""
    days = history_days(office, clock)
    taken = set(
        session.scalars(
            select(Ticket.day)
            .where(Ticket.office_id == office.id, Ticket.day >= days[0], Ticket.day <= days[-1])
            .distinct()
        )
    )
    return [
        d
        for d in days
        if d not in taken
        and d.weekday() in TEMPLATE_OF_WEEKDAY
        and not public_holiday_name(office.calendar_country, d)
    ]


class _IdMaps:
    """Template ids (scratch database) → ids of the same things in the target database."""

    def __init__(self, session: Session, office: Office, templates: Templates) -> None:
        services = {k: v for k, v in session.execute(select(Service.code, Service.id))}
        windows = dict(
            session.execute(
                select(Window.number, Window.id).where(Window.office_id == office.id)
            ).all()
        )
        users = {k: v for k, v in session.execute(select(User.username, User.id))}
        categories = {
            k: v for k, v in session.execute(select(PriorityCategory.code, PriorityCategory.id))
        }
        kiosks = list(
            session.scalars(
                select(Device.id)
                .where(Device.office_id == office.id, Device.kind == "kiosk")
                .order_by(Device.revoked, Device.name, Device.id)
            )
        )
        self.office_id = office.id
        self.service = {tid: services[code] for tid, code in templates.service_codes.items()}
        self.window = {
            tid: windows[n] for tid, n in templates.window_numbers.items() if n in windows
        }
        manager = users.get("manager")
        self.user: dict[int, int | None] = {}
        for tid, name in templates.usernames.items():
            # Simulated clerks are "<office>-clerk-<window>"; the demo's staff take their
            # windows. The simulated manager (who cancels the unserved at closing) is the
            # demo's manager.
            number = name.rsplit("-", 1)[-1]
            username = HISTORY_CLERKS.get(int(number)) if number.isdigit() else None
            self.user[tid] = users.get(username or "", manager)
        self.category = {
            tid: categories[code]
            for tid, code in templates.category_codes.items()
            if code in categories
        }
        names = sorted(set(templates.kiosk_names.values()))
        self.kiosk = {
            tid: kiosks[names.index(name) % len(kiosks)] if kiosks else None
            for tid, name in templates.kiosk_names.items()
        }


def _shift(value: datetime | None, days: int, zone: ZoneInfo) -> datetime | None:
    """The same local wall-clock time `days` later (exact across offset changes)."""
    if value is None:
        return None
    local = value.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    return local.replace(tzinfo=zone)


def _shifter(source: date, days: int, zone: ZoneInfo) -> Callable[[datetime | None], Any]:
    """`_shift` by `days` for the instants of the local date `source`, made cheap: when the
    zone's offset is the same all through `source` and its copy (no clock change on
    either), the same wall-clock time is the same UTC instant plus whole days. A month
    has some 100,000 instants to move."""
    step = timedelta(days=days)

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone)

    first, after = midnight(source), midnight(source + timedelta(days=1))
    if not _same_offset(source, days, zone):
        return lambda value: _shift(value, days, zone)

    def shifted(value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if first <= value < after:
            return value + step
        return _shift(value, days, zone)

    return shifted


def _same_offset(source: date, days: int, zone: ZoneInfo) -> bool:
    """Whether the zone's offset is the same all through `source` and its copy `days`
    later (no clock change on either), so the same wall-clock time is the same UTC
    instant plus whole days (`_shifter`'s test)."""
    step = timedelta(days=days)

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone)

    moments = (midnight(source), midnight(source) + _DAY, midnight(source) + step)
    return len({m.utcoffset() for m in (*moments, moments[2] + _DAY)}) == 1


def _stored_mover(days: int) -> Callable[[Any], Any]:
    """Move a stored (bind-processed) UTC instant by whole days: a naive datetime
    (PostgreSQL's driver takes it as it is) or SQLite's text, "YYYY-MM-DD HH:MM:SS.ffffff"
    (only its date changes). `test_demo_history` checks it against the processors."""
    step = timedelta(days=days)
    dates: dict[str, str] = {}

    def move(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            head = value[:10]
            moved = dates.get(head)
            if moved is None:
                moved = dates[head] = (date.fromisoformat(head) + step).isoformat()
            return moved + value[10:]
        return value + step

    return move


class _TableRows:
    """A template's rows of one table converted once for the target database, with the
    ids that do not change between copies (service, window, clerk…) already mapped; a
    copy only gives the per-copy columns and moves the instants."""

    def __init__(
        self,
        bulk: BulkRows,
        model: Any,
        rows: Sequence[dict[str, Any]],
        times: Sequence[str],
        fixed: Callable[[dict[str, Any]], dict[str, Any]],
        bounds: tuple[datetime, datetime],
    ) -> None:
        self.table = model.__table__
        self.columns = [c.name for c in self.table.columns if c.name != "id"]
        self.processors = bulk.processors(self.table, self.columns)
        self.index = {name: n for n, name in enumerate(self.columns)}
        self.times = [self.index[t] for t in times]
        self._time_names = tuple(times)
        first, after = bounds
        self.rows: list[tuple[dict[str, Any], list[Any], bool]] = []
        for row in rows:
            mapped = {**row, **fixed(row)}
            # Instants all on the template's local date: moved as stored values; others
            # (rare: a booking made the day before) through the zone, row by row.
            inside = all(row[t] is None or first <= row[t] < after for t in self._time_names)
            self.rows.append((mapped, self._convert(mapped), inside))

    def _convert(self, row: dict[str, Any]) -> list[Any]:
        return [
            row[name] if process is None else process(row[name])
            for name, process in zip(self.columns, self.processors, strict=True)
        ]

    def convert_one(self, name: str, value: Any) -> Any:
        """One per-copy value as the column stores it."""
        process = self.processors[self.index[name]]
        return value if process is None else process(value)

    def copies(
        self,
        chosen: Sequence[int],
        per_copy: Callable[[int, dict[str, Any]], dict[str, Any]],
        move: Callable[[Any], Any] | None,
        shift: Callable[[datetime | None], Any],
    ) -> list[list[Any]]:
        """The rows at positions `chosen`, each with `per_copy(position, row)`'s stored
        values and its instants moved: by `move` on the stored values when the day allows
        (`_same_offset`), else through the zone (`shift`) and converted again."""
        out = []
        index = self.index
        for position in chosen:
            mapped, stored, inside = self.rows[position]
            if move is not None and inside:
                values = stored.copy()
                for n in self.times:
                    values[n] = move(values[n])
            else:
                values = self._convert(
                    {**mapped, **{t: shift(mapped[t]) for t in self._time_names}}
                )
            for name, value in per_copy(position, mapped).items():
                values[index[name]] = value
            out.append(values)
        return out


@dataclass
class _PreparedDay:
    """A template day ready to be copied many times (`_prepare`)."""

    template: TemplateDay
    office_id: int
    tickets: _TableRows
    transitions: _TableRows
    breaches: _TableRows
    bookings: _TableRows
    # Per ticket position: its transitions' and breaches' positions, its booking's.
    steps_of: list[list[int]]
    breaches_of: list[list[int]]
    booking_of: list[int | None]
    lone: list[int]


def _prepare(bulk: BulkRows, ids: _IdMaps, template: TemplateDay, zone: ZoneInfo) -> _PreparedDay:
    first = datetime.combine(template.day, time(0), tzinfo=zone)
    bounds = (first, first + _DAY)

    def people(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "service_id": ids.service[row["service_id"]],
            "window_id": ids.window.get(row["window_id"] or 0),
            "clerk_id": ids.user.get(row["clerk_id"] or 0),
        }

    def ticket_ids(row: dict[str, Any]) -> dict[str, Any]:
        return {
            **people(row),
            "office_id": ids.office_id,
            "idempotency_key": None,
            "priority_category_id": ids.category.get(row["priority_category_id"] or 0),
            "issued_by_device_id": ids.kiosk.get(row["issued_by_device_id"] or 0),
            "target_window_id": ids.window.get(row["target_window_id"] or 0),
            "target_clerk_id": ids.user.get(row["target_clerk_id"] or 0),
        }

    steps = [s for t in template.tickets for s in template.transitions.get(t["id"], [])]
    breaches = [b for t in template.tickets for b in template.breaches.get(t["id"], [])]
    booked = [template.bookings[t["booking_id"]] for t in template.tickets if t["booking_id"]]
    bookings = booked + list(template.lone_bookings)
    steps_of, breaches_of, booking_of = [], [], []
    n_step = n_breach = n_booking = 0
    for ticket in template.tickets:
        count = len(template.transitions.get(ticket["id"], []))
        steps_of.append(list(range(n_step, n_step + count)))
        n_step += count
        count = len(template.breaches.get(ticket["id"], []))
        breaches_of.append(list(range(n_breach, n_breach + count)))
        n_breach += count
        booking_of.append(n_booking if ticket["booking_id"] else None)
        n_booking += 1 if ticket["booking_id"] else 0
    return _PreparedDay(
        template=template,
        office_id=ids.office_id,
        tickets=_TableRows(bulk, Ticket, template.tickets, _TICKET_TIMES, ticket_ids, bounds),
        transitions=_TableRows(bulk, TicketTransition, steps, ("at",), people, bounds),
        breaches=_TableRows(
            bulk,
            WaitBreach,
            breaches,
            _BREACH_TIMES,
            lambda row: {**people(row), "office_id": ids.office_id},
            bounds,
        ),
        bookings=_TableRows(
            bulk,
            Booking,
            bookings,
            _BOOKING_TIMES,
            lambda row: {"office_id": ids.office_id, "service_id": ids.service[row["service_id"]]},
            bounds,
        ),
        steps_of=steps_of,
        breaches_of=breaches_of,
        booking_of=booking_of,
        lone=list(range(len(booked), len(bookings))),
    )


def fill_history(
    *,
    session: Session,
    office: Office,
    clock: Clock,
    templates: Templates | Callable[[], Templates],
    seed: int = 1,
) -> HistoryResult:
    """Copy the template days onto each past date without tickets; the caller commits.

    `templates` may be a function: it is called only when some date needs filling, so a
    re-run with history already in place simulates (or loads) nothing.
    """
    missing = days_to_fill(session=session, office=office, clock=clock)
    all_days = history_days(office, clock)
    if not missing:
        return HistoryResult([], all_days, 0)
    made = templates() if callable(templates) else templates
    ids = _IdMaps(session, office, made)
    zone = ZoneInfo(office.timezone)
    bulk = BulkRows(session)
    prepared: dict[int, _PreparedDay] = {}
    tickets = 0
    for day in missing:
        kind = TEMPLATE_OF_WEEKDAY[day.weekday()]
        if kind not in prepared:
            prepared[kind] = _prepare(bulk, ids, made.days[kind], zone)
        # Seeded by the date: the same date gets the same day whenever it is filled.
        keep = random.Random(f"{seed}:{day.isoformat()}").uniform(*KEEP_SHARE[day.weekday()])
        tickets += _copy_day(bulk, prepared[kind], day, zone, keep)
    today = all_days[-1] + timedelta(days=1)
    cases = add_history_cases(session=session, office=office, days=missing, today=today, bulk=bulk)
    ratings = add_history_ratings(
        session=session, office=office, days=missing, today=today, bulk=bulk
    )
    return HistoryResult(
        missing, [d for d in all_days if d not in missing], tickets, cases, ratings
    )


def _copy_day(
    bulk: BulkRows, day_rows: _PreparedDay, day: date, zone: ZoneInfo, keep: float
) -> int:
    """One past date from its template: bookings, tickets, then their steps and breaches."""
    template = day_rows.template
    shift = (day - template.day).days
    chooser = random.Random(f"keep:{day.isoformat()}")
    kept = [n for n in range(len(template.tickets)) if chooser.random() < keep]
    lone = [n for n in day_rows.lone if chooser.random() < keep]
    move = _stored_mover(shift) if _same_offset(template.day, shift, zone) else None
    moving = _shifter(template.day, shift, zone)

    chosen_bookings = [b for b in (day_rows.booking_of[n] for n in kept) if b is not None] + lone
    booking_ids = bulk.new_ids(day_rows.bookings.table, len(chosen_bookings))
    new_booking = dict(zip(chosen_bookings, booking_ids, strict=True))
    rows = day_rows.bookings.copies(
        chosen_bookings,
        lambda n, _row: {"code": secrets.token_hex(5).upper()},
        move,
        moving,
    )
    bulk.insert(
        day_rows.bookings.table,
        ["id", *day_rows.bookings.columns],
        ([new_booking[n], *row] for n, row in zip(chosen_bookings, rows, strict=True)),
    )
    if not kept:
        return 0
    ticket_ids = bulk.new_ids(day_rows.tickets.table, len(kept))
    new_ticket = dict(zip(kept, ticket_ids, strict=True))
    stored_day = day_rows.tickets.convert_one("day", day)

    def ticket_values(n: int, _row: dict[str, Any]) -> dict[str, Any]:
        booking = day_rows.booking_of[n]
        return {
            "day": stored_day,
            "status_code": secrets.token_urlsafe(12),
            "booking_id": None if booking is None else new_booking[booking],
        }

    rows = day_rows.tickets.copies(kept, ticket_values, move, moving)
    bulk.insert(
        day_rows.tickets.table,
        ["id", *day_rows.tickets.columns],
        ([new_ticket[n], *row] for n, row in zip(kept, rows, strict=True)),
    )
    for table_rows, of in (
        (day_rows.transitions, day_rows.steps_of),
        (day_rows.breaches, day_rows.breaches_of),
    ):
        owner = {position: new_ticket[n] for n in kept for position in of[n]}
        bulk.insert(
            table_rows.table,
            table_rows.columns,
            table_rows.copies(sorted(owner), _owned_by(owner), move, moving),
        )
    last_seq: dict[str, int] = defaultdict(int)
    for n in kept:
        row = template.tickets[n]
        last_seq[row["prefix"]] = max(last_seq[row["prefix"]], row["seq"])
    bulk.insert_dicts(
        TicketCounter,
        [
            {"office_id": day_rows.office_id, "prefix": p, "day": day, "last_seq": n}
            for p, n in sorted(last_seq.items())
        ],
    )
    return len(kept)


def _owned_by(owner: dict[int, int]) -> Callable[[int, dict[str, Any]], dict[str, Any]]:
    """A step's or breach's per-copy value: its copied ticket."""
    return lambda position, _row: {"ticket_id": owner[position]}


def history_ticket_count(*, session: Session, office: Office, clock: Clock) -> int:
    """Tickets of the office on the history's dates (for the demo's banner)."""
    days = history_days(office, clock)
    return int(
        session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.office_id == office.id, Ticket.day.between(days[0], days[-1]))
        )
        or 0
    )
