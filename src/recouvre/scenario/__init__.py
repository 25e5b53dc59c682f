"""Scenario files (shared/spec/SCENARIOS.md): replay through the service layer, check expectations.

Modules:

- ``fields``: field types (exact amounts, ISO dates, local ids) and pydantic-error paths;
- ``schema``: reading a file into a checked ``Scenario`` (exit 2 on any format error);
- ``events``: the ``EVENTS`` registry, event key -> (value type, handler calling the service layer);
- ``checks``: the ``CHECKS`` registry, check key -> (value type, checker reading the state at a date);
- ``context``: ``Replay``, what handlers and checkers receive;
- ``runner``: the replay in date order and the ``ScenarioResult``;
- ``report``: the printed lines.

Adding an event or a check is ONE entry in ``events.EVENTS`` or ``checks.CHECKS``
(with its value model and function next to it): the format check, the reference
check of fields named ``claim``/``debtor``, the "not supported yet" refusal and
the replay all follow from the registries. Events and checks named in
SCENARIOS.md but absent from the registries (``KNOWN_EVENTS``, ``KNOWN_CHECKS``)
make the file invalid (exit 2) with "not supported yet", never a silent pass.
"""

from recouvre.scenario.runner import (
    FAILED,
    INVALID,
    PASSED,
    ExpectationFailure,
    ReplayError,
    ScenarioResult,
    exit_code,
    run_file,
    run_files,
)

__all__ = [
    "FAILED",
    "INVALID",
    "PASSED",
    "ExpectationFailure",
    "ReplayError",
    "ScenarioResult",
    "exit_code",
    "run_file",
    "run_files",
]
