"""The message catalogue: every error people read is Russian (English when asked), by code.

Two guards keep English and rule codes from coming back: a walk over every text of the
catalogue, and a scan of the source for raises whose code has no text.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import admin
import queue_server
from queue_server import messages
from queue_server.errors import Conflict, DomainError, describe_validation
from queue_server.messages import FIELDS, MESSAGES, TERMS, VALIDATION, Term, pick_language
from queue_server.types import RequestModel
from tests.queue_server.case_world import install_passport, intake_body, serve
from tests.support.world import World

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("queue_server", "admin")

#: Latin words a Russian text may carry: names of programs, formats, settings and the
#: API's own words that a person types as they are.
ALLOWED_LATIN = (
    "Authorization: Bearer",
    "?token=…",
    "'type': 'auth', 'token'",
    "/ws/offices/",
    "/events",
    "(after)",
    "number=…",
    "name=…&document_number=…",
    "MFCQ_PDF_FONT",
    "fonts-dejavu-core",
    "postgresql-client",
    "pg_dump -Fc",
    "SQLite",
    "PDF",
    "JSON",
    "ISO 8601",
    "NUL",
    "0x00",
    "--force",
    "true",
    "false",
)
#: Texts that pass on a reason already written in Russian (queue_server/outbound.py).
RUSSIAN_REASON_ONLY = {"MESSAGES[printer_not_allowed]", "MESSAGES[webhook_not_allowed]"}
RULE_CODE = re.compile(r"\bR\d+\b")
LATIN = re.compile(r"[A-Za-z]")


def _without_placeholders(text: str) -> str:
    return re.sub(r"\{[a-z_]+(![rs])?(:[^{}]*)?\}", "", text)


def _all_texts() -> Iterator[tuple[str, messages.Text]]:
    for code, text in MESSAGES.items():
        yield f"MESSAGES[{code}]", text
    for group, words in TERMS.items():
        for key, text in words.items():
            yield f"TERMS[{group}][{key}]", text
    for kind, text in VALIDATION.items():
        yield f"VALIDATION[{kind}]", text
    for name, text in FIELDS.items():
        yield f"FIELDS[{name}]", text


@pytest.mark.parametrize(("where", "text"), list(_all_texts()), ids=[w for w, _ in _all_texts()])
def test_every_catalogue_text_is_russian_with_an_english_twin(
    where: str, text: messages.Text
) -> None:
    """Both languages present, the Russian one without Latin words (bar the allowed names)
    and no rule code (R10, R13) in either: those belong in docs and logs."""
    assert text.ru.strip() and text.en.strip(), where
    russian = _without_placeholders(text.ru)
    for allowed in sorted(ALLOWED_LATIN, key=len, reverse=True):
        russian = russian.replace(allowed, "")
    assert not LATIN.search(russian), f"{where}: Latin letters in {text.ru!r}"
    if where not in RUSSIAN_REASON_ONLY:
        assert re.search("[а-яё]", text.ru.lower()), f"{where}: no Russian word in {text.ru!r}"
    for shown in (text.ru, text.en):
        assert not RULE_CODE.search(shown), f"{where}: a rule code in {shown!r}"
    assert messages.placeholders(text.ru) == messages.placeholders(text.en), where


# --- the source scan: every DomainError raised has a text -----------------------------


def _import_everything() -> None:
    for package in (queue_server, admin):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)


def _error_classes() -> dict[str, type[DomainError]]:
    _import_everything()
    found: dict[str, type[DomainError]] = {"DomainError": DomainError}
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        for sub in pending.pop().__subclasses__():
            found[sub.__name__] = sub
            pending.append(sub)
    return found


def _calls(path: Path) -> Iterator[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _domain_error_calls() -> Iterator[tuple[str, type[DomainError], ast.Call]]:
    classes = _error_classes()
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for call in _calls(path):
                name = _name(call.func)
                if name in classes:
                    where = f"{path.relative_to(ROOT)}:{call.lineno}"
                    yield where, classes[name], call


def _has_cyrillic(node: ast.expr) -> bool:
    """Whether a raise's positional detail spells a text for people (Cyrillic words)."""
    return any(
        isinstance(part, ast.Constant)
        and isinstance(part.value, str)
        and re.search("[А-Яа-яЁё]", part.value)
        for part in ast.walk(node)
    )


