"""Every refusal a user can read is in plain French (issue 13): no reason raised in ``domain/``,
``service/`` or ``security/`` reads as English (``english_reasons`` lists those that do)."""

from __future__ import annotations

from .english_reasons import english_reasons

ELSEWHERE: set[str] = set()
"""Files of the agencies' work (bailiff placement plan, placements) another change rewrites at
the same time; their reasons are translated there. The set only shrinks."""


def test_no_english_reason_is_raised() -> None:
    found = [line for line in english_reasons() if line.split(":")[0] not in ELSEWHERE]
    assert found == [], "reasons still in English:\n" + "\n".join(found)


def test_the_scan_finds_english() -> None:
    """The scan itself can fail: an English reason in a raise is found."""
    import ast

    from . import english_reasons as scanner

    tree = ast.parse('raise DomainError("claim", ref, "no such claim in the organism")')
    raised = next(node for node in ast.walk(tree) if isinstance(node, ast.Raise))
    assert isinstance(raised.exc, ast.Call)
    texts = [text for argument in scanner._reasons(raised.exc) for text in scanner._texts(argument)]
    assert texts == ["no such claim in the organism"]
    assert scanner.ENGLISH.search(texts[0])
