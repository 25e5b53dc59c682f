"""Whether the organism's benefit-payment run of a month is booked, before its monthly cycle.

The cycle counts as in default a claim whose instalments the month's credits do not cover; for
a claim recovered by withholding on benefits, those credits are the month's payment run. A cycle
run before the run is booked finds every such claim in default and sends its letters (once, a
cycle acting once per claim and month): the command refuses it unless the user confirms on
purpose (``without_payment_run``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from recouvre.domain.defaults import add_months
from recouvre.service.context import Services
from recouvre.storage.tables import BenefitPaymentRow, DebtorRow

WITHHOLDING_POLICY = "withholding.scale"
"""An organism whose policy has a withholding scale recovers claims on the benefits it pays."""


def required(services: Services, organism_code: str) -> bool:
    """Whether the organism recovers by withholding: a withholding scale in its policy and at
    least one debtor receiving benefits."""
    with services.db.unit_of_work() as session:
        organism_id, organism = services.organism(session, organism_code)
        if not services.policy(organism).has(WITHHOLDING_POLICY):
            return False
        found = session.scalar(
            select(DebtorRow.id)
            .where(DebtorRow.organism_id == organism_id, DebtorRow.receives_benefits.is_(True))
            .limit(1)
        )
    return found is not None


def booked(services: Services, organism_code: str, first: date) -> bool:
    """Whether a benefit payment of the organism is booked in the month starting on ``first``."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        found = session.scalar(
            select(BenefitPaymentRow.id)
            .where(
                BenefitPaymentRow.organism_id == organism_id,
                BenefitPaymentRow.paid_on >= first,
                BenefitPaymentRow.paid_on < add_months(first, 1),
            )
            .limit(1)
        )
    return found is not None
