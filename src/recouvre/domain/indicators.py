"""Steering indicators: their definitions and their pure arithmetic.

Sources: Cnaf lettre-réseau 2015-046 §3.5–3.6 (COG 2013–2017 indicators: the financial recovery
rate, enforceable objective, "comprenant les indus en stock et les indus créés dans l'année";
the gap in remission rates; the amounts recovered in the amicable and contentious phases; a
rolling view), RULES.md §10.1, and SCENARIOS.md "Indicators (normative)" for ``recovery_rate``:

    recovery_rate from F to T = recovered ÷ (stock + new) × 100, two decimals half up, where
    recovered = withholding + payment movements booked from F to T minus their reversal and
    refund movements; stock = the sum of the balances of all claims at the end of F − 1 day
    (whatever their status); new = established, indemnity, surcharge and costs movements booked
    from F to T. Remissions, write-offs, cancellations and discharges are not recovered.

Movement kinds are named by their text (``"costs"`` may be booked by the CNSS procedures even
where ``MovementKind`` does not list it yet). Nothing here reads a database or the clock: the
service layer (``recouvre.service.indicators``) runs the set-based queries and calls these.

A rate whose denominator is zero is **not computable**: ``percent`` returns ``None``, shown as
"non calculable" (never a made-up 0 %).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from recouvre.domain.money import Cents

RECOVERED_KINDS = frozenset({"withholding", "payment"})
"""Money actually received: withheld on benefits, paid by the debtor (any channel)."""
NEW_KINDS = frozenset({"established", "indemnity", "surcharge", "costs"})
"""What increases the debt owed in the period (the claims detected and what is added to them)."""
REFUND_KIND = "refund"
REVERSAL_KIND = "reversal"
REMISSION_KIND = "remission"
NOT_RECOVERED_KINDS = frozenset({"remission", "write_off", "cancellation", "discharge"})
"""Reductions of the debt that bring no money in (never counted as recovered)."""

_HUNDREDTH = Decimal("0.01")


def percent(numerator: Cents, denominator: Cents) -> Decimal | None:
    """``numerator ÷ denominator × 100`` rounded to two decimals, half up, once; ``None`` when the
    denominator is zero or negative (the rate is not computable)."""
    if denominator <= 0:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class RecoveryRateInputs:
    """The three sums of the financial recovery rate (cents)."""

    recovered: Cents
    stock: Cents
    new: Cents

    @property
    def denominator(self) -> Cents:
        return self.stock + self.new

    @property
    def rate(self) -> Decimal | None:
        """SCENARIOS.md "Indicators (normative)": recovered ÷ (stock + new) × 100, half up."""
        return percent(self.recovered, self.denominator)


@dataclass(frozen=True)
class Dispersion:
    """How far organisms' rates are from one another (Cour des comptes: uneven remission
    practice across the network)."""

    count: int
    minimum: Decimal | None
    maximum: Decimal | None
    mean: Decimal | None
    stdev: Decimal | None
    """Population standard deviation, two decimals half up (``None`` below two organisms)."""


def dispersion(rates: Sequence[Decimal]) -> Dispersion:
    """Min, max, mean and population standard deviation of the computable rates."""
    if not rates:
        return Dispersion(0, None, None, None, None)

    def two(value: Decimal) -> Decimal:
        return value.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)

    mean = two(Decimal(sum(rates)) / len(rates))
    stdev = two(Decimal(str(statistics.pstdev([float(rate) for rate in rates])))) if len(rates) > 1 else None
    return Dispersion(len(rates), min(rates), max(rates), mean, stdev)


AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("moins de 6 mois", 0, 183),
    ("6 à 12 mois", 183, 366),
    ("1 à 2 ans", 366, 731),
    ("2 à 5 ans", 731, 1827),
    ("plus de 5 ans", 1827, None),
)
"""Age of a claim (days since it was established), as bands ``[from, to)``."""


def age_band(days: int) -> str:
    for label, start, end in AGE_BANDS:
        if days >= start and (end is None or days < end):
            return label
    return AGE_BANDS[0][0]


@dataclass(frozen=True)
class IndicatorDefinition:
    """One indicator: its name (the key of ``--format json``), its French label and definition."""

    name: str
    label: str
    definition: str
    unit: str
    """``percent``, ``amount``, ``count`` or ``table`` (a breakdown)."""


DEFINITIONS: tuple[IndicatorDefinition, ...] = (
    IndicatorDefinition(
        "recovery_rate",
        "Taux de recouvrement financier",
        "Montants recouvrés (retenues et paiements comptabilisés du début à la fin de la période, "
        "moins leurs annulations et les remboursements de trop-perçu) ÷ (stock : somme des soldes "
        "de toutes les créances la veille du début, quel que soit leur statut + nouveaux : "
        "constatations, pénalités de fraude, majorations et frais de la période) × 100, arrondi au "
        "centième le plus proche. Les remises, admissions en non-valeur, annulations et effacements "
        "ne sont pas des montants recouvrés.",
        "percent",
    ),
    IndicatorDefinition(
        "recovered_vs_detected",
        "Recouvré rapporté au constaté de la période",
        "Montants recouvrés de la période ÷ montants nouveaux de la période (constatations, "
        "pénalités, majorations, frais) × 100 : indicateur de flux.",
        "percent",
    ),
    IndicatorDefinition(
        "recovered_by_phase",
        "Recouvré par phase (amiable, contentieux, exécution forcée)",
        "Montants recouvrés de la période répartis selon la phase de la créance le jour de chaque mouvement.",
        "table",
    ),
    IndicatorDefinition(
        "withholding_share",
        "Part recouvrée par retenue sur prestations",
        "Retenues de la période (moins leurs annulations) ÷ montants recouvrés de la période × 100.",
        "percent",
    ),
    IndicatorDefinition(
        "stock_ageing",
        "Ancienneté du stock",
        "Solde restant dû à la fin de la période, par tranche d'ancienneté (depuis la constatation), "
        "ventilé par phase, par prestation et par responsabilité.",
        "table",
    ),
    IndicatorDefinition(
        "rolling_12_months",
        "Taux de recouvrement financier glissant sur 12 mois",
        "Le taux de recouvrement financier calculé sur les douze mois qui finissent à la fin de la période.",
        "percent",
    ),
    IndicatorDefinition(
        "remission_rate",
        "Taux de remise",
        "Remises de la période (moins leurs annulations) ÷ (stock + nouveaux, comme pour le taux de "
        "recouvrement) × 100.",
        "percent",
    ),
    IndicatorDefinition(
        "remission_dispersion",
        "Dispersion des taux de remise entre organismes",
        "Taux de remise de chaque organisme de la base sur la même période ; minimum, maximum, "
        "moyenne et écart type (critique de la Cour des comptes sur l'hétérogénéité des remises).",
        "table",
    ),
    IndicatorDefinition(
        "time_barred_next_90_days",
        "Montants prescrits dans les 90 jours",
        "Solde, à la fin de la période, des créances non prescrites dont la date de prescription "
        "tombe dans les 90 jours qui suivent.",
        "amount",
    ),
    IndicatorDefinition(
        "task_workload",
        "Charge et ancienneté des tâches",
        "Tâches ouvertes à la fin de la période par corbeille (type) et par agent, avec l'âge moyen "
        "et maximal en jours depuis leur création.",
        "table",
    ),
    IndicatorDefinition(
        "phone_campaign",
        "Télérecouvrement",
        "Taux de joignabilité (appels aboutis ÷ appels passés) et taux d'efficacité (promesses ou "
        "paiements ÷ débiteurs joints) des campagnes d'appels.",
        "table",
    ),
    IndicatorDefinition(
        "enforcement_pipeline",
        "Titres exécutoires en cours",
        "Nombre et montants des titres (contraintes, injonctions de payer) par état : délivré, "
        "signifié, opposé, exécutoire, annulé.",
        "table",
    ),
    IndicatorDefinition(
        "agency_league",
        "Classement des agences de recouvrement",
        "Par agence : montants confiés, montants recouvrés, taux de recouvrement et commissions.",
        "table",
    ),
)

DEFINITION_OF = {definition.name: definition for definition in DEFINITIONS}
