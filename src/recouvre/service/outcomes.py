"""The one list of outcomes people record (``outcomes.yaml``): a phone call's, a contact's, and
the decision that closes a review. Pages, commands and campaigns read it from here."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from recouvre.domain.errors import DomainError

USES = ("phone_call", "contact", "review", "prescription_review")


@dataclass(frozen=True)
class Outcome:
    code: str
    label: str
    uses: frozenset[str]


@cache
def all_outcomes() -> dict[str, Outcome]:
    """Every outcome, in the file's order."""
    text = resources.files("recouvre.service").joinpath("outcomes.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)["outcomes"]
    found: dict[str, Outcome] = {}
    for code, body in raw.items():
        uses = frozenset(str(use) for use in body["for"])
        unknown = uses - set(USES)
        if unknown:
            raise ValueError(f"outcomes.yaml: {code}: unknown use {sorted(unknown)}")
        found[str(code)] = Outcome(str(code), str(body["label"]), uses)
    return found


def labels_for(use: str) -> dict[str, str]:
    """The outcomes allowed for ``use`` (code → French label), in the file's order."""
    return {code: item.label for code, item in all_outcomes().items() if use in item.uses}


def label(code: str) -> str:
    found = all_outcomes().get(code)
    return code if found is None else found.label


def check(use: str, code: str) -> str:
    """``code`` when it is an outcome allowed for ``use``; a French refusal otherwise."""
    allowed = labels_for(use)
    if code not in allowed:
        shown = ", ".join(f"{label} ({key})" for key, label in allowed.items())
        raise DomainError("issue", code, f"issue inconnue pour ce type de tâche ; possibles : {shown}")
    return code
