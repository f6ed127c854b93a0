"""What a simulated office looks like: catalogue, windows, clerks, arrivals and behaviour.

Read from a TOML or JSON file; every part left out takes the default below, a 20-window
office shaped like a real МФЦ day (a morning peak and an after-work peak, ~2,000 tickets on
a Monday). The catalogue and the office use the import format of `mfc-queue config import`
(`config_io.ConfigFile`), so a real office's exported configuration can be simulated as is.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from queue_server.config_io import ConfigFile, OfficeConfig
from queue_server.demo import CATALOGUE
from queue_server.offices.calendar import WEEKDAYS

# Weights of the hours of a weekday (local time), after the footfall of a city МФЦ: a
# morning peak before noon and an after-work peak from 17:00; Saturday is one short hump.
WEEKDAY_SHAPE: dict[int, float] = {
    8: 0.6,
    9: 1.0,
    10: 1.3,
    11: 1.3,
    12: 1.1,
    13: 0.9,
    14: 0.9,
    15: 0.9,
    16: 1.0,
    17: 1.3,
    18: 1.2,
}
SATURDAY_SHAPE: dict[int, float] = {10: 1.0, 11: 1.2, 12: 1.1, 13: 0.8}
DAILY_TOTALS: dict[str, float] = {
    "mon": 2000,
    "tue": 1700,
    "wed": 1700,
    "thu": 1700,
    "fri": 1800,
    "sat": 700,
    "sun": 0,
}

# (share of arrivals, mean service minutes) per service of the demo catalogue.
DEFAULT_MIX: dict[str, tuple[float, float]] = {
    "passport": (0.12, 10.0),
    "passport_foreign": (0.06, 12.0),
    "residence": (0.06, 7.0),
    "realty_rights": (0.08, 10.0),
    "egrn_extract": (0.05, 5.0),
    "snils": (0.07, 4.0),
    "child_benefit": (0.07, 8.0),
    "inn": (0.04, 4.0),
    "results": (0.22, 2.5),
    "passport_pickup": (0.08, 3.5),
    "consult": (0.10, 4.0),
    "case_status": (0.05, 2.5),
}

# Window groups of the default office: (first, last window, primary, secondary services),
# sized by each group's share of the work (share × mean service time of its services).
DEFAULT_WINDOW_GROUPS: list[tuple[int, int, list[str], list[str]]] = [
    (1, 8, ["passport", "passport_foreign", "residence"], ["consult"]),
    (9, 12, ["realty_rights", "egrn_extract"], ["consult"]),
    (13, 15, ["snils", "child_benefit", "inn"], ["results"]),
    (16, 18, ["results", "passport_pickup"], ["case_status", "consult"]),
    (19, 20, ["consult", "case_status"], ["results", "passport_pickup"]),
]


class ServiceTime(BaseModel):
    """How long serving one applicant takes: log-normal by default, or exponential."""

    model_config = ConfigDict(extra="forbid")
    mean_minutes: float = Field(gt=0, le=480)
    # Standard deviation of the logarithm: 0.5 gives the long right tail of real desks.
    sigma: float = Field(default=0.5, ge=0, le=3)
    distribution: Literal["lognormal", "exponential"] = "lognormal"


class Clerk(BaseModel):
    """A clerk at one window: shifts and breaks in local "HH:MM" (default: opening hours)."""

    model_config = ConfigDict(extra="forbid")
    window: int
    shifts: list[tuple[str, str]] | None = None
    breaks: list[tuple[str, str]] = []


class Arrivals(BaseModel):
    """Poisson arrivals: a rate per local hour for each weekday.

    Either `rates` (weekday → {hour: arrivals per hour}) or a daily total per weekday
    spread over the hours by `shape` ({hour: weight}; Saturday has its own).
    """

    model_config = ConfigDict(extra="forbid")
    per_day: dict[str, float] = Field(default_factory=lambda: dict(DAILY_TOTALS))
    shape: dict[int, float] = Field(default_factory=lambda: dict(WEEKDAY_SHAPE))
    saturday_shape: dict[int, float] = Field(default_factory=lambda: dict(SATURDAY_SHAPE))
    rates: dict[str, dict[int, float]] | None = None

    def hourly_rates(self, weekday: str) -> dict[int, float]:
        """Arrivals per hour, by local hour, on a weekday ("mon"…"sun")."""
        if self.rates is not None:
            return dict(self.rates.get(weekday, {}))
        shape = self.saturday_shape if weekday == "sat" else self.shape
        total = self.per_day.get(weekday, 0.0)
        weight = sum(shape.values())
        return {h: total * w / weight for h, w in shape.items()} if weight else {}


class Bookings(BaseModel):
    """Applicants who booked a slot (R4) and how punctual they are."""

    model_config = ConfigDict(extra="forbid")
    share: float = Field(default=0.08, ge=0, le=1)
    # Check-in time relative to the slot, minutes (negative: early), normal distribution.
    checkin_offset_mean_minutes: float = -6.0
    checkin_offset_sd_minutes: float = 8.0
    missed: float = Field(default=0.08, ge=0, le=1)


class Return(BaseModel):
    """R8: the second visit, to collect the result of an intake some days later."""

    model_config = ConfigDict(extra="forbid")
    service: str
    share: float = Field(ge=0, le=1)
    after_days: tuple[int, int] = (5, 12)


class SimConfig(BaseModel):
    """The whole simulated office and its applicants."""

    model_config = ConfigDict(extra="forbid")
    office_code: str = "sim"
    catalogue: ConfigFile = Field(default_factory=lambda: _default_catalogue())
    office: OfficeConfig = Field(default_factory=lambda: _default_office())
    clerks: list[Clerk] | None = None
    arrivals: Arrivals = Field(default_factory=Arrivals)
    mix: dict[str, float] = Field(default_factory=lambda: {s: m[0] for s, m in DEFAULT_MIX.items()})
    service_times: dict[str, ServiceTime] = Field(
        default_factory=lambda: {s: ServiceTime(mean_minutes=m[1]) for s, m in DEFAULT_MIX.items()}
    )
    # Seconds from the call until the applicant is at the window (uniform); 0 0 for M/M/c.
    walk_seconds: tuple[float, float] = (5.0, 45.0)
    no_show: float = Field(default=0.03, ge=0, le=1)
    priority_share: float = Field(default=0.05, ge=0, le=1)
    bookings: Bookings = Field(default_factory=Bookings)
    redirect: float = Field(default=0.02, ge=0, le=1)
    redirect_to: dict[str, float] = Field(default_factory=lambda: {"consult": 1.0})
    returns: dict[str, Return] = Field(default_factory=lambda: _default_returns())

    @model_validator(mode="after")
    def _known_services(self) -> SimConfig:
        known = set(self.catalogue.services)
        for part, codes in (
            ("mix", self.mix),
            ("service_times", self.service_times),
            ("redirect_to", self.redirect_to),
        ):
            unknown = set(codes) - known
            if unknown:
                raise ValueError(f"{part}: services {sorted(unknown)} are not in the catalogue")
        missing = set(self.mix) - set(self.service_times)
        if missing:
            raise ValueError(f"service_times: no time given for {sorted(missing)}")
        for weekday in set(self.arrivals.per_day) | set(self.arrivals.rates or {}):
            if weekday not in WEEKDAYS:
                raise ValueError(f"arrivals: unknown weekday {weekday!r}")
        return self

    def clerk_list(self) -> list[Clerk]:
        """The clerks: as configured, or one per active window with a staggered break."""
        if self.clerks is not None:
            return self.clerks
        numbers = sorted(n for n, w in self.office.windows.items() if w.active)
        clerks = []
        for i, number in enumerate(numbers):
            # Lunch breaks of 30 minutes spread over 12:00–15:00, so few windows close at once.
            start = 12 * 60 + (i * 30) % 180
            clerks.append(Clerk(window=number, breaks=[(_hhmm(start), _hhmm(start + 30))]))
        return clerks


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _default_catalogue() -> ConfigFile:
    return ConfigFile.model_validate({k: v for k, v in CATALOGUE.items() if k != "offices"})


def _default_office() -> OfficeConfig:
    windows: dict[int, Any] = {}
    for first, last, primary, secondary in DEFAULT_WINDOW_GROUPS:
        services = [{"service": s, "order": 1} for s in primary]
        services += [{"service": s, "order": 2} for s in secondary]
        for number in range(first, last + 1):
            windows[number] = {"services": services}
    return OfficeConfig.model_validate(
        {"name": "МФЦ (симуляция)", "timezone": "Europe/Moscow", "windows": windows}
    )


def _default_returns() -> dict[str, Return]:
    intake = ["passport_foreign", "residence", "realty_rights", "egrn_extract", "snils", "inn"]
    returns = {code: Return(service="results", share=0.7) for code in intake}
    returns["passport"] = Return(service="passport_pickup", share=0.9, after_days=(10, 14))
    return returns


def load_config(path: Path | None) -> SimConfig:
    """The configuration in a TOML or JSON file (by its suffix), or the default office."""
    if path is None:
        return SimConfig()
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    return SimConfig.model_validate(data)
