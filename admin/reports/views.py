"""Report routes: the report as JSON, its exports, its charts and the staffing plan."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import Query, Response
from fastapi.responses import StreamingResponse
from pydantic import Field

from admin.reports.charts import CHARTS
from admin.reports.chosen_calls import chosen_calls
from admin.reports.exports import MEDIA_TYPES, to_csv
from admin.reports.planner import staffing_plan
from admin.reports.presenters import (
    CHART_MEDIA_TYPES,
    chart_image,
    export_download,
    report_json,
    table_json,
)
from admin.reports.scope import Scope, resolve_scope, visible_offices
from admin.reports.service import build_report
from queue_server.api import api_router
from queue_server.audit.service import record, writes_audit
from queue_server.deps import ClockDep, PrincipalDep, ReportSessionDep, RuntimeDep, SessionDep
from queue_server.errors import DomainError, Forbidden, InvalidInput, ServiceBusy
from queue_server.offices.calendar import local_now
from queue_server.simulation import limits
from queue_server.types import Code, Day, RequestModel

if TYPE_CHECKING:
    from queue_server.simulation.whatif import WhatIfPlan

router = api_router(prefix="/reports", tags=["reports"])

FromQ = Annotated[Day, Query(alias="from", description="First local date, inclusive")]
ToQ = Annotated[Day, Query(alias="to", description="Last local date, inclusive")]
OfficesQ = Annotated[
    list[Code] | None,
    Query(alias="office", max_length=100, description="Office codes; all you may see if none"),
]
LangQ = Annotated[Literal["ru", "en"], Query()]


def _scope(
    session: SessionDep, principal: PrincipalDep, start: date, end: date, offices: list[str] | None
) -> Scope:
    return resolve_scope(
        session=session, principal=principal, office_codes=offices, start=start, end=end
    )


@router.get("/form")
def report_form(session: SessionDep, principal: PrincipalDep, clock: ClockDep) -> dict[str, Any]:
    """What the report form starts with: the current month to today, in the office's zone
    (the caller's office, else the first one they see), and the offices to pick by name."""
    offices = visible_offices(session=session, principal=principal)
    if not offices:
        raise Forbidden(code="wrong_office", key="wrong_office.no_reports")
    home = next((o for o in offices if o.id == principal.office_id), offices[0])
    today = local_now(home, clock.now()).date()
    return {
        "from": today.replace(day=1).isoformat(),
        "to": today.isoformat(),
        "offices": [{"code": o.code, "name": o.name} for o in offices],
    }


@router.get("")
def report(
    session: ReportSessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    start: FromQ,
    end: ToQ,
    office: OfficesQ = None,
    breach_limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
) -> dict[str, Any]:
    """Every table of the report for the period and offices."""
    scope = _scope(session, principal, start, end, office)
    data = build_report(session=session, scope=scope, now=clock.now(), breach_limit=breach_limit)
    return report_json(data)


@router.get("/export.{fmt}")
@writes_audit
def export_report(
    fmt: str,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    start: FromQ,
    end: ToQ,
    office: OfficesQ = None,
    lang: LangQ = "ru",
) -> Response:
    """The report as a CSV, XLSX or PDF download."""
    if fmt not in MEDIA_TYPES:
        raise InvalidInput(code="bad_format", format=fmt, allowed="csv, xlsx, pdf")
    scope = _scope(session, principal, start, end, office)
    data = build_report(session=session, scope=scope, now=clock.now(), breach_limit=10_000)
    record(
        session,
        principal,
        "export",
        None,
        f"отчёт {fmt}",
        {
            "offices": [o.code for o in scope.offices],
            "from": start.isoformat(),
            "to": end.isoformat(),
        },
        clock=clock,
    )
    return export_download(data, fmt, lang=lang)


@router.get("/chosen-calls")
def chosen_call_report(
    session: ReportSessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    start: FromQ,
    end: ToQ,
    office: OfficesQ = None,
) -> dict[str, Any]:
    """Every ticket called out of turn in the period: time, ticket, window, clerk, reason."""
    scope = _scope(session, principal, start, end, office)
    return report_json(chosen_calls(session=session, scope=scope, now=clock.now()))


@router.get("/chosen-calls/export.csv")
@writes_audit
def export_chosen_calls(
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    start: FromQ,
    end: ToQ,
    office: OfficesQ = None,
    lang: LangQ = "ru",
) -> Response:
    """The chosen calls as a CSV for Russian Excel (`;`, decimal comma, UTF-8 with a BOM)."""
    scope = _scope(session, principal, start, end, office)
    data = chosen_calls(session=session, scope=scope, now=clock.now(), lang=lang)
    offices = [o.code for o in scope.offices]
    record(
        session,
        principal,
        "export",
        None,
        "отчёт о вызовах выбранных талонов csv",
        {"offices": offices, "from": start.isoformat(), "to": end.isoformat()},
        clock=clock,
    )
    name = f"chosen_calls_{'-'.join(offices)}_{start}_{end}.csv"
    return Response(
        to_csv(data, lang=lang),
        media_type=MEDIA_TYPES["csv"],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/charts/{chart}.{fmt}")
def chart(
    chart: str,
    fmt: str,
    session: ReportSessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    start: FromQ,
    end: ToQ,
    office: OfficesQ = None,
    lang: LangQ = "ru",
) -> Response:
    """One chart of the report as SVG or PNG."""
    if chart not in CHARTS:
        raise InvalidInput(code="bad_chart", chart=chart, allowed=", ".join(CHARTS))
    if fmt not in CHART_MEDIA_TYPES:
        raise InvalidInput(code="bad_format", format=fmt, allowed="svg, png")
    scope = _scope(session, principal, start, end, office)
    data = build_report(session=session, scope=scope, now=clock.now(), breach_limit=1)
    return chart_image(data, chart, fmt, lang=lang)


@router.get("/staffing")
def staffing(
    session: ReportSessionDep,
    principal: PrincipalDep,
    start: FromQ,
    end: ToQ,
    office: Annotated[Code, Query(description="One office code")],
    weekday: Annotated[int | None, Query(ge=1, le=7, description="ISO weekday only")] = None,
) -> dict[str, Any]:
    """Windows needed per hour (Erlang C, 95% within the limit) beside those actually open."""
    scope = _scope(session, principal, start, end, [office])
    plan = staffing_plan(
        session=session, office=scope.offices[0], start=start, end=end, weekday=weekday
    )
    return table_json(plan)


class WhatIfIn(RequestModel):
    """A day to simulate: open windows per local hour, and (optionally) expected arrivals."""

    office: Code
    windows: Annotated[
        list[Annotated[int, Field(ge=0, le=limits.MAX_WINDOWS)]],
        Field(min_length=24, max_length=24, description="Open windows for each hour 0–23"),
    ]
    arrivals: (
        Annotated[
            list[Annotated[float, Field(ge=0, le=limits.MAX_ARRIVALS_PER_HOUR)]],
            Field(min_length=24, max_length=24, description="Applicants per hour 0–23"),
        ]
        | None
    ) = None
    weekday: Annotated[int | None, Field(ge=1, le=7, description="History of one ISO weekday")] = (
        None
    )
    seeds: Annotated[int, Field(ge=1, le=limits.MAX_SEEDS)] = limits.DEFAULT_SEEDS


@router.get("/whatif/defaults")
def whatif_defaults(
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    office: Annotated[Code, Query(description="One office code")],
) -> dict[str, Any]:
    """The what-if form's starting point: arrivals and windows per hour of four weeks."""
    from admin.reports.whatif import history_defaults  # the simulator on first use

    today = clock.now().date()
    scope = _scope(session, principal, today, today, [office])
    return history_defaults(session=session, office=scope.offices[0], now=clock.now())


@router.post(
    "/whatif",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Progress lines, then the result (one JSON object per line)",
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
        }
    },
)
def whatif_run(
    body: WhatIfIn,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> StreamingResponse:
    """Simulate a day with the given windows (managers and admins of the office).

    Answers with a stream of JSON lines: `{"type": "progress", "done": 0.4}` while the
    simulation runs, then `{"type": "result", ...}` (or `{"type": "error", "message"}`).
    Everything that can be refused is refused before the stream starts, with a 4xx.
    """
    # The simulator (its engine, scratch database and planner) is loaded by the first
    # what-if, not by every server process at start.
    from admin.reports.whatif import office_plan
    from queue_server.simulation import whatif

    today = clock.now().date()
    scope = _scope(session, principal, today, today, [body.office])
    plan = office_plan(
        session=session,
        office=scope.offices[0],
        now=clock.now(),
        windows=body.windows,
        arrivals=body.arrivals,
        weekday=body.weekday,
    )
    whatif.check_plan(plan)
    slot = runtime.whatif_runs
    if not slot.acquire(blocking=False):
        raise ServiceBusy(code="whatif_busy")
    session.close()  # the run needs no connection of the office's database
    return StreamingResponse(
        _whatif_lines(plan, body.seeds, slot), media_type="application/x-ndjson"
    )


def _whatif_lines(
    plan: WhatIfPlan, seeds: int, slot: threading.BoundedSemaphore
) -> Iterator[bytes]:
    """Run the what-if on a thread of its own (its scratch database lives there) and pass
    its progress on as lines; the run's slot is freed when it ends."""
    from queue_server.simulation import whatif

    lines: queue.Queue[dict[str, Any]] = queue.Queue()

    def work() -> None:
        try:
            result = whatif.run_whatif(
                plan,
                seeds=seeds,
                on_progress=lambda done: lines.put({"type": "progress", "done": round(done, 3)}),
            )
            lines.put({"type": "result", **result.as_dict()})
        except DomainError as exc:
            lines.put({"type": "error", "code": exc.code, "message": exc.message})
        except Exception:  # the stream has started: say so, never hang
            lines.put({"type": "error", "code": "whatif_failed", "message": "Расчёт не удался."})
            raise
        finally:
            slot.release()

    threading.Thread(target=work, name="whatif", daemon=True).start()
    yield _line({"type": "progress", "done": 0.0})
    while True:
        try:
            message = lines.get(timeout=limits.TIME_BUDGET_S * 3)
        except queue.Empty:
            yield _line(
                {
                    "type": "error",
                    "code": "whatif_timeout",
                    "message": "Расчёт не уложился во время.",
                }
            )
            return
        yield _line(message)
        if message["type"] != "progress":
            return


def _line(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, ensure_ascii=False) + "\n").encode("utf-8")
