"""What a claim's state allows, checked by the commands before they act (never only by hiding a
button): no promise, plan or suspension on a claim that is over (settled, prescribed, written
off, discharged, cancelled, transferred, not recovered), and no payment larger than the balance
unless the user confirmed that the excess becomes a credit to refund (RULES.md, payments: an
overpayment is refunded to the debtor, never kept)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import ParamSpec, TypeVar

from recouvre.domain.errors import NotFound, Overpayment
from recouvre.domain.french import CLAIM_STATUS, long_date
from recouvre.domain.model import ClaimStatus
from recouvre.domain.money import Cents, format_money
from recouvre.service import claims, queues
from recouvre.service.context import Services, refuse
from recouvre.storage import repository

ENDED = frozenset(
    {
        ClaimStatus.SETTLED,
        ClaimStatus.PRESCRIBED,
        ClaimStatus.WRITTEN_OFF,
        ClaimStatus.DISCHARGED,
        ClaimStatus.CANCELLED,
        ClaimStatus.TRANSFERRED,
        ClaimStatus.NOT_RECOVERED,
    }
)
"""The statuses of a claim whose recovery is over: nothing is asked of the debtor any more."""
P = ParamSpec("P")
T = TypeVar("T")


def currency(services: Services, organism_code: str, on: date) -> str:
    with services.db.unit_of_work() as session:
        _, organism = services.organism(session, organism_code)
    return queues.currency_of(services, organism, on)


def require_recoverable(
    services: Services, organism_code: str, claim_ref: str, on: date, event: str, what: str
) -> None:
    """Refuse ``event`` (``what``: « une promesse de paiement »…) on a claim whose recovery is
    over on ``on``; the refusal is recorded like any other."""
    try:
        view = claims.view_claim(services, organism_code, claim_ref, on)
    except NotFound:  # not yet established on ``on``: the act itself says so
        return
    if view.status in ENDED:
        status = CLAIM_STATUS.get(view.status.value, view.status.value)
        raise refuse(
            services,
            organism_code,
            on,
            event,
            claim_ref,
            f"la créance {claim_ref} est {status} au {long_date(on)} : {what} n'est plus possible",
        )


def overpayment(
    services: Services, organism_code: str, claim_ref: str, amount: Cents, on: date, key: str
) -> Overpayment | None:
    """The error to raise for a payment of ``amount`` larger than the balance on ``on`` (``None``
    when it is not larger, or when the payment ``key`` is already booked: a replay books
    nothing)."""
    with services.db.unit_of_work() as session:
        if repository.movement_by_key(session, f"{organism_code}:{claim_ref}:payment:{key}") is not None:
            return None
    try:
        view = claims.view_claim(services, organism_code, claim_ref, on)
    except NotFound:  # not yet established on ``on``: the booking says so
        return None
    if amount <= view.balance:
        return None
    balance = max(view.balance, 0)
    credit = amount - balance
    code = currency(services, organism_code, on)
    reason = (
        f"le paiement de {format_money(amount, code)} dépasse le solde de la créance {claim_ref} "
        f"({format_money(balance, code)} au {long_date(on)}) : {format_money(credit, code)} "
        "deviendraient un trop-perçu à rembourser au débiteur. Confirmez le paiement pour "
        "l'enregistrer quand même"
    )
    return Overpayment(claim_ref, amount, balance, credit, reason)


def checked(
    services: Services, organism_code: str, claim_ref: str, on: date, event: str, what: str
) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """``function`` preceded by ``require_recoverable``: ``checked(...)(plans.agree_plan)(...)``."""

    def wrap(function: Callable[P, T]) -> Callable[P, T]:
        def run(*args: P.args, **kwargs: P.kwargs) -> T:
            require_recoverable(services, organism_code, claim_ref, on, event, what)
            return function(*args, **kwargs)

        return run

    return wrap
