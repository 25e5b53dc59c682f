"""The generated data itself: reproducible, valid identifiers, coherent claims, realistic mix."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum import iban as std_iban
from stdnum.fr import nir as std_nir
from stdnum.fr import siren as std_siren
from stdnum.fr import siret as std_siret
from stdnum.ma import ice as std_ice

from recouvre.adapters.generator import (
    BLOCK,
    Block,
    PortfolioSpec,
    fr_iban_of,
    ice_of,
    nir_of,
    portfolio,
    siren_of,
    siret_of,
)
from recouvre.domain.model import (
    Benefit,
    Claim,
    Country,
    Creditor,
    Debtor,
    DebtorKind,
    Responsibility,
)

FR = PortfolioSpec("CAF-TEST", Country.FR, seed=42)
MA = PortfolioSpec("CNSS-TEST", Country.MA, seed=42)


def flatten(blocks: list[Block]) -> tuple[list[Debtor], list[Claim]]:
    return [d for b in blocks for d in b.debtors], [c for b in blocks for c in b.claims]


@pytest.fixture(scope="module")
def fr_3000() -> tuple[list[Debtor], list[Claim]]:
    return flatten(list(portfolio(FR, 3_000)))


@pytest.fixture(scope="module")
def ma_1000() -> tuple[list[Debtor], list[Claim]]:
    return flatten(list(portfolio(MA, 1_000)))


def test_same_seed_same_portfolio(fr_3000: tuple[list[Debtor], list[Claim]]) -> None:
    assert flatten(list(portfolio(FR, 3_000))) == fr_3000


def test_other_seed_other_portfolio(fr_3000: tuple[list[Debtor], list[Claim]]) -> None:
    debtors, claims = flatten(list(portfolio(PortfolioSpec("CAF-TEST", Country.FR, seed=43), 3_000)))
    assert [d.nir for d in debtors] != [d.nir for d in fr_3000[0]]
    assert [c.principal for c in claims] != [c.principal for c in fr_3000[1]]
    assert not {c.ref for c in claims} & {c.ref for c in fr_3000[1]}


def test_a_debtor_does_not_depend_on_the_portfolio_size(fr_3000: tuple[list[Debtor], list[Claim]]) -> None:
    debtors, claims = flatten(list(portfolio(FR, BLOCK + 7)))
    assert debtors == fr_3000[0][: BLOCK + 7]
    refs = {d.ref for d in debtors}
    assert claims == [c for c in fr_3000[1] if c.debtor_ref in refs]


def test_as_of_bounds_every_date() -> None:
    as_of = date(2025, 3, 31)
    _, claims = flatten(list(portfolio(PortfolioSpec("CAF-TEST", Country.FR, 5, as_of), 500)))
    assert len(claims) >= 500 and any(claim.notified_on is not None for claim in claims)
    for claim in claims:
        assert date(2023, 3, 31) < claim.established_on <= as_of
        if claim.notified_on is not None:
            assert claim.established_on <= claim.notified_on <= as_of


def test_identifier_helpers_compute_valid_keys() -> None:
    assert std_nir.is_valid(nir_of(1, 1985, 7, "44", 109, 23))
    assert std_nir.is_valid(nir_of(2, 1970, 1, "2A", 4, 5))
    assert std_nir.is_valid(nir_of(2, 1970, 1, "2B", 4, 5))
    assert std_siren.is_valid(siren_of(12_345_678))
    assert std_siret.is_valid(siret_of(siren_of(35_600_000), 12))
    assert std_iban.is_valid(fr_iban_of("30002", 123, 45_678_901_234))
    assert std_ice.is_valid(ice_of(1_234_567, 1))


def test_fr_identifiers_are_valid(fr_3000: tuple[list[Debtor], list[Claim]]) -> None:
    debtors, _ = fr_3000
    for debtor in debtors:
        if debtor.kind is DebtorKind.PERSON:
            assert debtor.nir is not None and std_nir.is_valid(debtor.nir)
            assert debtor.siren is None and debtor.siret is None
        else:
            assert debtor.siren is not None and std_siren.is_valid(debtor.siren)
            assert debtor.siret is not None and std_siret.is_valid(debtor.siret)
            assert debtor.siret.startswith(debtor.siren)
            assert debtor.nir is None and not debtor.prp_quotients
        if debtor.iban is not None:
            assert std_iban.is_valid(debtor.iban) and debtor.iban.startswith("FR")
    assert len({d.ref for d in debtors}) == len(debtors)


def test_fr_claims_are_coherent(fr_3000: tuple[list[Debtor], list[Claim]]) -> None:
    debtors, claims = fr_3000
    kinds = {d.ref: d.kind for d in debtors}
    assert len({c.ref for c in claims}) == len(claims)
    for claim in claims:
        assert 1 <= len(claim.lines) <= 12
        assert sum(line.amount for line in claim.lines) == claim.principal
        assert all(line.amount > 0 and line.paid_on < claim.established_on for line in claim.lines)
        assert [line.paid_on for line in claim.lines] == sorted({line.paid_on for line in claim.lines})
        assert claim.principal >= 2_700
        assert (claim.creditor is Creditor.DEPARTEMENT) == (claim.benefit is Benefit.RSA)
        if claim.responsibility is Responsibility.CHILD_DEATH:
            assert claim.notified_on is None
            assert claim.benefit in {Benefit.AF, Benefit.PAJE, Benefit.CF, Benefit.ASF}
        else:
            assert claim.notified_on is not None
            assert 0 <= (claim.notified_on - claim.established_on).days <= 10
        if claim.is_fraud:
            assert claim.detected_on == claim.established_on
        if kinds[claim.debtor_ref] is DebtorKind.LEGAL:
            assert claim.benefit in {Benefit.AL, Benefit.APL}


def test_fr_distribution_within_broad_bounds(fr_3000: tuple[list[Debtor], list[Claim]]) -> None:
    debtors, claims = fr_3000
    assert 1.3 <= len(claims) / len(debtors) <= 1.5
    fraud = [c for c in claims if c.is_fraud]
    assert 0.006 <= len(fraud) / len(claims) <= 0.02
    ordinary = [c.principal for c in claims if not c.is_fraud]
    assert 450_00 <= sum(ordinary) / len(ordinary) <= 800_00
    assert 3_500_00 <= sum(c.principal for c in fraud) / len(fraud) <= 12_000_00
    total = sum(c.principal for c in claims)
    housing = sum(c.principal for c in claims if c.benefit in {Benefit.AL, Benefit.APL, Benefit.ALS})
    rsa = sum(c.principal for c in claims if c.benefit is Benefit.RSA)
    assert 0.25 <= housing / total <= 0.42
    assert 0.20 <= rsa / total <= 0.36
    assert 0.02 <= sum(d.kind is DebtorKind.LEGAL for d in debtors) / len(debtors) <= 0.06
    assert 0.65 <= sum(d.receives_benefits for d in debtors) / len(debtors) <= 0.75
    persons = [d for d in debtors if d.kind is DebtorKind.PERSON]
    known = [d for d in persons if d.prp_quotients]
    assert 0.75 <= len(known) / len(persons) <= 0.95
    assert 500_00 <= sum(d.prp_quotients[0].value for d in known) / len(known) <= 900_00
    errors = sum(c.responsibility is Responsibility.DEBTOR_ERROR for c in claims) / len(claims)
    assert 0.40 <= errors <= 0.52


def test_ma_portfolio_is_employers_owing_contributions(ma_1000: tuple[list[Debtor], list[Claim]]) -> None:
    debtors, claims = ma_1000
    assert len(debtors) == 1_000
    for debtor in debtors:
        assert debtor.kind is DebtorKind.LEGAL
        assert debtor.ice is not None and len(debtor.ice) == 15 and std_ice.is_valid(debtor.ice)
        assert debtor.nir is None and debtor.iban is None and not debtor.prp_quotients
        assert not debtor.receives_benefits
    for claim in claims:
        assert claim.benefit is Benefit.CONTRIB
        assert claim.responsibility is Responsibility.DEBTOR_ERROR
        assert claim.creditor is Creditor.OWN
        assert sum(line.amount for line in claim.lines) == claim.principal
        assert all(line.paid_on.day == 10 for line in claim.lines)
    mean = sum(c.principal for c in claims) / len(claims)
    assert 6_000_00 <= mean <= 20_000_00
