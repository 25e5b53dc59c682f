"""Synthetic portfolios: realistic debtors and claims, reproducible from a seed.

Every figure below comes from RULES.md, "Numbers for realistic synthetic data"
(tags: [S] sourced, [D] derived, [A] assumption), or from §11.3 for CNSS; where
this module has to choose, the choice is marked [A] here.

French CAF (``Country.FR``)
    * Claims per debtor: ``1 + Poisson(0.4)``, mean 1.4 indus per debtor-year [D].
    * Amount: lognormal μ=5.65, σ=1.2 (median ≈ €285, mean ≈ €585), truncated below
      €27 by redrawing [A]. AAH claims are 1.5× larger (CREDOC, qualitative [S]; the
      factor is [A]).
    * Fraud: 1.2 % of claims (1–1.5 % [S/D]), lognormal μ=8.3, σ=1.0 (mean ≈ €7,000
      [D]); fraud then weighs ≈ 12 % of the amount (12–18 % [D]) and the mean of all
      claims is ≈ €670: RULES.md's "mean ≈ €600" and its two lognormals cannot both
      hold exactly; we keep the lognormals.
    * Benefit mix by share of *amount* [A anchored on sources]: housing 30 %
      (AL 12, APL 14, ALS 4), RSA 27 %, prime d'activité 17 %, family 13 %
      (AF 5, PAJE 4, CF 2, ASF 2), AAH 6 %. The remaining ≈ 7 % (benefits with no
      ``Benefit`` class) is spread pro rata. Draw weights are share ÷ amount factor,
      so AAH's share of the *amount* stays 6 %.
    * Responsibility by count (IGAS: allocataire 50–60 %, CAF 10–20 %, legislation
      15–20 %, rest third party [S]): debtor_error 45.7 %, debtor_serious_error 10 %,
      organism_error 15 %, third_party_error 28 %, fraud 1.2 %, child_death 0.1 %.
      The "legislation" share has no class of its own: it is counted in
      ``third_party_error`` (neither the debtor nor the CAF is at fault).
      A child-death claim is on a family benefit and has no notification (R-NOTIF-2).
    * RSA claims are owed to the ``departement`` (R-TIERS-1); all others to the CAF.
    * 70 % of debtors still receive benefits (65–75 % [A]).
    * 4 % of debtors are legal persons: landlords paid housing aid directly, whose
      claims are AL or APL [A]; they have a SIREN and a SIRET (Luhn).
    * Natural persons: a valid NIR (key 97 − first 13 digits mod 97), a PRP quotient
      dated in the 12 months before ``as_of`` (lognormal, mean €700, σ=0.45 [A]) or
      none (15 % unknown [A]); a FR IBAN (BBAN with its RIB key, ISO 7064 check
      digits) for 70 % of all debtors [A]; e-mail for 40 %, phone for 60 % [A],
      in the ranges reserved for fiction (``example.org``; ARCEP ``06 39 98``).
    * Each claim is split into 1–12 monthly undue payments (``1 + Poisson(2)``,
      ``1 + Poisson(5)`` for fraud, capped at 12 [A]) of roughly equal amounts that sum
      exactly to the principal in cents, paid on the 5th of the months before
      establishment, the last one 0–5 months (fraud 0–11) before it [A].
    * Established uniformly within the 730 days before ``as_of``; notified 1–10 days
      later, never after ``as_of``; ``detected_on`` = ``established_on`` (for fraud,
      the date from which its prescription runs; for the others it plays no role).

CNSS Morocco (``Country.MA``)
    * Debtors are employers (legal persons) with an ICE: 9 digits (company) + 4
      (establishment) + 2 control digits. RULES.md §12 says the key is not public;
      python-stdnum 2.x (``stdnum.ma.ice``) now checks that the 15-digit number is a
      multiple of 97, and so do we, so that ``identifiers.ice`` accepts them. No PRP
      quotient, ``receives_benefits`` false.
    * Claims: benefit ``CONTRIB``, responsibility ``debtor_error``, creditor ``own``,
      ``1 + Poisson(0.4)`` per employer [A].
    * Amount in MAD: lognormal μ=8.5, σ=1.3 (median ≈ 4,900 MAD, mean ≈ 11,500 MAD),
      redrawn below 100 MAD [A]. Order of magnitude: 188 bn MAD payroll / 316k
      companies (§11.3) is ≈ 50k MAD of monthly payroll per company, so ≈ 10k MAD of
      monthly contributions for the mean company and much less for the median one.
    * Lines are the unpaid monthly contribution periods (``1 + Poisson(3)``, at most
      12), each dated on its due date, the 10th of the following month [A]; the claim's
      ``contribution_due`` is its latest period's (``contribution_due_on``), from which the
      monthly cycle books the surcharges and the CNSS's reminders, last notice and commandement.

Determinism: debtors are generated in blocks of ``BLOCK`` indexes; block ``b`` draws
from ``numpy.random.Generator(PCG64(SeedSequence(seed, spawn_key=(b,))))``. A debtor's
data therefore depends only on (country, seed, its index, ``as_of``), never on the
number of debtors asked for or on the clock; references are ``S<seed>-<index>`` and
``S<seed>-<index>-<n>``, so loading the same portfolio again books nothing.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
from stdnum import luhn

from recouvre.domain.model import (
    Benefit,
    Claim,
    Country,
    Creditor,
    DatedValue,
    Debtor,
    DebtorKind,
    Organism,
    Responsibility,
    UndueLine,
)
from recouvre.service.claims import establish_claims
from recouvre.service.context import Services
from recouvre.service.contributions import establish_contributions
from recouvre.service.registry import ensure_organism, register_debtors

BLOCK = 2_000
"""Debtors per block: the unit of determinism and of loading (one batch per block)."""

DEFAULT_AS_OF = date(2026, 11, 1)
"""The fixed reference date of a generated portfolio when none is given (never the clock)."""

DEFAULT_ORGANISM = {Country.FR: "CAF-DEMO", Country.MA: "CNSS-DEMO"}
ORGANISM_NAMES = {Country.FR: "Caf de démonstration", Country.MA: "CNSS de démonstration"}

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# --- French CAF parameters (see the module docstring) -------------------------------------------

FR_CLAIMS_EXTRA_MEAN = 0.4
FR_MU, FR_SIGMA = 5.65, 1.2
FR_FLOOR_CENTS = 2_700
FRAUD_MU, FRAUD_SIGMA = 8.3, 1.0
LEGAL_SHARE = 0.04
RECEIVES_SHARE = 0.70
IBAN_SHARE = 0.70
QUOTIENT_KNOWN_SHARE = 0.85
QUOTIENT_MEAN_EUR, QUOTIENT_SIGMA = 700.0, 0.45
EMAIL_SHARE, PHONE_SHARE = 0.40, 0.60
ESTABLISHED_WINDOW_DAYS = 730
CANDIDATES = 4
"""Lognormal draws per claim for the truncation: the first one above the floor is kept."""

BENEFIT_AMOUNT_SHARES: tuple[tuple[Benefit, float], ...] = (
    (Benefit.AL, 12.0),
    (Benefit.APL, 14.0),
    (Benefit.ALS, 4.0),
    (Benefit.RSA, 27.0),
    (Benefit.PPA, 17.0),
    (Benefit.AF, 5.0),
    (Benefit.PAJE, 4.0),
    (Benefit.CF, 2.0),
    (Benefit.ASF, 2.0),
    (Benefit.AAH, 6.0),
)
AMOUNT_FACTOR = {Benefit.AAH: 1.5}
LANDLORD_BENEFITS = (Benefit.AL, Benefit.APL)
FAMILY_BENEFITS = (Benefit.AF, Benefit.PAJE, Benefit.CF, Benefit.ASF)

RESPONSIBILITY_SHARES: tuple[tuple[Responsibility, float], ...] = (
    (Responsibility.DEBTOR_ERROR, 45.7),
    (Responsibility.DEBTOR_SERIOUS_ERROR, 10.0),
    (Responsibility.ORGANISM_ERROR, 15.0),
    (Responsibility.THIRD_PARTY_ERROR, 28.0),
    (Responsibility.FRAUD, 1.2),
    (Responsibility.CHILD_DEATH, 0.1),
)

REASONS: dict[Responsibility, tuple[str, ...]] = {
    # Causes of the Loire-Atlantique study (RULES.md §1.6), as the reason of a notification.
    Responsibility.DEBTOR_ERROR: (
        "changement de situation professionnelle",
        "changement de situation familiale",
        "déménagement",
        "erreur de déclaration de ressources",
    ),
    Responsibility.DEBTOR_SERIOUS_ERROR: (
        "ressources non déclarées",
        "vie maritale non déclarée",
    ),
    Responsibility.ORGANISM_ERROR: ("erreur de traitement de la Caf",),
    Responsibility.THIRD_PARTY_ERROR: (
        "effet rétroactif d'une règle de droit",
        "information tardive d'un tiers",
    ),
    Responsibility.FRAUD: ("fraude constatée",),
    Responsibility.CHILD_DEATH: ("décès d'un enfant",),
}

# --- CNSS parameters ----------------------------------------------------------------------------

MA_MU, MA_SIGMA = 8.5, 1.3
MA_FLOOR_CENTS = 10_000
MA_PERIODS_EXTRA_MEAN = 3.0

# --- Names and places (fictional combinations of common names) ----------------------------------

FIRST_NAMES_F = (
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Christine", "Sandrine", "Céline",
    "Stéphanie", "Julie", "Aurélie", "Émilie", "Camille", "Léa", "Manon", "Sarah", "Laura",
    "Fatima", "Aïcha", "Sophie", "Amandine", "Élodie", "Chloé", "Inès", "Nadia", "Karine",
)  # fmt: skip
FIRST_NAMES_M = (
    "Jean", "Pierre", "Michel", "Philippe", "Nicolas", "Christophe", "Sébastien", "Julien",
    "David", "Thomas", "Alexandre", "Maxime", "Kevin", "Mohamed", "Karim", "Antoine", "Lucas",
    "Hugo", "Mathieu", "Romain", "Franck", "Laurent", "Olivier", "Yannick", "Mehdi", "Bruno",
)  # fmt: skip
SURNAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
    "Muller", "Lefebvre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier",
    "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clément",
    "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson", "Benali", "Nguyen",
)  # fmt: skip
STREETS = (
    "rue de la République", "rue Victor Hugo", "avenue Jean Jaurès", "rue des Lilas",
    "boulevard Pasteur", "rue du Général de Gaulle", "place de la Mairie", "rue des Écoles",
    "chemin des Vignes", "allée des Tilleuls", "rue Jules Ferry", "impasse des Peupliers",
)  # fmt: skip
CITIES = (
    ("44000", "Nantes"), ("44600", "Saint-Nazaire"), ("44400", "Rezé"), ("44800", "Saint-Herblain"),
    ("49000", "Angers"), ("85000", "La Roche-sur-Yon"), ("35000", "Rennes"), ("56100", "Lorient"),
    ("72000", "Le Mans"), ("53000", "Laval"), ("44300", "Nantes"), ("44500", "La Baule-Escoublac"),
)  # fmt: skip
BIRTH_DEPARTMENTS = (
    "44", "44", "44", "49", "85", "35", "56", "72", "53", "75", "93", "13", "59", "69", "2A",
    "2B", "29", "22", "33", "31",
)  # fmt: skip
BANK_CODES = ("30002", "30003", "30004", "30066", "10278", "20041", "11306", "13807", "14445", "12548")
LANDLORD_FORMS = ("SCI {name}", "SCI Les {street}", "{name} Immobilier", "SARL Gestion {name}")
LANDLORD_STREETS = ("Tilleuls", "Acacias", "Peupliers", "Mimosas", "Glycines", "Charmes")

MA_WORDS = (
    "Atlas", "Anfa", "Zitoune", "Majorelle", "Souss", "Tafilalet", "Oasis", "Al Amal", "Nour",
    "Sahara", "Argane", "Rif", "Bouregreg", "Menara", "Oudaya", "Chaouia", "Doukkala", "Saïss",
)  # fmt: skip
MA_SECTORS = (
    "Transport", "Textile", "BTP", "Distribution", "Agro", "Services", "Nettoyage", "Gardiennage",
    "Restauration", "Logistique", "Confection", "Travaux",
)  # fmt: skip
MA_FORMS = ("SARL", "SARL AU", "SA")
MA_CITIES = ("Casablanca", "Rabat", "Tanger", "Fès", "Marrakech", "Agadir", "Meknès", "Oujda", "Kénitra")


@dataclass(frozen=True)
class PortfolioSpec:
    """What to generate: for whom, from which seed, as of which date."""

    organism: str
    country: Country
    seed: int
    as_of: date = DEFAULT_AS_OF

    def __post_init__(self) -> None:
        if self.seed < 0:
            raise ValueError("seed: must be zero or positive")


@dataclass(frozen=True)
class Block:
    """Debtors of consecutive indexes and all their claims."""

    start: int
    debtors: tuple[Debtor, ...]
    claims: tuple[Claim, ...]


def debtor_ref(seed: int, index: int) -> str:
    return f"S{seed}-{index + 1:07d}"


def claim_ref(seed: int, index: int, number: int) -> str:
    return f"S{seed}-{index + 1:07d}-{number}"


def _rng(seed: int, block: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block,))))


def _probabilities(weights: Sequence[float]) -> FloatArray:
    array = np.asarray(weights, dtype=np.float64)
    result: FloatArray = array / array.sum()
    return result


def _ints(values: IntArray | npt.NDArray[np.bool_]) -> list[int]:
    return [int(value) for value in values.tolist()]


# --- Identifiers ----------------------------------------------------------------------------------


def nir_of(sex: int, year: int, month: int, department: str, commune: int, order: int) -> str:
    """A NIR with its key: 97 − (first 13 digits mod 97), 2A/2B counted as 19/18."""
    body = f"{sex}{year % 100:02d}{month:02d}{department}{commune:03d}{order:03d}"
    numeric = body.replace("2A", "19", 1) if department == "2A" else body
    numeric = numeric.replace("2B", "18", 1) if department == "2B" else numeric
    return f"{body}{97 - int(numeric) % 97:02d}"


def siren_of(body8: int) -> str:
    """A SIREN: 8 digits and the Luhn check digit (never La Poste's 356000000)."""
    body = f"{body8:08d}"
    if body == "35600000":
        body = "35600001"
    return body + str(luhn.calc_check_digit(body))


def siret_of(siren: str, nic4: int) -> str:
    """A SIRET: SIREN, 4 digits of NIC, and the Luhn check digit over all 14."""
    body = f"{siren}{nic4:04d}"
    return body + str(luhn.calc_check_digit(body))


def fr_iban_of(bank: str, branch: int, account: int) -> str:
    """A French IBAN: BBAN (bank, branch, account, RIB key) with ISO 7064 mod 97-10 check digits."""
    rib_key = 97 - (89 * int(bank) + 15 * branch + 3 * account) % 97
    bban = f"{bank}{branch:05d}{account:011d}{rib_key:02d}"
    check = 98 - int(bban + "152700") % 97  # "FR00" moved to the end, F=15, R=27
    return f"FR{check:02d}{bban}"


def ice_of(company: int, establishment: int) -> str:
    """A 15-digit ICE whose 2 control digits make the whole number a multiple of 97.

    That is what ``stdnum.ma.ice`` (python-stdnum 2.x) checks; the official rule is not public.
    """
    body = f"{company:09d}{establishment:04d}"
    return f"{body}{-int(body) * 100 % 97:02d}"


# --- Claims -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ClaimDraws:
    """Per-claim arrays of one block (length = number of claims of the block)."""

    owner: list[int]
    number: list[int]
    cents: list[int]
    established: list[date]
    notified: list[date | None]
    line_counts: list[int]
    line_cents: list[int]
    line_months: list[int]


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _truncated_lognormal_cents(
    rng: np.random.Generator, mu: FloatArray, sigma: float, floor_cents: int
) -> IntArray:
    """Lognormal amounts in cents, redrawn below ``floor_cents`` (first of ``CANDIDATES`` draws above it)."""
    draws = rng.lognormal(mu[:, None], sigma, (mu.size, CANDIDATES)) * 100.0
    cents = np.rint(draws).astype(np.int64)
    above = cents >= floor_cents
    first = np.argmax(above, axis=1)
    chosen = cents[np.arange(mu.size), first]
    result: IntArray = np.where(above.any(axis=1), chosen, floor_cents).astype(np.int64)
    return result


def _split(rng: np.random.Generator, cents: IntArray, counts: IntArray) -> IntArray:
    """Split each amount into ``counts`` positive parts of roughly equal size that sum to it exactly."""
    total = int(counts.sum())
    weights = rng.uniform(0.5, 1.5, total)
    starts = np.cumsum(counts) - counts
    owner = np.repeat(np.arange(counts.size), counts)
    running = np.cumsum(weights)
    base = np.where(starts > 0, running[np.maximum(starts - 1, 0)], 0.0)
    local = running - base[owner]
    ends = starts + counts - 1
    share = local / local[ends][owner]
    bounds = np.floor(share * cents[owner]).astype(np.int64)
    bounds[ends] = cents  # the last part closes the amount exactly
    previous = np.zeros(total, dtype=np.int64)
    previous[1:] = bounds[:-1]
    previous[starts] = 0
    parts: IntArray = bounds - previous
    if (parts <= 0).any():  # pragma: no cover - weights in [0.5, 1.5) and amounts ≥ floor prevent it
        raise AssertionError("an undue payment line would not be positive")
    return parts


def _claim_draws(
    rng: np.random.Generator,
    as_of: date,
    claims_per_debtor: IntArray,
    cents: IntArray,
    line_counts: IntArray,
    lags: IntArray,
    child_death: npt.NDArray[np.bool_],
) -> _ClaimDraws:
    size = cents.size
    owner = np.repeat(np.arange(claims_per_debtor.size), claims_per_debtor)
    first_of_owner = np.cumsum(claims_per_debtor) - claims_per_debtor
    number = np.arange(size) - first_of_owner[owner] + 1
    back = rng.integers(0, ESTABLISHED_WINDOW_DAYS, size)
    delay = rng.integers(1, 11, size)
    line_cents = _split(rng, cents, line_counts)
    as_of_ordinal = as_of.toordinal()
    established = [date.fromordinal(as_of_ordinal - days) for days in _ints(back)]
    notified: list[date | None] = [
        None if dead else min(day + timedelta(days=days), as_of)
        for day, days, dead in zip(established, _ints(delay), child_death.tolist(), strict=True)
    ]
    last_months = [_month_index(day) - 1 - lag for day, lag in zip(established, _ints(lags), strict=True)]
    counts = _ints(line_counts)
    line_months: list[int] = []
    for last, count in zip(last_months, counts, strict=True):
        line_months.extend(range(last - count + 1, last + 1))
    return _ClaimDraws(
        owner=_ints(owner),
        number=_ints(number),
        cents=_ints(cents),
        established=established,
        notified=notified,
        line_counts=counts,
        line_cents=_ints(line_cents),
        line_months=line_months,
    )


def _lines(draws: _ClaimDraws, day_of_month: int) -> list[tuple[UndueLine, ...]]:
    dates: dict[int, date] = {}
    result: list[tuple[UndueLine, ...]] = []
    position = 0
    for count in draws.line_counts:
        lines: list[UndueLine] = []
        for offset in range(position, position + count):
            month = draws.line_months[offset]
            paid_on = dates.get(month)
            if paid_on is None:
                paid_on = dates[month] = date(month // 12, month % 12 + 1, day_of_month)
            lines.append(UndueLine(paid_on, draws.line_cents[offset]))
        result.append(tuple(lines))
        position += count
    return result


# --- France -------------------------------------------------------------------------------------------


def _benefit_tables() -> tuple[list[Benefit], FloatArray, FloatArray]:
    benefits = [benefit for benefit, _ in BENEFIT_AMOUNT_SHARES]
    factors = np.asarray([AMOUNT_FACTOR.get(benefit, 1.0) for benefit in benefits], dtype=np.float64)
    shares = np.asarray([share for _, share in BENEFIT_AMOUNT_SHARES], dtype=np.float64)
    return benefits, _probabilities(list(shares / factors)), factors


def _pick_within(
    rng: np.random.Generator,
    benefits: list[Benefit],
    weights: FloatArray,
    subset: Sequence[Benefit],
    size: int,
) -> IntArray:
    """Indexes into ``benefits`` drawn within ``subset``, in proportion to their weights."""
    indexes = np.asarray([benefits.index(benefit) for benefit in subset], dtype=np.int64)
    chosen = rng.choice(indexes.size, size, p=_probabilities(list(weights[indexes])))
    result: IntArray = indexes[chosen]
    return result


def _fr_block(spec: PortfolioSpec, block: int) -> Block:
    rng = _rng(spec.seed, block)
    n = BLOCK
    start = block * BLOCK
    # Debtors.
    legal = rng.random(n) < LEGAL_SHARE
    receives = rng.random(n) < RECEIVES_SHARE
    has_iban = rng.random(n) < IBAN_SHARE
    has_email = rng.random(n) < EMAIL_SHARE
    has_phone = rng.random(n) < PHONE_SHARE
    quotient_known = rng.random(n) < QUOTIENT_KNOWN_SHARE
    mu_quotient = math.log(QUOTIENT_MEAN_EUR) - QUOTIENT_SIGMA**2 / 2
    quotient_eur = np.rint(rng.lognormal(mu_quotient, QUOTIENT_SIGMA, n)).astype(np.int64)
    quotient_age = rng.integers(0, 12, n)
    sex = rng.integers(1, 3, n)
    birth_year = rng.integers(1945, 2006, n)
    birth_month = rng.integers(1, 13, n)
    department = rng.integers(0, len(BIRTH_DEPARTMENTS), n)
    commune = rng.integers(1, 991, n)
    order = rng.integers(1, 1000, n)
    first_f = rng.integers(0, len(FIRST_NAMES_F), n)
    first_m = rng.integers(0, len(FIRST_NAMES_M), n)
    surname = rng.integers(0, len(SURNAMES), n)
    street_no = rng.integers(1, 120, n)
    street = rng.integers(0, len(STREETS), n)
    city = rng.integers(0, len(CITIES), n)
    bank = rng.integers(0, len(BANK_CODES), n)
    branch = rng.integers(0, 100_000, n)
    account = rng.integers(0, 100_000_000_000, n)
    phone = rng.integers(0, 10_000, n)
    siren_body = rng.integers(10_000_000, 100_000_000, n)
    nic = rng.integers(1, 10_000, n)
    landlord_form = rng.integers(0, len(LANDLORD_FORMS), n)
    landlord_street = rng.integers(0, len(LANDLORD_STREETS), n)
    # Claims.
    claims_per_debtor = (1 + rng.poisson(FR_CLAIMS_EXTRA_MEAN, n)).astype(np.int64)
    size = int(claims_per_debtor.sum())
    owner = np.repeat(np.arange(n), claims_per_debtor)
    responsibilities = [responsibility for responsibility, _ in RESPONSIBILITY_SHARES]
    responsibility = rng.choice(
        len(responsibilities), size, p=_probabilities([share for _, share in RESPONSIBILITY_SHARES])
    )
    fraud = responsibility == responsibilities.index(Responsibility.FRAUD)
    child_death = responsibility == responsibilities.index(Responsibility.CHILD_DEATH)
    benefits, weights, factors = _benefit_tables()
    benefit = rng.choice(len(benefits), size, p=weights)
    landlord_benefit = _pick_within(rng, benefits, weights, LANDLORD_BENEFITS, size)
    family_benefit = _pick_within(rng, benefits, weights, FAMILY_BENEFITS, size)
    benefit = np.where(legal[owner], landlord_benefit, benefit)
    benefit = np.where(child_death, family_benefit, benefit)
    mu = FR_MU + np.log(factors[benefit])
    ordinary = _truncated_lognormal_cents(rng, mu, FR_SIGMA, FR_FLOOR_CENTS)
    fraudulent = _truncated_lognormal_cents(
        rng, np.full(size, FRAUD_MU, dtype=np.float64), FRAUD_SIGMA, FR_FLOOR_CENTS
    )
    cents = np.where(fraud, fraudulent, ordinary).astype(np.int64)
    line_counts = np.minimum(1 + np.where(fraud, rng.poisson(5.0, size), rng.poisson(2.0, size)), 12).astype(
        np.int64
    )
    lags = np.where(fraud, rng.integers(0, 12, size), rng.integers(0, 6, size)).astype(np.int64)
    reason_pick = rng.integers(0, 1_000_000, size)
    draws = _claim_draws(rng, spec.as_of, claims_per_debtor, cents, line_counts, lags, child_death)
    lines = _lines(draws, day_of_month=5)

    debtors: list[Debtor] = []
    as_of_month = _month_index(spec.as_of)
    columns = zip(
        legal.tolist(),
        receives.tolist(),
        has_iban.tolist(),
        has_email.tolist(),
        has_phone.tolist(),
        quotient_known.tolist(),
        _ints(quotient_eur),
        _ints(quotient_age),
        _ints(sex),
        _ints(birth_year),
        _ints(birth_month),
        _ints(department),
        _ints(commune),
        _ints(order),
        _ints(first_f),
        _ints(first_m),
        _ints(surname),
        _ints(street_no),
        _ints(street),
        _ints(city),
        _ints(bank),
        _ints(branch),
        _ints(account),
        _ints(phone),
        _ints(siren_body),
        _ints(nic),
        _ints(landlord_form),
        _ints(landlord_street),
        strict=True,
    )
    for index, row in enumerate(columns):
        (is_legal, gets, iban_, email_, phone_, known, q_eur, q_age, sex_, year, month, dept, com, ord_,
         ff, fm, sn, st_no, st, ci, bk, br, acc, ph, sb, nc, lf, ls) = row  # fmt: skip
        last_name = SURNAMES[sn]
        postcode, town = CITIES[ci]
        address = f"{st_no} {STREETS[st]}, {postcode} {town}"
        iban = fr_iban_of(BANK_CODES[bk], br, acc) if iban_ else None
        phone_number = f"+3363998{ph:04d}" if phone_ else None
        if is_legal:
            siren = siren_of(sb)
            name = LANDLORD_FORMS[lf].format(name=last_name, street=LANDLORD_STREETS[ls])
            slug = _ascii(name)
            debtors.append(
                Debtor(
                    ref=debtor_ref(spec.seed, start + index),
                    organism=spec.organism,
                    kind=DebtorKind.LEGAL,
                    name=name,
                    siren=siren,
                    siret=siret_of(siren, nc),
                    iban=iban,
                    email=f"gestion@{slug}.example.org" if email_ else None,
                    phone=phone_number,
                    address=address,
                    receives_benefits=gets,
                )
            )
            continue
        first = FIRST_NAMES_F[ff] if sex_ == 2 else FIRST_NAMES_M[fm]
        valid_from = as_of_month - q_age
        quotients = (
            (DatedValue(date(valid_from // 12, valid_from % 12 + 1, 1), q_eur * 100),) if known else ()
        )
        debtors.append(
            Debtor(
                ref=debtor_ref(spec.seed, start + index),
                organism=spec.organism,
                kind=DebtorKind.PERSON,
                name=f"{first} {last_name.upper()}",
                nir=nir_of(sex_, year, month, BIRTH_DEPARTMENTS[dept], com, ord_),
                iban=iban,
                email=f"{_ascii(first)}.{_ascii(last_name)}{st_no}@example.org" if email_ else None,
                phone=phone_number,
                address=address,
                prp_quotients=quotients,
                receives_benefits=gets,
            )
        )

    claims: list[Claim] = []
    for who, number, chosen, resp, established, notified, pick, claim_lines in zip(
        draws.owner,
        draws.number,
        _ints(benefit),
        _ints(responsibility),
        draws.established,
        draws.notified,
        _ints(reason_pick),
        lines,
        strict=True,
    ):
        kind = benefits[chosen]
        responsibility_ = responsibilities[resp]
        reasons = REASONS[responsibility_]
        claims.append(
            Claim(
                ref=claim_ref(spec.seed, start + who, number),
                organism=spec.organism,
                debtor_ref=debtor_ref(spec.seed, start + who),
                benefit=kind,
                creditor=Creditor.DEPARTEMENT if kind is Benefit.RSA else Creditor.OWN,
                responsibility=responsibility_,
                lines=claim_lines,
                established_on=established,
                notified_on=notified,
                detected_on=established,
                reason=reasons[pick % len(reasons)],
            )
        )
    return Block(start=start, debtors=tuple(debtors), claims=tuple(claims))


@functools.cache
def _ascii(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text`` (for fictional e-mail addresses)."""
    plain = text.lower()
    for accented, bare in (("é", "e"), ("è", "e"), ("ë", "e"), ("ï", "i"), ("ç", "c"), ("à", "a")):
        plain = plain.replace(accented, bare)
    return "".join(char for char in plain if char.isascii() and char.isalnum())


# --- Morocco ------------------------------------------------------------------------------------------


def _ma_block(spec: PortfolioSpec, block: int) -> Block:
    rng = _rng(spec.seed, block)
    n = BLOCK
    start = block * BLOCK
    company = rng.integers(1_000_000, 1_000_000_000, n)
    establishment = rng.integers(0, 4, n)
    word = rng.integers(0, len(MA_WORDS), n)
    sector = rng.integers(0, len(MA_SECTORS), n)
    form = rng.integers(0, len(MA_FORMS), n)
    city = rng.integers(0, len(MA_CITIES), n)
    has_email = rng.random(n) < EMAIL_SHARE
    has_phone = rng.random(n) < PHONE_SHARE
    phone = rng.integers(0, 1_000_000, n)
    claims_per_debtor = (1 + rng.poisson(FR_CLAIMS_EXTRA_MEAN, n)).astype(np.int64)
    size = int(claims_per_debtor.sum())
    cents = _truncated_lognormal_cents(rng, np.full(size, MA_MU, dtype=np.float64), MA_SIGMA, MA_FLOOR_CENTS)
    line_counts = np.minimum(1 + rng.poisson(MA_PERIODS_EXTRA_MEAN, size), 12).astype(np.int64)
    lags = rng.integers(0, 12, size).astype(np.int64)
    no_death = np.zeros(size, dtype=np.bool_)
    draws = _claim_draws(rng, spec.as_of, claims_per_debtor, cents, line_counts, lags, no_death)
    lines = _lines(draws, day_of_month=10)

    debtors: list[Debtor] = []
    for index, (co, es, wo, se, fo, ci, em, ph_, ph) in enumerate(
        zip(
            _ints(company),
            _ints(establishment),
            _ints(word),
            _ints(sector),
            _ints(form),
            _ints(city),
            has_email.tolist(),
            has_phone.tolist(),
            _ints(phone),
            strict=True,
        )
    ):
        name = f"{MA_WORDS[wo]} {MA_SECTORS[se]} {MA_FORMS[fo]}"
        slug = _ascii(f"{MA_WORDS[wo]}{MA_SECTORS[se]}")
        debtors.append(
            Debtor(
                ref=debtor_ref(spec.seed, start + index),
                organism=spec.organism,
                kind=DebtorKind.LEGAL,
                name=name,
                ice=ice_of(co, es),
                email=f"contact@{slug}.example.org" if em else None,
                phone=f"+2125{ph:08d}" if ph_ else None,
                address=f"{MA_CITIES[ci]}, Maroc",
                receives_benefits=False,
            )
        )
    claims = [
        Claim(
            ref=claim_ref(spec.seed, start + who, number),
            organism=spec.organism,
            debtor_ref=debtor_ref(spec.seed, start + who),
            benefit=Benefit.CONTRIB,
            creditor=Creditor.OWN,
            responsibility=Responsibility.DEBTOR_ERROR,
            lines=claim_lines,
            established_on=established,
            notified_on=notified,
            detected_on=established,
            reason="cotisations impayées",
        )
        for who, number, established, notified, claim_lines in zip(
            draws.owner, draws.number, draws.established, draws.notified, lines, strict=True
        )
    ]
    return Block(start=start, debtors=tuple(debtors), claims=tuple(claims))


# --- Public API ---------------------------------------------------------------------------------------


def generate_block(spec: PortfolioSpec, block: int, limit: int | None = None) -> Block:
    """Block ``block`` of the portfolio, keeping only debtors of index below ``limit``."""
    full = _fr_block(spec, block) if spec.country is Country.FR else _ma_block(spec, block)
    if limit is None or limit >= full.start + len(full.debtors):
        return full
    keep = max(limit - full.start, 0)
    debtors = full.debtors[:keep]
    refs = {debtor.ref for debtor in debtors}
    return Block(
        start=full.start,
        debtors=debtors,
        claims=tuple(claim for claim in full.claims if claim.debtor_ref in refs),
    )


def portfolio(spec: PortfolioSpec, debtors: int) -> Iterator[Block]:
    """The blocks of a portfolio of ``debtors`` debtors, in index order."""
    if debtors < 0:
        raise ValueError("debtors: must be zero or positive")
    for block in range((debtors + BLOCK - 1) // BLOCK):
        yield generate_block(spec, block, debtors)


_NULLABLE = ("nir", "siren", "siret", "ice", "iban", "email", "phone", "address")


def _null_pattern(debtor: Debtor) -> tuple[bool, ...]:
    """Which optional identifiers a debtor lacks.

    SQLAlchemy's ORM bulk insert (``repository.insert_debtors``) starts a new batch
    each time the set of non-NULL columns changes, and merges the RETURNING rows of
    the batches in quadratic time: 2,000 debtors in random order make ~1,700 batches
    (measured: 66 s instead of 45 s to load 100,000 debtors). Registering them
    grouped by pattern keeps it to about 16. Harmless once ``insert_debtors`` passes
    ``execution_options={"render_nulls": True}``.
    """
    return tuple(getattr(debtor, name) is None for name in _NULLABLE)


@dataclass(frozen=True)
class LoadResult:
    organism_created: bool
    debtors: int
    debtors_created: int
    claims: int
    claims_created: int


def contribution_due_on(claim: Claim) -> date:
    """A generated contribution claim's due date: that of its latest unpaid period (its lines
    are the periods, each dated at its due date). Surcharges run on the whole principal from
    it: fewer than from each period's own date, which the one-due-date model cannot express."""
    return max(line.paid_on for line in claim.lines)


def load_portfolio(
    services: Services,
    spec: PortfolioSpec,
    debtors: int,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Create the organism if missing, then load the portfolio through the service layer.

    One batch per block: ``register_debtors`` then ``establish_claims``, each in its
    own unit of work. Replaying the same spec books nothing (same references, same content).
    """
    if debtors < 0:
        raise ValueError("debtors: must be zero or positive")
    created = ensure_organism(
        services, Organism(code=spec.organism, country=spec.country, name=ORGANISM_NAMES[spec.country])
    )
    blocks = (debtors + BLOCK - 1) // BLOCK
    total_debtors = new_debtors = total_claims = new_claims = 0
    # The next block is drawn in a worker thread while this one is written: SQLite
    # releases the GIL while it works, which hides part of the generation time.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="generator") as pool:
        pending: Future[Block] | None = pool.submit(generate_block, spec, 0, debtors) if blocks else None
        for index in range(blocks):
            assert pending is not None
            block = pending.result()
            pending = pool.submit(generate_block, spec, index + 1, debtors) if index + 1 < blocks else None
            registered = register_debtors(services, spec.organism, sorted(block.debtors, key=_null_pattern))
            if spec.country is Country.MA:  # contributions bear surcharges from their due date
                dues = [(claim, contribution_due_on(claim)) for claim in block.claims]
                created_claims = establish_contributions(services, spec.organism, dues).created
            else:
                created_claims = establish_claims(services, spec.organism, block.claims).created
            total_debtors += len(block.debtors)
            new_debtors += registered.created
            total_claims += len(block.claims)
            new_claims += created_claims
            if progress is not None:
                progress(len(block.debtors))
    return LoadResult(
        organism_created=created,
        debtors=total_debtors,
        debtors_created=new_debtors,
        claims=total_claims,
        claims_created=new_claims,
    )