def test_every_domain_error_raised_has_a_catalogue_code() -> None:
    """A `DomainError` (or subclass) built anywhere in the server or admin names a code of
    the catalogue, and passes every parameter its texts use; a plain English message in
    the raise would otherwise reach people again."""
    problems = []
    seen = 0
    for where, cls, call in _domain_error_calls():
        seen += 1
        keywords = {k.arg: k.value for k in call.keywords}
        code_node = keywords.get("key") or keywords.get("code")
        if code_node is None:
            code = cls.code
        elif isinstance(code_node, ast.Constant) and isinstance(code_node.value, str):
            code = code_node.value
        else:
            problems.append(f"{where}: the code is not a literal")
            continue
        key_node = keywords.get("key")
        if key_node is not None and code_node is not keywords.get("code"):
            base = keywords.get("code")
            if isinstance(base, ast.Constant) and not code.startswith(f"{base.value}."):
                problems.append(f"{where}: key {code!r} is not named after code {base.value!r}")
        detail = call.args[0] if call.args else None
        if detail is not None and _has_cyrillic(detail):
            problems.append(f"{where}: a Russian text at the raise site belongs in the catalogue")
        if code not in MESSAGES:
            problems.append(f"{where}: code {code!r} has no text in queue_server/messages.py")
            continue
        if None in keywords:  # **params: the names cannot be read here
            continue
        given = {k for k in keywords if k not in ("code", "key")}
        needed = messages.placeholders(MESSAGES[code].ru)
        if not needed <= given and cls.__init__ is DomainError.__init__:
            problems.append(f"{where}: {code!r} needs {sorted(needed - given)}")
    assert seen > 100, "the scan found too few raises: is it looking in the right place?"
    assert not problems, "\n".join(problems)


def test_every_request_check_has_a_catalogue_text() -> None:
    """The checks of request bodies (check_failed, PydanticCustomError) name a VALIDATION
    entry, so their 422 texts are Russian too."""
    problems = []
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for call in _calls(path):
                if _name(call.func) not in ("check_failed", "PydanticCustomError"):
                    continue
                if path.name == "messages.py" and path.parent.name == "queue_server":
                    continue
                first = call.args[0] if call.args else None
                if not (isinstance(first, ast.Constant) and first.value in VALIDATION):
                    problems.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not problems, "checks without a VALIDATION text: " + ", ".join(problems)


def test_every_request_field_has_a_russian_name() -> None:
    """A 422 names the field in Russian: every field of every request body is in FIELDS."""
    _import_everything()
    missing = set()
    pending: list[type[Any]] = [RequestModel]
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        for name, field in model.model_fields.items():
            for shown in {name, field.alias or name}:
                if shown not in FIELDS:
                    missing.add(f"{model.__name__}.{shown}")
    assert not missing, "fields without a Russian name in FIELDS: " + ", ".join(sorted(missing))


# --- the language of a request ---------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "ru"),
        ("", "ru"),
        ("ru", "ru"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
        ("en-GB;q=0.5,ru;q=0.8", "ru"),
        ("de-DE,de;q=0.9", "ru"),
        ("de,en;q=0.5", "en"),
        ("*", "ru"),
        ("en;q=0", "ru"),
        ("en;q=abc,ru;q=0.1", "ru"),
        ("garbage;;;,,", "ru"),
    ],
)
def test_accept_language_picks_russian_unless_english_is_asked(
    header: str | None, lang: str
) -> None:
    assert pick_language(header) == lang


def test_an_error_text_follows_the_language_and_keeps_its_code() -> None:
    error = Conflict(code="window_paused", number=4)
    assert error.code == "window_paused"
    assert error.text("ru") == "Окно 4 на паузе; снимите паузу, чтобы вызывать."
    assert error.text("en") == "Window 4 is paused; resume it to call."
    assert error.message == error.text("ru")


def test_terms_are_shown_in_the_readers_language() -> None:
    error = Conflict(
        code="illegal_transition",
        number="А001",
        action=Term("ticket_action", "finish"),
        state=Term("ticket_state", "called"),
    )
    assert error.text("ru") == "Нельзя завершить талон А001: он вызван, но обслуживание не начато."
    assert error.text("en") == (
        "Cannot finish ticket А001: it has been called but service has not started."
    )


