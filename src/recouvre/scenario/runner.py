"""Replaying a scenario file through the service layer and checking its expectations.

``run_file(path, db_url)`` reads the file (``schema.parse``), opens a fresh
private database (``private_database``), registers the organism and debtors,
then applies, in date order, each claim's creation (on its ``established_on``,
before that date's events) and each timeline event (file order within a date).
After the last step of a date D, every expectation dated D is checked; an
``at_end`` expectation is checked after all events, on the file's latest date.

An event the rules forbid raises ``Refused`` in the service layer: it is
recorded there and the replay goes on. Any other error of a command is a
``ReplayError`` (the scenario fails, exit 1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from recouvre.domain.errors import BatchRejected, Refused
from recouvre.domain.model import Claim, DomainError
from recouvre.scenario import agencies
from recouvre.scenario.checks import CHECKS
from recouvre.scenario.context import Mismatch, Replay, Step, actor
from recouvre.scenario.events import EVENTS
from recouvre.scenario.fields import FormatError, Invalid
from recouvre.scenario.schema import Expectation, Scenario, parse, references
from recouvre.security.authorization import Actor, Forbidden
from recouvre.service import commands
from recouvre.service.context import Services, refuse
from recouvre.service.scratch import DatabaseRefused, check_db_url, private_database

__all__ = ["DatabaseRefused", "check_db_url", "private_database"]

PASSED, FAILED, INVALID = 0, 1, 2
"""Exit codes: every expectation holds; some expectation fails; the file does not follow the format."""


@dataclass(frozen=True)
class ExpectationFailure:
    """``expect[index]`` does not hold on ``on`` for ``key``."""

    index: int
    on: date
    key: str
    expected: str
    actual: str

    def describe(self) -> str:
        return (
            f"expect[{self.index}] {self.on.isoformat()} {self.key}: "
            f"expected {self.expected}, got {self.actual}"
        )


@dataclass(frozen=True)
class ReplayError:
    """A step (``claims[i]`` or ``timeline[i]``) that the system rejected with an error, not a refusal."""

    where: str
    on: date
    key: str
    message: str

    def describe(self) -> str:
        return f"{self.where} {self.on.isoformat()} {self.key}: rejected with an error: {self.message}"


@dataclass
class ScenarioResult:
    """What a file's replay found; ``code`` is its exit code."""

    file: str
    title: str = ""
    format_errors: list[FormatError] = field(default_factory=list)
    replay_errors: list[ReplayError] = field(default_factory=list)
    failures: list[ExpectationFailure] = field(default_factory=list)
    checked: int = 0
    """Number of expectations checked."""

    @property
    def code(self) -> int:
        if self.format_errors:
            return INVALID
        if self.failures or self.replay_errors:
            return FAILED
        return PASSED

    @property
    def passed(self) -> bool:
        return self.code == PASSED


