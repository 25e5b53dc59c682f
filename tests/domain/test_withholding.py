"""domain.withholding: ``decide_withholding`` and the allocation among claims, tested directly.

The scales are built from RULES.md §1.4 with the public policy value types, so the worked
examples of RULES.md (2020: RMP 200 → 49.00, 500 → 117.90, 700 → 198.60, 1000 → 364.80,
deemed 1186 → 476.40; 2025: 200 → 56.00, 700 → 183.55, deemed 1345 → 540.85) are checked
on ``decide_withholding``'s results, wherever the arithmetic of the scale lives.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recouvre.domain.withholding import (
    BenefitPayment,
    RecoverableClaim,
    WithholdingDecision,
    WithholdingParameters,
    allocate,
    allocation_order,
    decide_withholding,
    explain_in_french,
)
from recouvre.policy.values import WithholdingBand, WithholdingScale

PAID = date(2020, 3, 5)


def scale(flat: str, limits: tuple[str, ...]) -> WithholdingScale:
    """A PRP scale: ``flat`` below the first limit, then 25 / 35 / 45 / 60 % on the marginal bands."""
    cents = [int(Decimal(limit) * 100) for limit in limits]
    uppers: list[int | None] = [*cents[1:], None]
    rates = (25, 35, 45, 60)
    return WithholdingScale(
        flat=int(Decimal(flat) * 100),
        bands=tuple(
            WithholdingBand(lower, upper, Decimal(rate))
            for lower, upper, rate in zip(cents, uppers, rates, strict=True)
        ),
    )


SCALE_2020 = scale("49.00", ("266.00", "396.00", "593.00", "792.00"))
SCALE_2025 = scale("56.00", ("301.00", "450.00", "672.00", "898.00"))


def parameters(
    *,
    year: int = 2020,
    arrears_rate: str = "100",
) -> WithholdingParameters:
    return WithholdingParameters(
        scale=SCALE_2020 if year == 2020 else SCALE_2025,
        scale_from=date(year, 1, 1),
        deemed_rmp=118_600 if year == 2020 else 134_500,
        arrears_rate=Decimal(arrears_rate),
        arrears_exempt=frozenset({"RSA", "AAH"}),
        exempt_after_rent_debt_clearance=frozenset({"AL", "APL"}),
    )


PARAMETERS = parameters()


def payment(
    regular: dict[str, int] | None = None,
    arrears: dict[str, int] | None = None,
    *,
    after_rent_debt_clearance: bool = False,
    on: date = PAID,
) -> BenefitPayment:
    return BenefitPayment(
        "D1",
        on,
        {"AF": 200_000} if regular is None else regular,
        arrears or {},
        after_rent_debt_clearance,
    )


def claim(ref: str, balance: int = 1_000_000, notified_on: date = date(2020, 1, 10)) -> RecoverableClaim:
    return RecoverableClaim(ref, notified_on, balance)


def decide(
    pay: BenefitPayment | None = None,
    claims: list[RecoverableClaim] | None = None,
    *,
    rmp: int | None = 70_000,
    params: WithholdingParameters = PARAMETERS,
    already: int = 0,
    override: int | None = None,
) -> WithholdingDecision:
    return decide_withholding(
        payment() if pay is None else pay,
        [claim("C1")] if claims is None else claims,
        params,
        rmp=rmp,
        prp_already_withheld=already,
        monthly_override=override,
    )


# -- the PRP scale, regular payments -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "rmp", "prp"),
    [
        (2020, 0, 4_900),
        (2020, 20_000, 4_900),
        (2020, 26_600, 4_900),  # at the first limit: the flat amount only
        (2020, 50_000, 11_790),
        (2020, 70_000, 19_860),
        (2020, 100_000, 36_480),
        (2025, 20_000, 5_600),
        (2025, 70_000, 18_355),
    ],
)
def test_regular_capacity_is_the_prp_of_the_scale(year: int, rmp: int, prp: int) -> None:
    decision = decide(rmp=rmp, params=parameters(year=year))
    assert (decision.rmp, decision.rmp_deemed, decision.prp) == (rmp, False, prp)
    assert decision.regular_capacity == prp and decision.arrears_capacity == 0
    assert decision.withheld == prp and decision.net == 200_000 - prp
    assert decision.scale_from == date(year, 1, 1)


@pytest.mark.parametrize(("year", "deemed", "prp"), [(2020, 118_600, 47_640), (2025, 134_500, 54_085)])
def test_an_unknown_quotient_uses_the_deemed_rmp(year: int, deemed: int, prp: int) -> None:
    decision = decide(rmp=None, params=parameters(year=year))
    assert (decision.rmp, decision.rmp_deemed, decision.prp, decision.withheld) == (deemed, True, prp, prp)
    text = "\n".join(explain_in_french(decision.explanation(parameters(year=year))))
    deemed_text = f"{deemed // 100},00 €"
    assert f"le revenu mensuel pondéré retenu est le forfait de {deemed_text}" in text


def test_a_known_quotient_of_zero_is_not_the_deemed_rmp() -> None:
    decision = decide(rmp=0)
    assert (decision.rmp, decision.rmp_deemed, decision.prp) == (0, False, 4_900)


def test_the_prp_is_capped_by_the_regular_payments() -> None:
    decision = decide(payment({"AF": 10_000, "AL": 5_000}), rmp=70_000)
    assert (decision.prp, decision.regular_base, decision.regular_capacity) == (19_860, 15_000, 15_000)
    assert decision.withheld == 15_000 and decision.net == 0


def test_the_withholding_never_exceeds_the_balances() -> None:
    decision = decide(claims=[claim("C1", 5_000), claim("C2", 2_500)], rmp=70_000)
    assert decision.capacity == 19_860
    # same notification date: the smaller balance first
    assert [(a.claim_ref, a.amount) for a in decision.allocations] == [("C2", 2_500), ("C1", 5_000)]
    assert decision.withheld == 7_500 and decision.net == 200_000 - 7_500


def test_a_monthly_amount_set_by_decision_replaces_the_scale() -> None:
    decision = decide(rmp=100_000, override=5_000)
    assert (decision.prp, decision.overridden, decision.withheld) == (5_000, True, 5_000)
    text = "\n".join(explain_in_french(decision.explanation(PARAMETERS)))
    assert "Montant mensuel fixé par décision (aménagement du recouvrement) : 50,00 €." in text
    assert "Barème" not in text


# -- arrears ("rappels") -----------------------------------------------------------------------------


def test_arrears_are_withheld_at_the_arrears_rate_on_top_of_the_prp() -> None:
    decision = decide(payment({"AF": 50_000}, {"AF": 30_000, "PAJE": 2_000}), rmp=70_000)
    assert (decision.regular_base, decision.regular_capacity) == (50_000, 19_860)
    assert (decision.arrears_base, decision.arrears_capacity) == (32_000, 32_000)
    assert decision.capacity == 51_860 and decision.withheld == 51_860
    assert decision.net == 82_000 - 51_860
    assert decision.prp_withheld == 19_860


def test_a_partial_arrears_rate_is_rounded_once_half_up() -> None:
    decision = decide(payment({"AF": 0}, {"AF": 30_001}), rmp=70_000, params=parameters(arrears_rate="50"))
    assert (decision.regular_capacity, decision.arrears_capacity) == (0, 15_001)  # 150.005 -> 150.01
    assert decision.withheld == 15_001


@pytest.mark.parametrize("benefit", ["RSA", "AAH"])
def test_rsa_and_aah_arrears_are_exempt_only_the_prp_applies(benefit: str) -> None:
    decision = decide(payment({benefit: 10_000}, {benefit: 40_000}), rmp=70_000)
    assert (decision.regular_base, decision.regular_capacity) == (50_000, 19_860)
    assert (decision.arrears_base, decision.arrears_capacity) == (0, 0)
    assert decision.withheld == 19_860
    assert decision.explanation(PARAMETERS)["arrears_exempt"] == ["AAH", "RSA"]


def test_exempt_and_other_arrears_in_the_same_payment() -> None:
    decision = decide(payment({"RSA": 5_000}, {"RSA": 20_000, "AF": 7_000}), rmp=70_000)
    assert (decision.regular_base, decision.regular_capacity) == (25_000, 19_860)
    assert (decision.arrears_base, decision.arrears_capacity) == (7_000, 7_000)
    assert decision.withheld == 26_860


@pytest.mark.parametrize("benefit", ["AL", "APL"])
def test_housing_arrears_are_exempt_only_after_a_rent_debt_clearance(benefit: str) -> None:
    plain = decide(payment({benefit: 5_000}, {benefit: 40_000}), rmp=70_000)
    assert (plain.regular_capacity, plain.arrears_capacity, plain.withheld) == (5_000, 40_000, 45_000)
    assert plain.explanation(PARAMETERS)["arrears_exempt"] == ["AAH", "RSA"]
    cleared = decide(payment({benefit: 5_000}, {benefit: 40_000}, after_rent_debt_clearance=True), rmp=70_000)
    assert (cleared.regular_base, cleared.regular_capacity) == (45_000, 19_860)
    assert (cleared.arrears_base, cleared.arrears_capacity, cleared.withheld) == (0, 0, 19_860)
    assert cleared.explanation(PARAMETERS)["arrears_exempt"] == ["AAH", "AL", "APL", "RSA"]
    # the clearance exempts housing arrears only: family-benefit arrears stay at 100 %
    mixed = decide(payment({"AF": 0}, {"AF": 1_000}, after_rent_debt_clearance=True), rmp=70_000)
    assert (mixed.arrears_base, mixed.arrears_capacity) == (1_000, 1_000)


# -- one monthly withholding (D553-4) ---------------------------------------------------------------


def test_a_second_payment_of_the_month_takes_what_remains_of_the_prp() -> None:
    first = decide(payment({"AF": 10_000}), rmp=70_000)
    assert first.withheld == 10_000 and first.prp_withheld == 10_000
    second = decide(payment({"AF": 50_000}, on=date(2020, 3, 25)), rmp=70_000, already=first.prp_withheld)
    assert (second.prp, second.prp_already_withheld, second.regular_capacity) == (19_860, 10_000, 9_860)
    assert second.withheld == 9_860
    assert first.withheld + second.withheld == 19_860  # one monthly PRP in all


def test_once_the_prp_is_used_up_only_arrears_are_taken() -> None:
    decision = decide(payment({"AF": 50_000}, {"AF": 3_000}), rmp=70_000, already=19_860)
    assert (decision.regular_capacity, decision.arrears_capacity, decision.withheld) == (0, 3_000, 3_000)
    assert decision.prp_withheld == 0
    over = decide(payment({"AF": 50_000}), rmp=70_000, already=25_000)  # never a negative capacity
    assert (over.regular_capacity, over.withheld) == (0, 0)


# -- allocation among claims ------------------------------------------------------------------------


def test_allocation_oldest_notified_first_then_smallest_balance_then_reference() -> None:
    claims = [
        claim("C2", 3_000, date(2020, 1, 10)),
        claim("C10", 3_000, date(2020, 1, 10)),  # same date and balance: "C10" < "C2" in code points
        claim("B", 2_000, date(2020, 1, 10)),  # same date, smaller balance
        claim("OLD", 4_000, date(2019, 12, 1)),  # oldest notification
        claim("NEW", 100, date(2020, 2, 1)),
    ]
    assert [c.ref for c in allocation_order(claims)] == ["OLD", "B", "C10", "C2", "NEW"]
    decision = decide(claims=claims, rmp=70_000)  # capacity 198.60
    assert [(a.claim_ref, a.order, a.balance_before, a.amount) for a in decision.allocations] == [
        ("OLD", 1, 4_000, 4_000),
        ("B", 2, 2_000, 2_000),
        ("C10", 3, 3_000, 3_000),
        ("C2", 4, 3_000, 3_000),
        ("NEW", 5, 100, 100),
    ]
    short = decide(claims=claims, rmp=50_000)  # capacity 117.90
    assert [(a.claim_ref, a.amount) for a in short.allocations] == [
        ("OLD", 4_000),
        ("B", 2_000),
        ("C10", 3_000),
        ("C2", 2_790),
    ]
    assert short.withheld == 11_790


def test_nothing_recoverable_withholds_nothing() -> None:
    decision = decide(payment({"AF": 50_000}, {"AF": 1_000}), claims=[], rmp=70_000)
    assert decision.capacity == 20_860 and decision.allocations == () and decision.withheld == 0
    assert decision.net == 51_000
    lines = explain_in_french(decision.explanation(PARAMETERS))
    assert "Aucune créance n'est recouvrable à cette date : rien n'est retenu." in lines
    assert lines[-1] == "Total retenu 0,00 € ; montant versé 510,00 €."


# -- the explanation --------------------------------------------------------------------------------


def test_the_explanation_gives_scale_year_rmp_bands_capacity_and_order() -> None:
    claims = [claim("C2", 10_000, date(2020, 2, 1)), claim("C1", 50_000, date(2020, 1, 10))]
    decision = decide(payment({"AF": 50_000}, {"AF": 2_000}), claims, rmp=70_000)
    explanation = decision.explanation(PARAMETERS)
    assert explanation == {
        "paid_on": "2020-03-05",
        "gross": 52_000,
        "regular": {"AF": 50_000},
        "arrears": {"AF": 2_000},
        "after_rent_debt_clearance": False,
        "rmp": 70_000,
        "rmp_deemed": False,
        "scale_from": "2020-01-01",
        "scale_flat": 4_900,
        "bands": [
            {"band": "de 266.00 à 396.00", "base": 13_000, "rate": "25", "amount": "3250"},
            {"band": "de 396.00 à 593.00", "base": 19_700, "rate": "35", "amount": "6895"},
            {"band": "de 593.00 à 792.00", "base": 10_700, "rate": "45", "amount": "4815"},
        ],
        "prp": 19_860,
        "fraud_raise_rate": "0",
        "fraud_raise": 0,
        "prp_overridden": False,
        "prp_already_withheld": 0,
        "regular_base": 50_000,
        "regular_capacity": 19_860,
        "arrears_rate": "100",
        "arrears_exempt": ["AAH", "RSA"],
        "arrears_base": 2_000,
        "arrears_capacity": 2_000,
        "capacity": 21_860,
        "allocations": [
            {"claim": "C1", "order": 1, "balance_before": 50_000, "amount": 21_860},
        ],
        "withheld": 21_860,
        "net": 30_140,
    }
    assert decision.exempt_benefits(PARAMETERS) == {"AAH", "RSA"}


def test_the_explanation_in_french() -> None:
    claims = [claim("C1", 15_000, date(2020, 1, 10)), claim("C2", 10_000, date(2020, 2, 1))]
    decision = decide(payment({"AF": 50_000}), claims, rmp=70_000, already=1_000)
    assert explain_in_french(decision.explanation(PARAMETERS)) == [
        "Paiement du 2020-03-05 : montant brut 500,00 €.",
        "Votre revenu mensuel pondéré (RMP) est de 700,00 €.",
        "Barème du plan personnalisé de remboursement en vigueur depuis le 2020-01-01 : "
        "49,00 € forfaitaires + 25 % de 130,00 € (de 266.00 à 396.00) + 35 % de 197,00 € (de 396.00 à 593.00)"
        " + 45 % de 107,00 € (de 593.00 à 792.00) = 198,60 € par mois.",
        "Déjà retenu ce mois-ci au titre du barème : 10,00 €.",
        "Retenue possible sur vos prestations du mois : 188,60 € "
        "(au plus les prestations versées, 500,00 €).",
        "Rappels exonérés (traités comme des prestations mensuelles) : AAH, RSA.",
        "Créance C1 (rang 1, la plus ancienne d'abord) : 150,00 € retenus sur un solde de 150,00 €.",
        "Créance C2 (rang 2, la plus ancienne d'abord) : 38,60 € retenus sur un solde de 100,00 €.",
        "Total retenu 188,60 € ; montant versé 311,40 €.",
    ]


def test_the_explanation_names_the_top_band_above_its_lower_limit() -> None:
    explanation = decide(rmp=100_000).explanation(PARAMETERS)
    assert [band["band"] for band in explanation["bands"]] == [
        "de 266.00 à 396.00",
        "de 396.00 à 593.00",
        "de 593.00 à 792.00",
        "au-delà de 792.00",
    ]
    assert explanation["bands"][-1]["base"] == 20_800 and explanation["prp"] == 36_480
    assert decide(rmp=20_000).explanation(PARAMETERS)["bands"] == []  # the flat amount only


# -- properties --------------------------------------------------------------------------------------

refs = st.text(alphabet="ABC0123456789", min_size=1, max_size=4)
recoverable = st.builds(
    RecoverableClaim,
    ref=refs,
    notified_on=st.dates(min_value=date(2019, 1, 1), max_value=date(2020, 3, 1)),
    balance=st.integers(min_value=0, max_value=300_000),
)
claim_lists = st.lists(recoverable, max_size=6, unique_by=lambda c: c.ref)


@settings(max_examples=200, deadline=None)
@given(capacity=st.integers(min_value=0, max_value=1_000_000), claims=claim_lists)
def test_allocation_never_exceeds_capacity_nor_any_balance(
    capacity: int, claims: list[RecoverableClaim]
) -> None:
    allocations = allocate(capacity, claims)
    balances = {c.ref: c.balance for c in claims}
    assert sum(a.amount for a in allocations) == min(capacity, sum(balances.values()))
    assert all(0 < a.amount <= balances[a.claim_ref] == a.balance_before for a in allocations)
    assert len({a.claim_ref for a in allocations}) == len(allocations)
    # in order: a claim gets something only once every claim before it is paid in full
    ordered = allocation_order(claims)
    rank = {c.ref: index for index, c in enumerate(ordered, start=1)}
    assert [a.order for a in allocations] == sorted(rank[a.claim_ref] for a in allocations)
    for a in allocations:
        assert a.order == rank[a.claim_ref]
        got = {b.claim_ref: b.amount for b in allocations}
        assert all(got.get(c.ref, 0) == c.balance for c in ordered[: a.order - 1])


@settings(max_examples=200, deadline=None)
@given(
    regular=st.dictionaries(st.sampled_from(["AF", "AL", "RSA", "AAH"]), st.integers(0, 150_000), max_size=3),
    arrears=st.dictionaries(st.sampled_from(["AF", "AL", "RSA", "AAH"]), st.integers(0, 150_000), max_size=3),
    cleared=st.booleans(),
    rmp=st.one_of(st.none(), st.integers(min_value=0, max_value=400_000)),
    already=st.integers(min_value=0, max_value=60_000),
    claims=claim_lists,
)
def test_the_decision_adds_up(
    regular: dict[str, int],
    arrears: dict[str, int],
    cleared: bool,
    rmp: int | None,
    already: int,
    claims: list[RecoverableClaim],
) -> None:
    pay = BenefitPayment("D1", PAID, regular, arrears, cleared)
    decision = decide(pay, claims, rmp=rmp, already=already)
    exempt = {"RSA", "AAH"} | ({"AL"} if cleared else set())
    exempt_arrears = sum(amount for benefit, amount in arrears.items() if benefit in exempt)
    assert decision.regular_base == sum(regular.values()) + exempt_arrears
    assert decision.arrears_base == sum(arrears.values()) - exempt_arrears
    assert decision.arrears_capacity == decision.arrears_base  # at 100 %
    assert decision.regular_capacity == max(min(decision.prp - already, decision.regular_base), 0)
    assert decision.withheld == min(decision.capacity, sum(c.balance for c in claims))
    assert decision.withheld <= pay.gross and decision.net == pay.gross - decision.withheld
    assert decision.prp_withheld <= decision.regular_capacity


@settings(max_examples=100, deadline=None)
@given(rmp=st.integers(min_value=0, max_value=400_000), more=st.integers(min_value=0, max_value=50_000))
def test_a_higher_rmp_never_withholds_less(rmp: int, more: int) -> None:
    low, high = decide(rmp=rmp), decide(rmp=rmp + more)
    assert 4_900 <= low.prp <= high.prp
    assert low.withheld <= high.withheld