def test_one_code_may_have_several_texts_by_key() -> None:
    """Programs keep the code they know; people read the text of the case at hand."""
    error = Conflict(code="wrong_role", key="wrong_role.clerk_only")
    assert error.code == "wrong_role"
    assert error.text("ru") == "Это делает только консультант за окном."


def test_an_unknown_code_falls_back_to_its_class_text_never_to_english() -> None:
    """A code someone forgot to add shows the class's Russian text (and the scan fails)."""
    error = Conflict("Something English for the log", code="brand_new_code")
    assert error.code == "brand_new_code"
    assert error.text("ru") == MESSAGES["conflict"].ru
    assert "English" not in error.text("ru")


def test_validation_names_fields_in_russian() -> None:
    errors = [
        {"type": "missing", "loc": ("body", "phone"), "msg": "Field required"},
        {
            "type": "string_too_long",
            "loc": ("body", "documents", 0, "name"),
            "ctx": {"max_length": 5},
        },
    ]
    code, text = describe_validation(errors, "ru")
    assert code == "invalid_request"
    assert text == (
        "Неверный запрос: телефон: обязательное поле; документы → № 1 → название: "
        "не длиннее 5 символов"
    )
    _, english = describe_validation(errors, "en")
    assert english.startswith("Invalid request: phone: field required")


# --- through the API -------------------------------------------------------------------


def test_api_message_is_russian_by_default_and_english_when_asked(api: TestClient) -> None:
    russian = api.get("/api/v1/offices/nowhere/windows")
    assert russian.status_code in (401, 404)
    body = russian.json()["error"]
    assert re.search("[а-яё]", body["message"].lower()), body
    english = api.get("/api/v1/offices/nowhere/windows", headers={"Accept-Language": "en"})
    assert english.json()["error"]["code"] == body["code"]
    assert not re.search("[а-яё]", english.json()["error"]["message"].lower())


def test_a_missing_token_is_explained_in_russian(api: TestClient, world: World) -> None:
    """The board's old "This needs a bearer token" is Russian now."""
    response = api.get("/api/v1/offices/central/board")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "not_authenticated"
    assert "Нужен вход" in error["message"] and "needs" not in error["message"]


