"""The withholding explained to the debtor, in plain French, in the same words everywhere: the
notification letter, the statement sent when the monthly withholding changes, and the debtor's
own space. The rules come from the policy in force (``domain.withholding_rules``), the
computation of a payment from the explanation recorded with it (``domain.withholding``).

``issue_statements`` decides the statements: for each debtor with a benefit payment on a day,
when the amount withheld differs from his previous payment's (or when it is his first
withholding), a letter ``withholding_statement`` (one per debtor and payment day), rendered like
every letter; the outbox then e-mails it where the debtor consents.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from recouvre import policy as policies
from recouvre.domain.withholding import explain_in_french
from recouvre.domain.withholding_rules import rules_in_french
from recouvre.letters.context import BENEFIT_NAMES
from recouvre.service.context import Services
from recouvre.storage import repository
from recouvre.storage.repository import LetterDraft
from recouvre.storage.tables import BenefitPaymentRow, ClaimRow, DebtorRow

STATEMENT = "withholding_statement"


def _names() -> dict[str, str]:
    return {benefit.value: name for benefit, name in BENEFIT_NAMES.items()}


def rules_lines(policy: policies.Policy, on: date) -> tuple[str, ...]:
    """The rules of the withholding in force on ``on``; none where the organism withholds
    nothing on benefits (its policy has no scale: the CNSS)."""
    from recouvre.service.withholding import REQUIRED_KEYS, parameters_on

    if any(key not in policy for key in REQUIRED_KEYS):
        return ()
    return tuple(rules_in_french(parameters_on(policy, on), _names()))


def rules_for(services: Services, organism: str, on: date) -> tuple[str, ...]:
    with services.db.unit_of_work() as session:
        _, found = services.organism(session, organism)
    return rules_lines(services.policy(found), on)


def payment_lines(session: Session, debtor_id: int, paid_on: date) -> tuple[str, ...]:
    """The explanation of the debtor's last benefit payment on ``paid_on``."""
    row = session.scalar(
        select(BenefitPaymentRow)
        .where(BenefitPaymentRow.debtor_id == debtor_id, BenefitPaymentRow.paid_on == paid_on)
        .order_by(BenefitPaymentRow.id.desc())
        .limit(1)
    )
    if row is None or not row.explanation:
        return ()
    return tuple(explain_in_french(row.explanation))


def issue_statements(services: Services, organism: str, paid_on: date) -> int:
    """Decide the statements of the benefit payments of ``paid_on`` whose withholding changed."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        today = session.execute(
            select(BenefitPaymentRow.debtor_id, BenefitPaymentRow.withheld_cents, BenefitPaymentRow.id)
            .where(BenefitPaymentRow.organism_id == organism_id, BenefitPaymentRow.paid_on == paid_on)
            .order_by(BenefitPaymentRow.id)
        ).all()
        current: dict[int, int] = {}
        for debtor_id, withheld, _ in today:
            current[debtor_id] = current.get(debtor_id, 0) + withheld
        drafts: list[LetterDraft] = []
        for debtor_id, withheld in current.items():
            before = session.execute(
                select(BenefitPaymentRow.paid_on, BenefitPaymentRow.withheld_cents)
                .where(BenefitPaymentRow.debtor_id == debtor_id, BenefitPaymentRow.paid_on < paid_on)
                .order_by(BenefitPaymentRow.paid_on.desc(), BenefitPaymentRow.id.desc())
            ).all()
            previous_day = before[0][0] if before else None
            previous = sum(amount for day, amount in before if day == previous_day)
            if withheld == previous:
                continue
            claim_ids = tuple(
                session.scalars(
                    select(ClaimRow.id)
                    .where(ClaimRow.debtor_id == debtor_id, ClaimRow.established_on <= paid_on)
                    .order_by(ClaimRow.established_on, ClaimRow.id)
                )
            )
            if not claim_ids:
                continue
            ref = session.scalar(select(DebtorRow.ref).where(DebtorRow.id == debtor_id))
            drafts.append(
                LetterDraft(
                    key=f"{organism}:{ref}:{STATEMENT}:{paid_on.isoformat()}",
                    organism_id=organism_id,
                    debtor_id=debtor_id,
                    type=STATEMENT,
                    issued_on=paid_on,
                    claim_ids=claim_ids,
                    cycle=paid_on.strftime("%Y-%m"),
                    data={
                        "paid_on": paid_on.isoformat(),
                        "withheld_cents": withheld,
                        "previous_cents": previous,
                        "previous_on": None if previous_day is None else previous_day.isoformat(),
                    },
                )
            )
        return repository.insert_letters(session, drafts)
