"""Interruptions recorded and read, prescribed_claims set-based and in agreement with the per-claim state."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from recouvre import policy as policies
from recouvre.domain.ledger import MovementKind, MovementRequest
from recouvre.domain.model import (
    Claim,
    ClaimStatus,
    DatedValue,
    Debtor,
    DebtorKind,
    DomainError,
    PaymentChannel,
    Responsibility,
)
from recouvre.domain.prescription import InterruptionKind
from recouvre.domain.withholding import BenefitPayment
from recouvre.service import NotFound, Refused, Services
from recouvre.service.claims import establish_claims, view_claim
from recouvre.service.interruptions import (
    LetterOutcome,
    acknowledgment,
    claim_interruptions,
    registered_letter,
)
from recouvre.service.payments import book, record_payment
from recouvre.service.plans import agree_plan
from recouvre.service.prescription import prescribed_claims, prescription_state
from recouvre.service.registry import register_debtors
from recouvre.service.withholding import apply_benefit_payments
from recouvre.storage import repository
from recouvre.storage.tables import ClaimEventRow, ClaimRow, RefusalRow

from .conftest import ORGANISM, add_claim, add_debtor, make_claim

K = InterruptionKind


def claim_id(services: Services, ref: str) -> int:
    with services.db.unit_of_work() as session:
        found = session.scalar(select(ClaimRow.id).where(ClaimRow.ref == ref))
        assert found is not None
        return found


def add_event(services: Services, ref: str, on: date, kind: str, data: dict[str, object]) -> None:
    """An event recorded by another procedure (remission requests, court actions)."""
    with services.db.unit_of_work() as session:
        repository.add_claim_event(
            session, f"test:{ref}:{kind}:{on}", claim_id(services, ref), on, kind, data
        )


@pytest.fixture
def one_claim(services: Services) -> Services:
    add_debtor(services, "D1", quotient=70_000)
    add_claim(services, "C1", "D1", [(date(2024, 3, 5), 90_000)], date(2024, 4, 1))
    return services


# Recording ---------------------------------------------------------------------------------------


def test_registered_letter_outcomes(one_claim: Services) -> None:
    services = one_claim
    assert registered_letter(services, ORGANISM, "C1", date(2025, 1, 10), "undeliverable")
    assert registered_letter(services, ORGANISM, "C1", date(2025, 2, 10), LetterOutcome.UNCLAIMED)
    assert registered_letter(services, ORGANISM, "C1", date(2025, 3, 10), "delivered", reference="1A234")
    found = claim_interruptions(services, ORGANISM, "C1", date(2025, 12, 31))
    assert [(item.on, item.kind, item.detail) for item in found] == [
        (date(2025, 2, 10), K.REGISTERED_LETTER, "unclaimed"),
        (date(2025, 3, 10), K.REGISTERED_LETTER, "delivered"),
    ]
    # the undeliverable letter is kept for the record
    with services.db.unit_of_work() as session:
        kinds = session.scalars(select(ClaimEventRow.data).where(ClaimEventRow.kind == "registered_letter"))
        assert sorted(str(data["outcome"]) for data in kinds) == ["delivered", "unclaimed", "undeliverable"]


def test_recording_is_idempotent_and_conflicts_are_refused(one_claim: Services) -> None:
    services = one_claim
    assert registered_letter(services, ORGANISM, "C1", date(2025, 1, 10), "delivered")
    assert not registered_letter(services, ORGANISM, "C1", date(2025, 1, 10), "delivered")
    with pytest.raises(DomainError, match="autre contenu"):
        registered_letter(services, ORGANISM, "C1", date(2025, 1, 10), "undeliverable")
    # another key: a second letter the same day
    assert registered_letter(services, ORGANISM, "C1", date(2025, 1, 10), "undeliverable", key="second")
    assert acknowledgment(services, ORGANISM, "C1", date(2025, 2, 1), by="debtor")
    assert not acknowledgment(services, ORGANISM, "C1", date(2025, 2, 1), by="debtor")
    assert len(claim_interruptions(services, ORGANISM, "C1", date(2025, 12, 31))) == 2


def test_recording_checks_its_input(one_claim: Services) -> None:
    services = one_claim
    with pytest.raises(DomainError, match="outcome"):
        registered_letter(services, ORGANISM, "C1", date(2025, 1, 10), "lost")
    with pytest.raises(NotFound):
        acknowledgment(services, ORGANISM, "NOPE", date(2025, 1, 10))
    with pytest.raises(Refused):
        acknowledgment(services, ORGANISM, "C1", date(2024, 3, 31))
    with services.db.unit_of_work() as session:
        assert [row.event for row in session.scalars(select(RefusalRow))] == ["acknowledgment"]


# Reading -----------------------------------------------------------------------------------------


def test_every_kind_of_interruption_is_read(any_services: Services) -> None:
    services = any_services
    add_debtor(services, "D1", quotient=70_000)
    add_claim(services, "C1", "D1", [(date(2024, 3, 5), 90_000)], date(2024, 4, 1))
    registered_letter(services, ORGANISM, "C1", date(2024, 4, 20), "undeliverable")
    acknowledgment(services, ORGANISM, "C1", date(2024, 5, 2), by="representative")
    agree_plan(services, ORGANISM, "C1", 10_000, date(2024, 6, 5), date(2024, 5, 20), key="p1")
    record_payment(services, ORGANISM, "C1", 5_000, date(2024, 6, 5), PaymentChannel.CARD, key="pay1")
    apply_benefit_payments(services, ORGANISM, [BenefitPayment("D1", date(2024, 7, 5), {"AF": 50_000})], "r1")
    add_event(services, "C1", date(2024, 8, 1), "remission_request", {"by": "mandatary"})
    add_event(services, "C1", date(2024, 8, 2), "remission_request", {"by": "organism"})
    add_event(services, "C1", date(2024, 9, 1), "court_action", {})
    add_event(services, "C1", date(2024, 9, 2), "phase", {"phase": "contentious"})
    found = claim_interruptions(services, ORGANISM, "C1", date(2024, 12, 31))
    assert [(item.on, item.kind) for item in found] == [
        (date(2024, 5, 2), K.ACKNOWLEDGMENT),
        (date(2024, 5, 20), K.PLAN),
        (date(2024, 6, 5), K.PAYMENT),
        (date(2024, 7, 5), K.WITHHOLDING),
        (date(2024, 8, 1), K.REMISSION_REQUEST),
        (date(2024, 9, 1), K.COURT_ACTION),
    ]
    assert found[0].detail == "representative" and found[4].detail == "mandatary"
    # only what happened by the date asked
    assert len(claim_interruptions(services, ORGANISM, "C1", date(2024, 6, 4))) == 2


def test_a_reversed_withholding_does_not_interrupt(one_claim: Services) -> None:
    services = one_claim
    (_outcome,) = apply_benefit_payments(
        services, ORGANISM, [BenefitPayment("D1", date(2026, 2, 5), {"AF": 50_000})], "r1"
    )
    key = f"{ORGANISM}:C1:withholding:r1:D1"
    assert prescription_state(services, ORGANISM, "C1", date(2026, 3, 5)).prescription_date == date(
        2028, 2, 5
    )
    book(
        services,
        ORGANISM,
        "C1",
        MovementRequest(
            key="rev1", kind=MovementKind.REVERSAL, amount=18_355, booked_on=date(2026, 2, 20), reverses=key
        ),
    )
    # before the reversal is booked the withholding stands; after, it never interrupted
    assert prescription_state(services, ORGANISM, "C1", date(2026, 2, 19)).prescription_date == date(
        2028, 2, 5
    )
    after = prescription_state(services, ORGANISM, "C1", date(2026, 3, 5))
    assert after.prescription_date == date(2026, 3, 5) and after.prescribed
    assert view_claim(services, ORGANISM, "C1", date(2026, 3, 5)).status is ClaimStatus.PRESCRIBED


# States and prescribed_claims ---------------------------------------------------------------------


def test_prescription_state_explains(one_claim: Services) -> None:
    services = one_claim
    registered_letter(services, ORGANISM, "C1", date(2026, 1, 15), "delivered")
    state = prescription_state(services, ORGANISM, "C1", date(2026, 3, 5))
    assert state.balance == 90_000 and not state.prescribed
    (line,) = state.lines
    assert (line.initial_bar_on, line.bar_on) == (date(2026, 3, 5), date(2028, 1, 15))
    (effect,) = state.interruptions
    assert effect.interruption.kind is K.REGISTERED_LETTER and effect.moved[0].after == date(2028, 1, 15)
    with pytest.raises(NotFound):
        prescription_state(services, ORGANISM, "C1", date(2024, 3, 31))
    with pytest.raises(NotFound):
        prescription_state(services, ORGANISM, "NOPE", date(2026, 3, 5))


def test_view_claim_reads_the_status(one_claim: Services) -> None:
    services = one_claim
    assert view_claim(services, ORGANISM, "C1", date(2026, 3, 4)).status is ClaimStatus.OPEN
    assert view_claim(services, ORGANISM, "C1", date(2026, 3, 5)).status is ClaimStatus.PRESCRIBED
    record_payment(services, ORGANISM, "C1", 90_000, date(2026, 4, 1), PaymentChannel.CHEQUE, key="all")
    # paid in full (a time-barred debt may be paid, C. civ. 2249): settled, not prescribed
    assert view_claim(services, ORGANISM, "C1", date(2026, 4, 1)).status is ClaimStatus.SETTLED


def test_a_country_without_a_prescription_rule_prescribes_nothing(one_claim: Services) -> None:
    ma = policies.for_organism("MA", "CNSS-TEST", None)
    with one_claim.db.unit_of_work() as session:
        ids = [claim_id(one_claim, "C1")]
        fr = one_claim.policy(one_claim.organism(session, ORGANISM)[1])
        assert prescribed_claims(session, ids, date(2030, 1, 1), fr) == set(ids)
        assert prescribed_claims(session, ids, date(2030, 1, 1), ma) == set()
        assert prescribed_claims(session, [], date(2030, 1, 1), fr) == set()
        # not established yet: never prescribed
        assert prescribed_claims(session, ids, date(2024, 3, 31), fr) == set()


def portfolio(services: Services, claims: int, seed: int = 7) -> list[str]:
    """Random claims with random lines and interruptions of every kind, through the service layer."""
    rng = random.Random(seed)
    debtors: list[Debtor] = []
    established: list[Claim] = []
    for index in range(claims):
        quotient = rng.choice([None, 40_000, 90_000])
        debtors.append(
            Debtor(
                ref=f"D{index:04d}",
                organism=ORGANISM,
                kind=DebtorKind.PERSON,
                prp_quotients=() if quotient is None else (DatedValue(date(2019, 1, 1), quotient),),
            )
        )
        notified = date(2022, 1, 1) + timedelta(days=rng.randrange(0, 900))
        lines = [
            (notified - timedelta(days=rng.randrange(10, 800)), rng.randrange(1_000, 90_000))
            for _ in range(rng.randrange(1, 5))
        ]
        fraud = rng.random() < 0.15
        established.append(
            make_claim(
                f"C{index:04d}",
                f"D{index:04d}",
                lines,
                notified,
                responsibility=Responsibility.FRAUD if fraud else Responsibility.DEBTOR_ERROR,
                detected_on=notified - timedelta(days=rng.randrange(0, 60)),
            )
        )
    register_debtors(services, ORGANISM, debtors)
    establish_claims(services, ORGANISM, established)
    for index, claim in enumerate(established):
        ref, day = claim.ref, claim.established_on
        for step in range(rng.randrange(0, 5)):
            day += timedelta(days=rng.randrange(30, 900))
            kind = rng.choice(["letter", "ack", "payment", "plan", "withholding"])
            if kind == "letter":
                registered_letter(
                    services, ORGANISM, ref, day, rng.choice(list(LetterOutcome)), key=f"l{step}"
                )
            elif kind == "ack":
                acknowledgment(services, ORGANISM, ref, day, key=f"a{step}")
            elif kind == "payment":
                amount = rng.randrange(500, 60_000)
                record_payment(services, ORGANISM, ref, amount, day, PaymentChannel.CARD, key=f"p{step}")
            elif kind == "plan":
                with suppress(Refused):
                    agree_plan(services, ORGANISM, ref, 5_000, day, day, key=f"plan{step}")
            else:
                payment = BenefitPayment(claim.debtor_ref, day, {"AF": 60_000})
                apply_benefit_payments(services, ORGANISM, [payment], f"w{index}-{step}")
    return [claim.ref for claim in established]


@contextmanager
def count_statements(services: Services) -> Iterator[list[str]]:
    statements: list[str] = []

    def remember(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(services.db.engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(services.db.engine, "before_cursor_execute", remember)


def test_prescribed_claims_agrees_with_the_per_claim_state(any_services: Services) -> None:
    services = any_services
    refs = portfolio(services, 100)
    with services.db.unit_of_work() as session:
        ids = {ref: claim_id(services, ref) for ref in refs}
        policy = services.policy(services.organism(session, ORGANISM)[1])
    seen_prescribed = seen_open = 0
    for on in (date(2023, 6, 30), date(2025, 6, 30), date(2026, 12, 31), date(2029, 1, 1)):
        with services.db.unit_of_work() as session, count_statements(services) as statements:
            found = prescribed_claims(session, ids.values(), on, policy)
        assert len(statements) <= 6, statements  # set-based: a few statements for the whole chunk
        for ref, ident in ids.items():
            try:
                state = prescription_state(services, ORGANISM, ref, on)
            except NotFound:
                assert ident not in found
                continue
            assert (ident in found) == state.prescribed, (ref, on)
            if ident % 4 == 0:  # the status the scenario checks read, for a sample
                status = view_claim(services, ORGANISM, ref, on).status
                assert (status is ClaimStatus.PRESCRIBED) == state.prescribed, (ref, on)
            seen_prescribed += state.prescribed
            seen_open += state.balance > 0 and not state.prescribed
    assert seen_prescribed > 15 and seen_open > 15