def test_bad_body_gets_russian_field_names(api: TestClient, world: World) -> None:
    response = api.post(
        "/api/v1/public/offices/central/bookings",
        json={"service": 5, "slot_start": "soon"},
        headers={"Accept-Language": "ru-RU,ru;q=0.9"},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert "время записи" in error["message"], error
    assert "slot_start" not in error["message"]


def test_r10_refusal_without_consent_is_russian_and_names_no_rule(
    api: TestClient, world: World
) -> None:
    """R10: the intake without consent is refused in Russian; "R10" stays in docs and logs."""
    install_passport(world)
    serving = serve(api, world, "clerk1", 1, "passport")
    body = {**intake_body(api, world, serving["id"]), "consent_personal_data": False}
    response = api.post("/api/v1/offices/central/cases", json=body, headers=world.auth("clerk1"))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "consent_required"
    assert "согласие" in error["message"]
    assert not RULE_CODE.search(error["message"]) and not LATIN.search(error["message"])
    english = api.post(
        "/api/v1/offices/central/cases",
        json=body,
        headers={**world.auth("clerk1"), "Accept-Language": "en"},
    )
    assert "consent" in english.json()["error"]["message"]
    assert not RULE_CODE.search(english.json()["error"]["message"])


def test_finishing_a_called_ticket_is_refused_in_russian(api: TestClient, world: World) -> None:
    """The example of the issue: "Cannot finish ticket А001 …" is Russian now."""
    issued = api.post(
        "/api/v1/offices/central/tickets", json={"service": "passport"}, headers=world.auth("kiosk")
    )
    assert issued.status_code == 201, issued.text
    api.post("/api/v1/offices/central/windows/1/take", headers=world.auth("clerk1"))
    called = api.post("/api/v1/offices/central/windows/1/call-next", headers=world.auth("clerk1"))
    assert called.status_code == 200, called.text
    response = api.post(
        f"/api/v1/tickets/{called.json()['id']}/finish", headers=world.auth("clerk1")
    )
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "illegal_transition"
    assert error["message"].startswith("Нельзя завершить талон")


#: The codes of the last features (complaints, agreements, ratings, audit, clerk moves, the
#: what-if) that once showed the Russian text of their raise site, English never.
LATE_CODES = [
    "agency_not_late",
    "agreement_invalid",
    "agreement_not_found",
    "agreement_term_invalid",
    "already_rated",
    "audit_append_only",
    "bad_arrivals",
    "bad_hold",
    "bad_hours",
    "bad_seeds",
    "bad_transfer_target",
    "bad_windows",
    "complaint_consent_required",
    "complaint_link_invalid",
    "complaint_not_found",
    "complaint_received_at_invalid",
    "complaint_wrong_office",
    "illegal_complaint_step",
    "no_marks",
    "no_services",
    "no_ticket_to_rate",
    "no_valid_agreement",
    "no_windows",
    "not_a_board",
    "not_a_rating_device",
    "not_in_window_queue",
    "not_ratable",
    "prepared_at_in_future",
    "prepared_before_registration",
    "report_period_invalid",
    "schedule_below_minimum",
    "ticket_not_waiting",
    "too_many_arrivals",
    "transfer_target_unavailable",
    "unknown_audit_action",
    "unknown_call_reason",
    "whatif_busy",
]


@pytest.mark.parametrize("code", LATE_CODES)
def test_the_last_features_codes_have_both_languages(code: str) -> None:
    """Each has its own entry: Russian by default, English (no Cyrillic) when asked."""
    assert code in MESSAGES
    assert not re.search("[А-Яа-яЁё]", _without_placeholders(MESSAGES[code].en)), code


def test_a_clerk_move_refusal_follows_accept_language(api: TestClient, world: World) -> None:
    """A chosen call without a listed reason: the reasons named in the reader's language."""
    issued = api.post(
        "/api/v1/offices/central/tickets", json={"service": "passport"}, headers=world.auth("kiosk")
    )
    api.post("/api/v1/offices/central/windows/1/take", headers=world.auth("clerk1"))
    url = "/api/v1/offices/central/windows/1/call-chosen"
    body = {"ticket_id": issued.json()["id"], "reason": "because"}
    russian = api.post(url, json=body, headers=world.auth("clerk1")).json()["error"]
    english = api.post(
        url, json=body, headers={**world.auth("clerk1"), "Accept-Language": "en-US,en;q=0.9"}
    ).json()["error"]
    assert russian["code"] == english["code"] == "unknown_call_reason"
    assert russian["message"].startswith("Выберите причину вызова из списка: ")
    assert "По указанию руководителя" in russian["message"]
    assert english["message"].startswith("Choose the reason of the call from the list: ")
    assert "On the manager's instruction" in english["message"]
    assert not re.search("[А-Яа-яЁё]", english["message"])
    body = {"ticket_id": issued.json()["id"], "reason": "other", "note": " "}
    english = api.post(
        url, json=body, headers={**world.auth("clerk1"), "Accept-Language": "en"}
    ).json()["error"]
    assert english["message"] == 'For the reason "Other" write why this ticket is called.'


def test_the_closed_lists_named_in_texts_match_their_domains() -> None:
    """The call reasons and complaint statuses that refusals name are the domains' own."""
    from queue_server.clerk.rules import CHOSEN_CALL_REASONS
    from queue_server.complaints.models import STATUS_RU

    assert {k: t.ru for k, t in TERMS["call_reason"].items()} == CHOSEN_CALL_REASONS
    assert {k: t.ru for k, t in TERMS["complaint_status"].items()} == STATUS_RU


@pytest.mark.parametrize(
    ("count", "words"),
    [
        (1, ("символа", "элемента")),
        (2, ("символов", "элементов")),
        (11, ("символов", "элементов")),
        (21, ("символа", "элемента")),
        (40, ("символов", "элементов")),
    ],
)
def test_the_request_checks_say_the_count_as_russian_does(
    count: int, words: tuple[str, str]
) -> None:
    """«не длиннее 1 символа», «не меньше 2 элементов»: the word agrees with the count."""
    chars, items = words
    assert messages.validation_text("string_too_long", {"max_length": count}, "ru") == (
        f"не длиннее {count} {chars}"
    )
    assert messages.validation_text("too_short", {"min_length": count}, "ru") == (
        f"не меньше {count} {items}"
    )
    assert messages.validation_text("too_short", {"min_length": count}, "en") == (
        f"at least {count} items"
    )
