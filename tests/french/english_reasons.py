"""Find the reasons of refusals and errors raised in ``domain/`` and ``service/`` that are still
written in English (issue 13: every refusal a user can read is in plain French)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "src" / "recouvre"
SCANNED = ("domain", "service", "security")
THREE_ARGS = {"DomainError", "NotFound", "LedgerError", "Refused", "Conflict", "Overdue"}
"""Errors built as ``(field, value, reason)``: the reason is the third argument."""
REASON_ONLY = {"AmountError", "Forbidden", "PasswordRejected", "SignInRefused"}
"""Errors whose message (any argument) a user reads."""
ENGLISH = re.compile(
    r"\b(the|must|not|no such|cannot|already|is|has|have|only|before|after|should|be|of|an|and|"
    r"than|given|unknown|expected|missing|invalid|required|exceeds?|without|with|does|yet|"
    r"nothing|are|was|needs?|outside|between|neither|from|which|when|at least|characters|"
    r"there|this|that|its|it|to|no|none|can|by|for|in|or)\b"
)


def _texts(node: ast.expr) -> Iterator[str]:
    """The literal text of a string argument (the fixed parts of an f-string)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        yield " ".join(
            part.value
            for part in node.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
    elif isinstance(node, ast.BinOp):
        yield from _texts(node.left)
        yield from _texts(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _texts(node.body)
        yield from _texts(node.orelse)


def _name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _reasons(call: ast.Call) -> Iterator[ast.expr]:
    name = _name(call)
    for keyword in call.keywords:
        if keyword.arg in ("reason", "message"):
            yield keyword.value
    if name in THREE_ARGS or name in ("refuse", "record_refusal"):
        if len(call.args) >= 3:
            yield call.args[2]
    elif name == "PostingProblem":
        if len(call.args) >= 6:
            yield call.args[5]
    elif name == "Problem":
        if len(call.args) >= 4:
            yield call.args[3]
    elif name in REASON_ONLY:
        yield from call.args


REPORTED = ("refuse", "record_refusal", "Problem", "PostingProblem")
"""Calls that build a refusal without raising it (the reason is reported later)."""


def english_reasons() -> list[str]:
    """Each English-looking reason as ``path:line: text``."""
    found: list[str] = []
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                calls: list[ast.Call] = []
                if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                    calls.append(node.exc)
                elif isinstance(node, ast.Call) and _name(node) in REPORTED:
                    calls.append(node)
                for call in calls:
                    for argument in _reasons(call):
                        for text in _texts(argument):
                            if ENGLISH.search(text.lower()) and not re.search(r"[éèàçêùâîôû]", text):
                                where = path.relative_to(ROOT.parent)
                                found.append(f"{where}:{call.lineno}: {text!r}")
    return found