def run_file(path: Path, db_url: str | None = None) -> ScenarioResult:
    """Read, replay and check one scenario file."""
    result = ScenarioResult(file=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        result.format_errors.append(FormatError("", f"cannot read the file: {reason}"))
        return result
    try:
        scenario = parse(text)
    except Invalid as invalid:
        result.format_errors.extend(invalid.errors)
        return result
    result.title = scenario.title
    try:
        with private_database(db_url) as database:
            services = Services(database, policy_dir=None, policy_values=dict(scenario.policy) or None)
            context = Replay(
                services,
                scenario.organism.code,
                path.name,
                {claim.ref: claim.established_on for claim in scenario.claims},
            )
            replay(scenario, context, result)
    except DatabaseRefused as error:
        result.format_errors.append(FormatError("", str(error)))
    return result


def run_files(paths: Sequence[Path], db_url: str | None = None) -> list[ScenarioResult]:
    """Each file on its own fresh database."""
    try:
        check_db_url(db_url, len(paths))
    except DatabaseRefused as error:
        return [ScenarioResult(file=str(path), format_errors=[FormatError("", str(error))]) for path in paths]
    return [run_file(path, db_url) for path in paths]


def exit_code(results: Sequence[ScenarioResult]) -> int:
    """The worst code: invalid (2) > failed (1) > passed (0)."""
    return max((result.code for result in results), default=PASSED)


# -- replay ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Action:
    on: date
    group: int  # 0: claim creation, 1: timeline event (creations come first on a date)
    order: int
    run: Callable[[], None]


def replay(scenario: Scenario, context: Replay, result: ScenarioResult) -> None:
    """Apply the scenario's claims and events in date order; check expectations as dates end."""
    services = context.services
    system = actor(context, "system")
    installer = Actor(system.user, system.roles)  # network-level: it creates the organism
    commands.add_organism(services, installer, scenario.organism)
    if scenario.debtors:
        commands.import_debtors(services, system, context.organism, scenario.debtors, source="scénario")
    agencies.register(context, scenario.agencies)
    actions = [
        _Action(claim.established_on, 0, index, _creation(context, claim, index, result))
        for index, claim in enumerate(scenario.claims)
    ]
    actions += [_Action(step.on, 1, step.index, _event(context, step, result)) for step in scenario.timeline]
    actions.sort(key=lambda action: (action.on, action.group, action.order))
    last = scenario.last_date()
    pending = sorted(
        scenario.expectations,
        key=lambda expectation: (expectation.on or last, expectation.on is None, expectation.index),
    )
    position = 0
    for action in actions:
        while position < len(pending) and (pending[position].on or last) < action.on:
            _check(context, pending[position], last, result)
            position += 1
        action.run()
    for expectation in pending[position:]:
        _check(context, expectation, last, result)
    result.failures.sort(key=lambda failure: failure.index)


def _creation(context: Replay, claim: Claim, index: int, result: ScenarioResult) -> Callable[[], None]:
    def create() -> None:
        try:
            commands.import_claims(
                context.services, actor(context, "system"), context.organism, [claim], source="scénario"
            )
        except BatchRejected as error:
            message = "; ".join(f"{problem.field}: {problem.reason}" for problem in error.problems)
            result.replay_errors.append(
                ReplayError(f"claims[{index}]", claim.established_on, claim.ref, message)
            )
        except (DomainError, ValueError) as error:
            result.replay_errors.append(
                ReplayError(f"claims[{index}]", claim.established_on, claim.ref, str(error))
            )

    return create


def _event(context: Replay, step: Step, result: ScenarioResult) -> Callable[[], None]:
    def apply() -> None:
        try:
            _refuse_before_establishment(context, step)
            EVENTS[step.key].run(context, step)
        except Refused:
            pass  # recorded by the service layer; nothing changed
        except BatchRejected as error:
            message = "; ".join(f"{problem.field}: {problem.reason}" for problem in error.problems)
            result.replay_errors.append(ReplayError(f"timeline[{step.index}]", step.on, step.key, message))
        except (DomainError, ValueError) as error:
            result.replay_errors.append(ReplayError(f"timeline[{step.index}]", step.on, step.key, str(error)))
        except Forbidden as error:  # the scenario's actor may not do it: the file asks for an act
            message = f"forbidden: {error.reason}"  # no one could do through the back office
            result.replay_errors.append(ReplayError(f"timeline[{step.index}]", step.on, step.key, message))

    return apply


def _refuse_before_establishment(context: Replay, step: Step) -> None:
    """An event on a claim of the file that is not established yet on its date is refused.

    The claim does not exist yet in the database (it is created on its
    ``established_on``), so the service would only answer "no such claim"; the
    refusal is recorded through the service layer, with the message the service
    gives for an event dated before a claim's establishment.
    """
    for _, kind, claim in references(step.value, step.key):
        established = context.established_on.get(claim)
        if kind != "claim" or established is None or step.on >= established:
            continue
        message = f"claim {claim} is established on {established.isoformat()}"
        raise refuse(context.services, context.organism, step.on, step.key, claim, message)


def _check(context: Replay, expectation: Expectation, last: date, result: ScenarioResult) -> None:
    on = expectation.on or last
    result.checked += 1
    for check in expectation.checks:
        mismatches: list[Mismatch] = CHECKS[check.key].run(context, on, check.value)
        result.failures.extend(
            ExpectationFailure(expectation.index, on, mismatch.key, mismatch.expected, mismatch.actual)
            for mismatch in mismatches
        )
