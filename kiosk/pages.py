"""The kiosk's screens: start, categories, groups, profiling questions, documents, the ticket,
booking check-in. Every route builds a `Screen` and renders its template."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from kiosk.agent import PRINTER, REFUSED, TICKET, KioskAgent, Outcome
from kiosk.client import ServerRefused, ServerUnreachable
from kiosk.menu import documents_for, needs_profiling, parse_answers, profile
from kiosk.printing import paper_lines, ticket_data
from kiosk.screen import Screen, qr_svg, safe_next

router = APIRouter()


def screen(request: Request) -> Screen:
    return Screen(request, request.state.agent)


@router.get("/", response_class=HTMLResponse)
async def start(request: Request) -> HTMLResponse:
    """The start screen: groups as large tiles and the special entries."""
    s = screen(request)
    agent = s.agent
    snap = await agent.refresh()
    health = await agent.printer_health()
    hours = agent.hours()
    results = snap.menu.of_kind("issuance") if snap else []
    groups = snap.menu.start_groups(results_tile=bool(results)) if snap else []
    return s.render(
        "start.html",
        "start",
        groups=groups,
        has_results=bool(results),
        has_categories=bool(snap and snap.menu.categories),
        health=health,
        online=agent.online,
        loaded=snap is not None,
        hours=hours,
        usable=snap is not None and health.can_print and (hours is None or hours.open),
    )


@router.get("/prefs")
async def prefs(
    lang: str | None = None,
    contrast: str | None = None,
    large: str | None = None,
    next: str = "/",
) -> Response:
    """Switch language, high contrast or larger text, and go back where we were."""
    response = RedirectResponse(safe_next(next), status_code=303)
    for key, value, allowed in (
        ("lang", lang, ("ru", "en")),
        ("contrast", contrast, ("0", "1")),
        ("large", large, ("0", "1")),
    ):
        if value in allowed:
            response.set_cookie(key, value, samesite="strict")
    return response


@router.get("/priority", response_class=HTMLResponse)
async def priority(request: Request) -> Response:
    """Choose a priority category (the clerk checks the document later)."""
    s = screen(request)
    snap = await s.agent.refresh()
    if snap is None:
        return RedirectResponse("/", status_code=303)
    return s.render("priority.html", "priority", categories=snap.menu.categories)


@router.get("/group/{code}", response_class=HTMLResponse)
async def group(request: Request, code: str) -> Response:
    """The services of one menu group."""
    s = screen(request)
    snap = await s.agent.refresh()
    found = snap.menu.group(code) if snap else None
    if snap is None or found is None:
        return RedirectResponse(s.url("/"), status_code=303)
    return s.render(
        "services.html",
        "services",
        title=s.nm(found),
        services=snap.menu.services_of_group(code),
    )


@router.get("/results", response_class=HTMLResponse)
async def results(request: Request) -> Response:
    """Collect a result: the issuance services (straight on when there is one)."""
    s = screen(request)
    snap = await s.agent.refresh()
    services = snap.menu.of_kind("issuance") if snap else []
    if not services:
        return RedirectResponse(s.url("/"), status_code=303)
    if len(services) == 1:
        return RedirectResponse(s.url(f"/service/{services[0]['code']}"), status_code=303)
    return s.render("services.html", "services", title=s.t("results"), services=services)


@router.get("/service/{code}", response_class=HTMLResponse)
async def service_page(request: Request, code: str, a: str = "") -> Response:
    """The profiling questions of a service, one at a time; then its documents."""
    s = screen(request)
    snap = await s.agent.refresh()
    service = snap.menu.by_code.get(code) if snap else None
    answers = parse_answers(a)
    step = profile(service, answers) if service is not None and answers is not None else None
    if service is None or step is None:
        return RedirectResponse(s.url("/"), status_code=303)
    if step.question is None:
        variant = step.variant["code"] if step.variant else None
        return RedirectResponse(
            s.url(f"/service/{code}/documents", v=variant, a=a), status_code=303
        )
    prefix = a + "." if a else ""
    back = s.url(f"/service/{code}", a=a.rpartition(".")[0]) if a else None
    return s.render(
        "question.html",
        "question",
        service=service,
        question=step.question,
        answer_url=lambda i: s.url(f"/service/{code}", a=f"{prefix}{i}"),
        back_url=back,
    )


async def documents_context(s: Screen, code: str, v: str, a: str) -> dict[str, Any] | None:
    snap = await s.agent.refresh()
    service = snap.menu.by_code.get(code) if snap else None
    if service is None:
        return None
    variant = next((x for x in service.get("variants", []) if x["code"] == v), None)
    if needs_profiling(service) and variant is None:
        return None
    return {
        "service": service,
        "variant": variant,
        "documents": documents_for(service, variant["code"] if variant else None),
        "a": a,
        "back_url": s.url(f"/service/{code}", a=a.rpartition(".")[0])
        if a
        else s.url(f"/group/{service.get('group') or '_other'}"),
    }


@router.get("/service/{code}/documents", response_class=HTMLResponse)
async def documents(request: Request, code: str, v: str = "", a: str = "") -> Response:
    """The documents for the chosen variant and "I have all the documents"."""
    s = screen(request)
    ctx = await documents_context(s, code, v, a)
    if ctx is None:
        return RedirectResponse(s.url("/"), status_code=303)
    risk = await s.agent.late_risk(ctx["service"])
    return s.render("documents.html", "documents", key=uuid.uuid4().hex, risk=risk, **ctx)


@router.get("/service/{code}/missing", response_class=HTMLResponse)
async def missing(request: Request, code: str, v: str = "", a: str = "") -> Response:
    """What to do without the full set of documents."""
    s = screen(request)
    ctx = await documents_context(s, code, v, a)
    if ctx is None or s.agent.snapshot is None:
        return RedirectResponse(s.url("/"), status_code=303)
    consult = s.agent.snapshot.menu.of_kind("consultation")
    ctx["back_url"] = s.url(f"/service/{code}/documents", v=v, a=a)
    return s.render("missing.html", "missing", consult=consult, **ctx)


def outcome_page(s: Screen, outcome: Outcome, form: dict[str, str]) -> Response:
    if outcome.kind == TICKET:
        return RedirectResponse(s.url(f"/ticket/{outcome.key}"), status_code=303)
    if outcome.kind == PRINTER:
        return s.render(
            "printer.html", "printer", state=outcome.printer_state, form=form, status_code=503
        )
    if outcome.kind == REFUSED:
        message = outcome.error_message
        known = ("booking_not_found", "checkin_too_early", "checkin_too_late", "office_closed")
        hours = s.agent.hours()
        return s.render(
            "refused.html",
            "refused",
            code=outcome.error_code,
            message=s.t(outcome.error_code) if outcome.error_code in known else message,
            detail=message,
            retry_code=form.get("code", ""),
            next_opening=hours.next_opening if hours and not hours.open else None,
            status_code=409,
        )
    return s.render("offline.html", "offline", form=form, attempt=outcome.attempts, status_code=503)


@router.post("/issue", response_class=HTMLResponse)
async def issue(
    request: Request,
    key: str = Form(min_length=8, max_length=100),
    service: str = Form(),
    variant: str = Form(default=""),
    a: str = Form(default=""),
    late_ok: str = Form(default=""),
) -> Response:
    """Take a ticket: printer gate, hours/load check, issue with the key, print."""
    s = screen(request)
    form = {"key": key, "service": service, "variant": variant, "a": a, "late_ok": late_ok}
    snap = s.agent.snapshot
    known = snap.menu.by_code.get(service) if snap else None
    if snap is not None and known is None:
        return RedirectResponse(s.url("/"), status_code=303)
    if known is not None and not late_ok and key not in s.agent.outcomes:
        risk = await s.agent.late_risk(known)
        if risk is not None:
            ctx = await documents_context(s, service, variant, a)
            if ctx is not None:
                return s.render("documents.html", "documents", key=key, risk=risk, **ctx)
    if s.cat and snap is not None and snap.menu.category(s.cat) is None:
        s.cat = None
    outcome = await s.agent.issue(key=key, service=service, category=s.cat)
    return outcome_page(s, outcome, form)


@router.get("/ticket/{key}", response_class=HTMLResponse)
async def ticket_page(request: Request, key: str) -> Response:
    """The issued ticket: number, people ahead, wait, QR; what happened to the paper."""
    s = screen(request)
    outcome = s.agent.outcomes.get(key)
    if outcome is None or outcome.ticket is None:
        return RedirectResponse("/", status_code=303)
    ticket = outcome.ticket
    data = ticket_data(ticket, s.agent._timezone())
    return s.render(
        "ticket.html",
        "ticket",
        outcome=outcome,
        ticket=ticket,
        priority=_priority_name(s, ticket),
        issued=f"{data.issued_at:%d.%m.%Y %H:%M}",
        qr=qr_svg(ticket["status_url"]),
        service_name=ticket["service_name_en"]
        if s.lang == "en" and ticket.get("service_name_en")
        else ticket["service_name_ru"],
        paper="\n".join(paper_lines(data)),
    )


def _priority_name(s: Screen, ticket: dict[str, Any]) -> str | None:
    """The ticket's priority category in the screen's language (the server sends Russian)."""
    name_ru = ticket.get("priority_category_name_ru")
    snap = s.agent.snapshot
    if not name_ru or snap is None:
        return name_ru
    found = next((c for c in snap.menu.categories if c.get("name_ru") == name_ru), None)
    return s.nm(found) if found else name_ru


@router.post("/ticket/{key}/print")
async def print_again(request: Request, key: str) -> Response:
    """Print the ticket again after the printer was fixed."""
    s = screen(request)
    await s.agent.print_again(key)
    return RedirectResponse(s.url(f"/ticket/{key}"), status_code=303)


@router.get("/ticket/{key}/notify", response_class=HTMLResponse)
async def notify_form(request: Request, key: str) -> Response:
    """The phone keypad after the ticket: SMS when the turn is near and at the call."""
    s = screen(request)
    outcome = s.agent.outcomes.get(key)
    if outcome is None or outcome.ticket is None:
        return RedirectResponse("/", status_code=303)
    return s.render("notify.html", "notify", key=key, phone="", done=None, problem=None)


@router.post("/ticket/{key}/notify", response_class=HTMLResponse)
async def notify_submit(
    request: Request,
    key: str,
    phone: str = Form(default="", max_length=32),
    consent: str = Form(default=""),
) -> Response:
    """Send the phone and the consent to the server; show the masked number or why not."""
    s = screen(request)
    outcome = s.agent.outcomes.get(key)
    if outcome is None or outcome.ticket is None:
        return RedirectResponse("/", status_code=303)
    try:
        saved = await s.agent.client.subscribe(
            outcome.ticket["status_code"], phone=phone, consent=consent == "yes"
        )
    except ServerRefused as exc:
        return s.render(
            "notify.html",
            "notify",
            status_code=422,
            key=key,
            phone=phone,
            done=None,
            problem=exc.message,
        )
    except ServerUnreachable:
        return s.render(
            "notify.html",
            "notify",
            status_code=503,
            key=key,
            phone=phone,
            done=None,
            problem=s.t("offline_title"),
        )
    return s.render(
        "notify.html", "notify", key=key, phone="", done=saved["address_masked"], problem=None
    )


@router.get("/booking", response_class=HTMLResponse)
async def booking(request: Request, code: str = "") -> HTMLResponse:
    """Enter the booking code (again: the mistyped one is there to correct)."""
    s = screen(request)
    await s.agent.refresh()
    typed = "".join(ch for ch in code.upper() if ch.isalnum())[:14]
    return s.render("booking.html", "booking", code=typed)


@router.post("/booking", response_class=HTMLResponse)
async def booking_check_in(request: Request, code: str = Form(max_length=40)) -> Response:
    """Check the booking in and print its ticket."""
    s = screen(request)
    normalized = "".join(ch for ch in code.upper() if ch.isalnum())[:32]
    if not normalized:
        return s.render("booking.html", "booking", code="", status_code=422)
    outcome = await s.agent.check_in(booking_code=normalized)
    return outcome_page(s, outcome, {"code": normalized, "action": "/booking"})


@router.get("/state")
async def state(request: Request) -> JSONResponse:
    """The agent's view of itself (for staff and monitoring)."""
    agent: KioskAgent = request.state.agent
    health = agent.last_health
    return JSONResponse(
        {
            "office": agent.office_code,
            "server_online": agent.online,
            "printer": health.state if health else None,
            "printer_problem": health.problem if health else None,
            "menu_loaded": agent.snapshot is not None,
        }
    )
