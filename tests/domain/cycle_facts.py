"""Facts and rules for the tests of the cycle's steps (``recouvre.domain.cycle``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from recouvre.domain.cycle import ClaimFacts, CycleRules, CycleRun
from recouvre.domain.defaults import DefaultState
from recouvre.policy.values import DefaultStep

ON = date(2026, 11, 1)
RUN = CycleRun("ORG", "2026-11", ON)
RULES = CycleRules(
    steps=("surcharges", "promises", "defaults"),
    default_steps=(
        DefaultStep(1, "reminder_1"),
        DefaultStep(2, "reminder_2", "phone_call"),
        DefaultStep(3, "formal_notice"),
    ),
    formal_notice_months=1,
    repeat_window_months=12,
    start_delay_days=20,
    recent_withholding_days=31,
    task_due_days=10,
    surcharge_first=Decimal(3),
    surcharge_monthly=Decimal(1),
    minimums={"RSA": 7_700},
)
FRESH = DefaultState()


def claim(ident: int = 1, **changes: Any) -> ClaimFacts:
    """A claim of 1,000.00 notified on 10 August 2026, nothing paid (k = 3 on ``ON``)."""
    values: dict[str, Any] = {
        "id": ident,
        "ref": f"C{ident}",
        "debtor_id": 100 + ident,
        "debtor_ref": f"D{ident}",
        "benefit": "AF",
        "notified_on": date(2026, 8, 10),
        "principal": 100_000,
        "state": FRESH,
        "total": 100_000,
        "ledger_total": 100_000,
        "last_sequence": 1,
        "next_sequence": 2,
    }
    values.update(changes)
    return ClaimFacts(**values)
