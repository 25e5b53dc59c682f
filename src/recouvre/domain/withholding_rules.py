"""The rules of the monthly withholding on benefits, in plain French, for a debtor to read: the
same words on the notification letter, on the statement sent when the monthly withholding
changes, and in the debtor's own space (``/debiteur/``).

Sources: CSS L553-2 and D553-1 (the PRP scale on the revenu mensuel pondéré, its bands, the
deemed RMP when resources are unknown), D553-4 (one withholding a month, oldest claim first,
then the smallest), D553-5 (the raise while a fraud claim is recoverable), Cnaf lettre-réseau
2015-046 §2.3.2 (rappels withheld in full, its exceptions) — RULES.md §1.4.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from recouvre.domain.money import Cents, format_amount
from recouvre.domain.withholding import WithholdingParameters


def euros(cents: Cents) -> str:
    """``1 234,50 €``."""
    units, _, decimals = format_amount(cents).partition(".")
    sign = "-" if units.startswith("-") else ""
    grouped = f"{abs(int(units)):,}".replace(",", "\u202f")
    return f"{sign}{grouped},{decimals}\u00a0€"


def _rate(rate: Decimal) -> str:
    text = f"{rate.normalize():f}".replace(".", ",")
    return f"{text}\u00a0%"


def rules_in_french(
    parameters: WithholdingParameters, benefit_names: Mapping[str, str] | None = None
) -> list[str]:
    """The rules in force (scale and its year, RMP, bands, deemed RMP, arrears, order among
    claims), one sentence per line."""
    names = benefit_names or {}
    scale = parameters.scale
    lines = [
        "Le montant retenu chaque mois sur vos prestations dépend de votre revenu mensuel pondéré "
        "(RMP) : les ressources de votre foyer, ramenées au mois, et les prestations qui vous sont "
        "versées, pondérées selon la composition de votre famille (article D553-1 du code de la "
        "sécurité sociale)."
    ]
    bands = []
    if scale.bands:
        first = scale.bands[0]
        bands.append(f"{euros(scale.flat)} par mois tant que le RMP ne dépasse pas {euros(first.lower)}")
        for band in scale.bands:
            if band.upper is None:
                bands.append(f"plus {_rate(band.rate)} de la part du RMP au-delà de {euros(band.lower)}")
            else:
                bands.append(
                    f"plus {_rate(band.rate)} de la part du RMP comprise entre {euros(band.lower)} "
                    f"et {euros(band.upper)}"
                )
    else:
        bands.append(f"{euros(scale.flat)} par mois")
    lines.append(
        f"Le barème appliqué est celui en vigueur depuis le {parameters.scale_from.strftime('%d/%m/%Y')} "
        f"(barème {parameters.scale_from.year}) : " + " ; ".join(bands) + "."
    )
    lines.append(
        "Si vos ressources ne sont pas connues, le RMP retenu est un forfait de "
        f"{euros(parameters.deemed_rmp)}."
    )
    exempt = sorted(names.get(code, code) for code in parameters.arrears_exempt)
    arrears = (
        f"Les rappels (des prestations versées en retard pour des mois passés) sont retenus à "
        f"{_rate(parameters.arrears_rate)} de leur montant"
    )
    if exempt:
        arrears += ", sauf les rappels de " + ", ".join(exempt) + ", traités comme des prestations du mois"
    lines.append(arrears + ".")
    after_clearance = sorted(names.get(code, code) for code in parameters.exempt_after_rent_debt_clearance)
    if after_clearance:
        lines.append(
            "Les rappels de " + ", ".join(after_clearance) + " versés après l'apurement d'une dette de loyer "
            "sont aussi traités comme des prestations du mois."
        )
    if parameters.fraud_raise_rate:
        lines.append(
            f"Tant qu'une dette due à une fraude reste à rembourser, le montant du barème est majoré de "
            f"{_rate(parameters.fraud_raise_rate)} (article D553-5)."
        )
    lines.append(
        "Une seule retenue est faite chaque mois, quel que soit le nombre de vos dettes : elle rembourse "
        "d'abord la plus ancienne, puis, pour des dettes de la même date, la plus petite "
        "(article D553-4)."
    )
    return lines
