"""The office's menu as the kiosk walks it: groups, services, profiling questions, documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Menu:
    """Services of the office with their groups and the priority categories."""

    services: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    by_code: dict[str, dict[str, Any]] = field(init=False)

    def __post_init__(self) -> None:
        self.services = sorted(
            # R18: the server marks a service not taken now (no agreement in force): hidden.
            (s for s in self.services if s.get("active", True) and s.get("accepted", True)),
            key=lambda s: (s.get("position", 0), s["code"]),
        )
        self.by_code = {s["code"]: s for s in self.services}
        self.categories = [c for c in self.categories if c.get("active", True)]

    def menu_groups(self) -> list[dict[str, Any]]:
        """Groups that have services here, in menu order; ungrouped services form "other"."""
        used = {s.get("group") for s in self.services}
        groups = sorted(
            (g for g in self.groups if g["code"] in used),
            key=lambda g: (g.get("position", 0), g["code"]),
        )
        if None in used or any(
            s.get("group") not in {g["code"] for g in groups} for s in self.services
        ):
            groups.append(
                {"code": "_other", "name_ru": "Другие услуги", "name_en": "Other services"}
            )
        return groups

    def start_groups(self, *, results_tile: bool) -> list[dict[str, Any]]:
        """The group tiles of the start screen: none that leads where another tile does.

        The "collect a result" tile already leads to the issuance services, so a group of
        exactly those services would be a second tile for the same thing.
        """
        issuance = {s["code"] for s in self.of_kind("issuance")}
        return [
            g
            for g in self.menu_groups()
            if not (
                results_tile and {s["code"] for s in self.services_of_group(g["code"])} == issuance
            )
        ]

    def group(self, code: str) -> dict[str, Any] | None:
        """A menu group by code."""
        return next((g for g in self.menu_groups() if g["code"] == code), None)

    def services_of_group(self, code: str) -> list[dict[str, Any]]:
        """The services of one menu group."""
        known = {g["code"] for g in self.groups}
        if code == "_other":
            return [s for s in self.services if s.get("group") not in known]
        return [s for s in self.services if s.get("group") == code]

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        """Services of a kind (intake, issuance, consultation)."""
        return [s for s in self.services if s["kind"] == kind]

    def category(self, code: str | None) -> dict[str, Any] | None:
        """A priority category by code."""
        return next((c for c in self.categories if c["code"] == code), None)


@dataclass(frozen=True)
class Step:
    """Where the profiling questions stand: a question to ask, or the chosen variant."""

    question: dict[str, Any] | None
    variant: dict[str, Any] | None


def profile(service: dict[str, Any], answers: list[int]) -> Step | None:
    """Walk the questions with the given answer indexes; None if the answers do not fit."""
    variants = {v["code"]: v for v in service.get("variants", [])}
    questions = {q["code"]: q for q in service.get("questions", [])}
    if not questions:
        only = next(iter(variants.values()), None) if len(variants) == 1 else None
        return Step(None, only) if not answers else None
    question = service["questions"][0]
    for i, answer in enumerate(answers):
        options = question["options"]
        if not 0 <= answer < len(options):
            return None
        option = options[answer]
        if option.get("variant") is not None:
            if i != len(answers) - 1:
                return None
            return Step(None, variants[option["variant"]])
        question = questions[option["next_question"]]
    return Step(question, None)


def needs_profiling(service: dict[str, Any]) -> bool:
    """Whether questions pick a variant before the documents can be shown."""
    return bool(service.get("questions"))


def documents_for(service: dict[str, Any], variant: str | None) -> list[dict[str, Any]]:
    """The documents of the service that apply to the variant."""
    return [d for d in service.get("documents", []) if d.get("variant") in (None, variant)]


def parse_answers(raw: str) -> list[int] | None:
    """Answer indexes from the URL ("0.1.0"); None when malformed."""
    if not raw:
        return []
    try:
        return [int(part) for part in raw.split(".")]
    except ValueError:
        return None
