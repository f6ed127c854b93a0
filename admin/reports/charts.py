"""Report charts drawn by matplotlib on the server (SVG for pages, PNG for PDF and XLSX)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from admin.reports.tables import Report

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CHARTS = ("wait_by_hour", "within_by_service", "heatmap")
WEEKDAYS_RU = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _minutes(value: Any) -> float:
    return 0.0 if value is None else float(value) / 60.0


def _wait_by_hour(fig: Figure, report: Report, ru: bool) -> None:
    rows = report.tables["wait_by_hour"].rows
    ax = fig.add_subplot()
    hours = [r["hour"] for r in rows]
    ax.bar([h - 0.2 for h in hours], [_minutes(r["median"]) for r in rows], 0.4,
           label="медиана" if ru else "median")  # fmt: skip
    ax.bar([h + 0.2 for h in hours], [_minutes(r["p90"]) for r in rows], 0.4,
           label="90-й перцентиль" if ru else "p90")  # fmt: skip
    limits = {r["limit"] for r in rows if r["limit"] is not None}
    for limit in sorted(limits):
        ax.axhline(limit / 60.0, color="red", linestyle="--", linewidth=1)
    ax.set_xlabel("час прихода" if ru else "hour of arrival")
    ax.set_ylabel("ожидание, мин" if ru else "wait, min")
    ax.set_title("Ожидание по часам" if ru else "Wait by hour")
    ax.set_xticks(hours or [0])
    ax.legend()


def _within_by_service(fig: Figure, report: Report, ru: bool) -> None:
    rows = report.tables["wait_by_service"].rows
    ax = fig.add_subplot()
    names = [r["service_name"] if ru else r["service"] for r in rows]
    shares = [100.0 * (r["within_share"] or 0.0) for r in rows]
    colors = ["#2e7d32" if s >= 95 else "#f9a825" if s >= 80 else "#c62828" for s in shares]
    ax.barh(names, shares, color=colors)
    ax.axvline(95, color="black", linestyle=":", linewidth=1)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% в пределах норматива" if ru else "% within the limit")
    ax.set_title("Доля ожиданий в пределах норматива" if ru else "Waits within the limit")


def _heatmap(fig: Figure, report: Report, ru: bool) -> None:
    rows = report.tables["wait_heatmap"].rows
    ax = fig.add_subplot()
    hours = sorted({r["hour"] for r in rows}) or [0]
    grid = [[float("nan")] * len(hours) for _ in range(7)]
    for r in rows:
        grid[r["weekday"] - 1][hours.index(r["hour"])] = _minutes(r["mean"])
    image = ax.imshow(grid, aspect="auto", cmap="YlOrRd")
    ax.set_yticks(range(7), WEEKDAYS_RU if ru else WEEKDAYS_EN)
    ax.set_xticks(range(len(hours)), [str(h) for h in hours])
    ax.set_xlabel("час прихода" if ru else "hour of arrival")
    ax.set_title("Среднее ожидание, мин" if ru else "Mean wait, min")
    fig.colorbar(image, ax=ax)


_DRAW = {"wait_by_hour": _wait_by_hour, "within_by_service": _within_by_service,
         "heatmap": _heatmap}  # fmt: skip


def render_chart(report: Report, chart: str, *, fmt: str = "svg", lang: str = "ru") -> bytes:
    """One chart of the report as SVG or PNG bytes."""
    # matplotlib (and numpy under it) is imported by the first chart, not at start-up: a
    # server that never draws one keeps ~40 MiB less per worker.
    import matplotlib

    matplotlib.use("Agg")  # no display on a server; set before anything imports pyplot
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4), layout="constrained")
    _DRAW[chart](fig, report, lang == "ru")
    out = io.BytesIO()
    fig.savefig(out, format=fmt, dpi=110)
    return out.getvalue()
