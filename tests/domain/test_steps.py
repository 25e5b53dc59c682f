"""The named steps of the cycle and the lists a policy may ask for (recouvre.domain.steps)."""

from __future__ import annotations

import pytest

from recouvre.domain.defaults import defaults
from recouvre.domain.promises import promises
from recouvre.domain.steps import STEPS, steps_named
from recouvre.domain.surcharges import surcharges
from recouvre.policy.schema import NAME_DOMAINS


def test_the_national_order() -> None:
    assert steps_named(["surcharges", "promises", "defaults"]) == (surcharges, promises, defaults)


def test_the_policy_knows_the_same_names() -> None:
    assert NAME_DOMAINS["cycle_step"] == frozenset(STEPS)


def test_steps_may_be_dropped_or_reordered() -> None:
    assert steps_named(["promises", "defaults", "surcharges"]) == (promises, defaults, surcharges)
    assert steps_named(["defaults"]) == (defaults,)
    assert steps_named([]) == ()


@pytest.mark.parametrize(
    ("names", "reason"),
    [
        (["surcharges", "penalties"], "unknown step(s) penalties"),
        (["defaults", "defaults"], "listed twice: defaults"),
        (["defaults", "promises"], "step promises must come before step defaults"),
    ],
)
def test_invalid_lists_are_refused(names: list[str], reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        steps_named(names)
