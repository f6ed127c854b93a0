"""Report roll-ups: per office and closed local day (and per closed month), the figures
the reports would otherwise recompute from every ticket of the period.

`admin/reports/rollup.py` fills them as days close and repairs them on demand; the tables
live here so that the metadata (migrations, tests) sees them with the other domains.
A row with `span` "d" holds one local day; with `span` "m", a whole month (its first day
in `day`), the sum of that month's day rows.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from queue_server.db import Base, UTCDateTime


class ReportPeriod(Base):
    """A rolled-up day (or month) of an office: its ticket counts; the marker that the
    other roll-up rows of that day exist."""

    __tablename__ = "report_periods"

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)
    span: Mapped[str] = mapped_column(String(1), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    rolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued: Mapped[int] = mapped_column(Integer, default=0)
    served: Mapped[int] = mapped_column(Integer, default=0)
    no_show: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[int] = mapped_column(Integer, default=0)
    redirected: Mapped[int] = mapped_column(Integer, default=0)
    open_tickets: Mapped[int] = mapped_column(Integer, default=0)
    breaches: Mapped[int] = mapped_column(Integer, default=0)


class ReportWaitBucket(Base):
    """Waits (or service times) of one key of one report dimension, in one minute.

    `fine` holds the counts of each second of that minute (packed, see
    admin/reports/histogram.py), so that medians and p90 stay exact to the second while a
    year's report reads a few thousand minute rows.
    """

    __tablename__ = "report_wait_buckets"

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)
    span: Mapped[str] = mapped_column(String(1), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    dim: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    k1: Mapped[int] = mapped_column(Integer, primary_key=True)
    k2: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    total_v: Mapped[int] = mapped_column(BigInteger)
    max_v: Mapped[int] = mapped_column(Integer)
    within: Mapped[int] = mapped_column(Integer)
    lim: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fine: Mapped[bytes] = mapped_column(LargeBinary)


class ReportHour(Base):
    """The staffing planner's figures of one local hour of a closed day."""

    __tablename__ = "report_hours"

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    weekday: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    # Waits that began in this hour.
    arrivals: Mapped[int] = mapped_column(Integer, default=0)
    called: Mapped[int] = mapped_column(Integer, default=0)
    within: Mapped[int] = mapped_column(Integer, default=0)
    service_n: Mapped[int] = mapped_column(Integer, default=0)
    service_sum: Mapped[int] = mapped_column(BigInteger, default=0)
    min_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Distinct windows that called someone in this hour.
    open_windows: Mapped[int] = mapped_column(Integer, default=0)
