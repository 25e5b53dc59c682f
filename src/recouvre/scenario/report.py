"""The text a scenario run prints: one line per problem, then a count.

Failed expectation: ``FILE: expect[INDEX] DATE KEY: expected VALUE, got VALUE``.
Format error: ``FILE: FIELD.PATH: reason``. Final line: ``3 scenarios: 2 passed, 1 failed``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from recouvre.scenario.runner import FAILED, INVALID, PASSED, ScenarioResult


def result_lines(result: ScenarioResult) -> Iterator[str]:
    """The lines of one file: its problems, or one ``ok`` line."""
    for error in result.format_errors:
        yield f"{result.file}: {error.describe()}"
    for replay_error in result.replay_errors:
        yield f"{result.file}: {replay_error.describe()}"
    for failure in result.failures:
        yield f"{result.file}: {failure.describe()}"
    if result.code == PASSED:
        yield f"{result.file}: ok ({result.checked} expectations)"


def summary(results: Sequence[ScenarioResult]) -> str:
    codes = [result.code for result in results]
    total = len(results)
    parts = [f"{codes.count(PASSED)} passed", f"{codes.count(FAILED)} failed"]
    if INVALID in codes:
        parts.append(f"{codes.count(INVALID)} invalid")
    return f"{total} scenario{'s' if total != 1 else ''}: {', '.join(parts)}"


def lines(results: Sequence[ScenarioResult]) -> Iterator[str]:
    for result in results:
        yield from result_lines(result)
    yield summary(results)
