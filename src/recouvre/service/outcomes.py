"""The one list of outcomes people record (issue 13): a call's, a contact's, the decision that
closes a review. It is the data of ``service/call_outcomes.yaml`` (read by
``service.campaigns.load_outcomes``), each code with where it may be recorded (``for``); pages,
task commands and campaigns read it from there."""

from __future__ import annotations

from recouvre.domain.errors import DomainError
from recouvre.service.campaigns import Outcome, load_outcomes

USES = ("phone_call", "contact", "review", "prescription_review", "plan_request")


def all_outcomes() -> dict[str, Outcome]:
    """Every outcome, in the file's order."""
    return dict(load_outcomes())


def labels_for(use: str) -> dict[str, str]:
    """The outcomes allowed for ``use`` (code → French label), in the file's order."""
    return {code: item.label for code, item in load_outcomes().items() if use in item.uses}


def label(code: str) -> str:
    found = load_outcomes().get(code)
    return code if found is None else found.label


def check(use: str, code: str) -> str:
    """``code`` when it is an outcome allowed for ``use``; a French refusal otherwise."""
    allowed = labels_for(use)
    if code not in allowed:
        shown = ", ".join(f"{text} ({key})" for key, text in allowed.items())
        raise DomainError("issue", code, f"issue inconnue pour ce type de tâche ; possibles : {shown}")
    return code
