"""Remissions (remises de dettes, PM241 procedure 15): the rules, as pure functions.

Sources (RULES.md §4, R-REMISE-1/2/3, R-NOTIF-2, R-SUSP-1):

* CSS L553-2 (last paragraph) and CASF L262-46 (RSA): a claim may be remitted in whole or in
  part when the debtor is in a precarious situation, **never for fraud** or false declarations.
* Lettre réseau Cnaf 2015-046 §2.3.1: only on the **express request** of the debtor, their legal
  representative or a mandated third party, by any traceable channel; the organism never refers
  a case to itself, except the **death of a child** (no notification, automatic referral to the
  board, scale favouring 100 %). Requests whose amount is **strictly below** the threshold (at
  least 1.5 × BMAF at 1 January, policy ``remission.threshold``) are decided by the
  administrative services; the others by the board (CRA).
* The rate comes from the organism's scale: PRP quotient band × responsibility (policy
  ``remission.scale``, R-REMISE-3). A request is an acknowledgment of the debt (R-PRESC-3).
* RSA: a remission request suspends recovery until decided (CASF L262-46, R-SUSP-1).

The remitted amount is the decided rate of the balance at the decision date, rounded once to
the cent, half up (SCENARIOS.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from recouvre.domain.model import Benefit, DomainError, Responsibility
from recouvre.domain.money import Cents, percent_of
from recouvre.domain.scales import RemissionScale


class Requester(StrEnum):
    """Who asked for the remission. ``organism`` is only accepted as ``organism_auto`` (child death)."""

    DEBTOR = "debtor"
    REPRESENTATIVE = "representative"
    MANDATARY = "mandatary"
    ORGANISM = "organism"
    ORGANISM_AUTO = "organism_auto"


DEBTOR_SIDE = frozenset({Requester.DEBTOR, Requester.REPRESENTATIVE, Requester.MANDATARY})
"""Requesters whose request is the debtor's own act (an acknowledgment of the debt, R-PRESC-3)."""


class Route(StrEnum):
    SERVICES = "services"
    BOARD = "board"


class RemissionStatus(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    PARTIAL = "partial"
    REFUSED = "refused"


CHILD_DEATH_RATE = Decimal(100)
"""R-NOTIF-2 (Lettre réseau Cnaf 2015-046): a child-death claim is referred to the board with the
remission rate preset to 100 %."""

SUSPENDS_ON_REQUEST = frozenset({Benefit.RSA})
"""Benefits for which a remission request suspends recovery until decided (CASF L262-46, R-SUSP-1)."""

HUNDRED = Decimal(100)


def parse_rate(value: object, field: str = "rate") -> Decimal:
    """A percent between 0 and 100 with at most two decimals (given as text, int or Decimal)."""
    if isinstance(value, bool) or value is None:
        raise DomainError(field, value, "un pourcentage entre 0 et 100")
    text = repr(value) if isinstance(value, float) else str(value).strip()
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise DomainError(field, value, "un pourcentage entre 0 et 100") from None
    exponent = rate.as_tuple().exponent
    if not rate.is_finite() or not isinstance(exponent, int) or exponent < -2:
        raise DomainError(field, value, "un pourcentage avec au plus deux décimales")
    if rate < 0 or rate > HUNDRED:
        raise DomainError(field, value, "un pourcentage entre 0 et 100")
    return rate


def rate_to_bp(rate: Decimal) -> int:
    """A percent as an integer number of hundredths of a percent (basis points), for storage."""
    return int(rate * 100)


def bp_to_rate(bp: int) -> Decimal:
    """The inverse of ``rate_to_bp``, normalised (``Decimal('75')``, ``Decimal('37.5')``)."""
    rate = Decimal(bp) / 100
    return rate.quantize(Decimal(1)) if rate == rate.to_integral_value() else rate.normalize()


@dataclass(frozen=True)
class RequestFacts:
    """What the rules look at when a remission is requested."""

    claim_ref: str
    responsibility: Responsibility
    benefit: Benefit
    balance: Cents
    """Balance at the end of the request date."""
    requester: Requester


def refusal_reason(facts: RequestFacts) -> str | None:
    """Why the request is refused, or ``None`` when it is admissible (R-REMISE-1, RULES.md §4).

    Fraud first (never remitted, whoever asks), then self-referral, then nothing owed.
    """
    if facts.responsibility is Responsibility.FRAUD:
        return (
            f"la créance {facts.claim_ref} résulte d'une fraude : aucune remise n'est accordée en cas "
            "de fraude (CSS L553-2 ; CASF L262-46)"
        )
    if facts.requester in (Requester.ORGANISM, Requester.ORGANISM_AUTO) and (
        facts.responsibility is not Responsibility.CHILD_DEATH
    ):
        return (
            "demande de l'organisme : une remise n'est accordée qu'à la demande expresse du débiteur "
            "(ou de son représentant ou mandataire) ; l'organisme ne se saisit jamais lui-même, "
            "sauf au décès d'un enfant (Lettre réseau Cnaf 2015-046 §2.3.1)"
        )
    if facts.balance <= 0:
        return f"la créance {facts.claim_ref} n'a rien de dû à la date de la demande"
    return None


@dataclass(frozen=True)
class Routing:
    """Who decides, and the rate the scale proposes, with what led there (the explanation)."""

    route: Route
    threshold: Cents | None
    balance: Cents
    quotient: Cents | None
    band: int | None
    proposed_rate: Decimal | None

    def explain(self) -> dict[str, object]:
        return {
            "rule": "R-REMISE-2/3",
            "balance_cents": self.balance,
            "threshold_cents": self.threshold,
            "route": self.route.value,
            "prp_quotient_cents": self.quotient,
            "band": self.band,
            "proposed_rate": None if self.proposed_rate is None else str(self.proposed_rate),
        }


def route_for(balance: Cents, threshold: Cents | None) -> Route:
    """R-REMISE-2: strictly below the threshold → services; at or above it → board.

    Without a threshold in the policy (e.g. an organism outside the Caf network), every request
    goes to the board.
    """
    if threshold is not None and balance < threshold:
        return Route.SERVICES
    return Route.BOARD


def routing(
    balance: Cents,
    threshold: Cents | None,
    scale: RemissionScale | None,
    quotient: Cents | None,
    responsibility: Responsibility,
) -> Routing:
    """Route and proposed rate of a request (R-REMISE-2, R-REMISE-3; R-NOTIF-2 for child death)."""
    if responsibility is Responsibility.CHILD_DEATH:
        return Routing(Route.BOARD, threshold, balance, quotient, None, CHILD_DEATH_RATE)
    route = route_for(balance, threshold)
    if scale is None:
        return Routing(route, threshold, balance, quotient, None, None)
    return Routing(
        route,
        threshold,
        balance,
        quotient,
        scale.band_index(quotient),
        scale.rate(quotient, responsibility.value),
    )


def decision_status(rate: Decimal) -> RemissionStatus:
    """0 % refused, 100 % granted, anything between partial."""
    if rate <= 0:
        return RemissionStatus.REFUSED
    if rate >= HUNDRED:
        return RemissionStatus.GRANTED
    return RemissionStatus.PARTIAL


def remitted_amount(balance: Cents, rate: Decimal) -> Cents:
    """``rate`` % of the balance at the decision date, rounded once, half up; never above it."""
    return min(max(percent_of(balance, rate), 0), max(balance, 0))
