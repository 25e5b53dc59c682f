"""The queues-and-tasks family (``service.queues``): the ranking, and tasks that follow their claim —
an open task closes itself, with its reason, when the claim it was for ends. On SQLite and
PostgreSQL."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import select

from recouvre.domain.model import (
    Benefit,
    Claim,
    ClaimStatus,
    Creditor,
    DatedValue,
    Debtor,
    DebtorKind,
    PaymentChannel,
    Responsibility,
    UndueLine,
)
from recouvre.domain.withholding import BenefitPayment
from recouvre.service import (
    Services,
    appeals,
    cycle,
    over_indebtedness,
    prescription,
    queries,
    queues,
    subjects,
    write_offs,
)
from recouvre.service.claims import establish_claims, view_claim
from recouvre.service.payments import record_payment
from recouvre.service.registry import register_debtors
from recouvre.service.withholding import PaymentBatch, apply_benefit_payments, withhold_batches
from recouvre.storage import repository
from recouvre.storage.repository import TaskDraft
from recouvre.storage.tables import TaskRow

ORG = "CAF-TEST"
ON = date(2026, 1, 10)
LATER = date(2026, 2, 2)
REVIEW = prescription.REVIEW_TASK


@pytest.fixture
def services(any_services: Services) -> Services:
    return any_services


def make_claim(
    ref: str,
    *,
    debtor: str = "D1",
    cents: int = 40_000,
    paid_on: date = date(2025, 9, 5),
    notified_on: date = ON,
    benefit: Benefit = Benefit.AF,
) -> Claim:
    return Claim(
        ref=ref,
        organism=ORG,
        debtor_ref=debtor,
        benefit=benefit,
        creditor=Creditor.OWN,
        responsibility=Responsibility.DEBTOR_ERROR,
        lines=(UndueLine(paid_on, cents),),
        established_on=notified_on,
        notified_on=notified_on,
        detected_on=notified_on,
    )


def setup(services: Services, *claims: Claim) -> None:
    quotients = (DatedValue(date(2019, 1, 1), 70_000),)
    register_debtors(
        services,
        ORG,
        [
            Debtor(ref=ref, organism=ORG, kind=DebtorKind.PERSON, prp_quotients=quotients)
            for ref in ("D1", "D2")
        ],
    )
    establish_claims(services, ORG, list(claims))


def add_task(services: Services, claim_ref: str, kind: str = "phone_call", created_on: date = ON) -> int:
    key = f"{ORG}:{claim_ref}:{kind}:test:{created_on.isoformat()}"
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORG)
        claim = repository.claim_rows(session, organism_id, [claim_ref])[claim_ref]
        draft = TaskDraft(key, organism_id, claim.debtor_id, claim.id, kind, created_on)
        repository.insert_tasks(session, [draft])
        found = session.scalar(select(TaskRow.id).where(TaskRow.key == key))
    assert found is not None
    return found


def state(services: Services, task_id: int) -> tuple[str, date | None, str | None, str | None]:
    """(status, closed on, closed by, close reason) of a task."""
    with services.db.unit_of_work() as session:
        task = session.get(TaskRow, task_id)
        assert task is not None
        return task.status, task.closed_on, task.closed_by, task.close_reason


def closed(on: date, reason: str) -> tuple[str, date, str, str]:
    return "done", on, queues.SYSTEM, reason


OPEN = ("open", None, None, None)


def open_queue(services: Services, on: date) -> list[tuple[str | None, str]]:
    found = queues.queue(services, ORG, on, today=on, limit=500)
    return [(task.claim, task.type) for task in found.tasks]


def close_all(services: Services, on: date) -> int:
    """The organism-wide call the batch runs make."""
    with services.db.unit_of_work() as session:
        return queues.close_tasks_of_claims(services, session, ORG, on)


# Ranking -----------------------------------------------------------------------------------------


def test_the_ranking_puts_prescription_near_first_then_the_balance_then_the_age(services: Services) -> None:
    setup(
        services,
        make_claim("SMALL", cents=10_000),
        make_claim("BIG", cents=90_000, debtor="D2"),
        make_claim("NEAR", cents=5_000, paid_on=date(2024, 3, 5), notified_on=date(2024, 4, 1)),
    )
    older = add_task(services, "SMALL", created_on=date(2026, 1, 10))
    newer = add_task(services, "SMALL", "review", created_on=date(2026, 1, 11))
    add_task(services, "BIG")
    add_task(services, "NEAR")
    on = date(2026, 1, 20)
    found = queues.queue(services, ORG, on, today=on)
    assert found.total == 4
    assert [(t.claim, t.priority) for t in found.tasks] == [
        ("NEAR", 1),
        ("BIG", 2),
        ("SMALL", 3),
        ("SMALL", 4),
    ]
    assert [t.id for t in found.tasks[2:]] == [older, newer]
    assert found.tasks[0].prescription_date == date(2026, 3, 5)
    assert found.tasks[0].reasons[0] == "prescription le 2026-03-05 (dans 44 j)"
    assert found.tasks[1].balance == 90_000 and found.tasks[1].reasons[0].startswith("solde 900,00")
    page = queues.queue(services, ORG, on, today=on, limit=2, offset=1)
    assert [t.priority for t in page.tasks] == [2, 3] and page.total == 4
    counts = queues.queue_counts(services, ORG, agency=None, today=on)
    assert [(c.type, c.status, c.count, c.unassigned) for c in counts] == [
        ("phone_call", "open", 3, 3),
        ("review", "open", 1, 1),
    ]


def test_a_large_queue_ranks_with_figures_read_moments_ago_but_shows_those_of_now(
    any_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A queue of ``RANKING_REUSE_FROM`` tasks or more (40,000 at 1,000,000 claims) reuses the
    balances its ranking read for ``RANKING_REUSE_SECONDS``: the tasks and their count are those
    of now (on PostgreSQL, an unchanged queue is recognised by ``task_fingerprint``), the balance
    shown is read now, only the order may lag behind a payment."""
    services = any_services
    monkeypatch.setattr(queues, "RANKING_REUSE_FROM", 2)
    setup(services, make_claim("SMALL", cents=10_000), make_claim("BIG", cents=90_000, debtor="D2"))
    add_task(services, "SMALL")
    big = add_task(services, "BIG")
    on = date(2026, 1, 20)
    assert [(t.claim, t.balance) for t in queues.queue(services, ORG, on, today=on).tasks] == [
        ("BIG", 90_000),
        ("SMALL", 10_000),
    ]
    record_payment(services, ORG, "BIG", 85_000, on, PaymentChannel.CHEQUE, key="most")
    add_task(services, "SMALL", "review")  # a new task: in the queue at once
    found = queues.queue(services, ORG, on, today=on)
    assert found.total == 3
    assert [(t.claim, t.balance) for t in found.tasks] == [
        ("BIG", 5_000),
        ("SMALL", 10_000),
        ("SMALL", 10_000),
    ]
    # figures a little old: read again in the background, this page still ranked with the old
    monkeypatch.setattr(queues, "RANKING_REUSE_SECONDS", 2.0)
    time.sleep(2.1)
    assert [t.claim for t in queues.queue(services, ORG, on, today=on).tasks] == ["BIG", "SMALL", "SMALL"]
    deadline = time.monotonic() + 10
    while [t.claim for t in queues.queue(services, ORG, on, today=on).tasks] != ["SMALL", "SMALL", "BIG"]:
        assert time.monotonic() < deadline, "the figures were not read again in the background"
        time.sleep(0.01)
    monkeypatch.setattr(queues, "RANKING_REUSE_SECONDS", 0.0)  # too old: read again at once
    assert [(t.claim, t.balance) for t in queues.queue(services, ORG, on, today=on).tasks] == [
        ("SMALL", 10_000),
        ("SMALL", 10_000),
        ("BIG", 5_000),
    ]
    monkeypatch.setattr(queues, "RANKING_REUSE_SECONDS", 60.0)
    queues.close_task(services, ORG, big, "reached", on, by="agent")  # a task closed: gone at once
    found = queues.queue(services, ORG, on, today=on)
    assert (found.total, [t.claim for t in found.tasks]) == (2, ["SMALL", "SMALL"])
    assert [t.claim for t in queues.queue(services, ORG, on, today=on).tasks] == ["SMALL", "SMALL"]
    monkeypatch.setattr(queues, "RANKING_REUSE_FROM", 100)  # a small queue: ranked afresh each time
    record_payment(services, ORG, "SMALL", 9_000, on, PaymentChannel.CHEQUE, key="small")
    assert [t.claim for t in queues.queue(services, ORG, on, today=on).tasks] == ["SMALL", "SMALL"]


# Tasks follow their claim ------------------------------------------------------------------------


def test_a_payment_that_settles_the_claim_closes_its_tasks(services: Services) -> None:
    setup(services, make_claim("C1"), make_claim("C2", cents=30_000))
    call, review = add_task(services, "C1"), add_task(services, "C1", "review")
    other = add_task(services, "C2")
    record_payment(services, ORG, "C2", 10_000, LATER, PaymentChannel.CHEQUE, key="part")
    assert state(services, other) == OPEN  # partly paid: still owed
    record_payment(services, ORG, "C1", 40_000, LATER, PaymentChannel.CHEQUE, key="all")
    assert view_claim(services, ORG, "C1", LATER).status is ClaimStatus.SETTLED
    assert state(services, call) == state(services, review) == closed(LATER, "settled")
    assert state(services, other) == OPEN
    assert open_queue(services, LATER) == [("C2", "phone_call")]
    # closed tasks are still there, with their reason, in the API's task model
    done = queries.queue(services, ORG, LATER, status="done", today=LATER)
    assert [(t.claim, t.close_reason, t.close_reason_text, t.closed_by) for t in done.tasks] == [
        ("C1", "settled", "créance soldée", "system"),
        ("C1", "settled", "créance soldée", "system"),
    ]
    assert close_all(services, LATER) == 0  # idempotent


def test_a_withholding_run_that_settles_the_claim_closes_its_tasks(services: Services) -> None:
    paid_on = date(2020, 3, 5)
    setup(
        services,
        make_claim("C1", cents=10_000, paid_on=date(2019, 11, 5), notified_on=date(2020, 1, 10)),
        make_claim(
            "C2", debtor="D2", cents=900_000, paid_on=date(2019, 11, 5), notified_on=date(2020, 1, 10)
        ),
    )
    settled, owing = (
        add_task(services, "C1", created_on=date(2020, 2, 1)),
        add_task(services, "C2", created_on=date(2020, 2, 1)),
    )
    payments = (BenefitPayment("D1", paid_on, {"AF": 50_000}), BenefitPayment("D2", paid_on, {"AF": 50_000}))
    outcomes = [o for batch in withhold_batches(services, ORG, [PaymentBatch("R1", payments)]) for o in batch]
    assert [o.withheld > 0 for o in outcomes] == [True, True]
    assert view_claim(services, ORG, "C1", paid_on).status is ClaimStatus.SETTLED
    assert state(services, settled) == closed(paid_on, "settled")
    assert state(services, owing) == OPEN
    assert close_all(services, paid_on) == 0


def test_one_withholding_batch_alone_leaves_the_closing_to_the_run(services: Services) -> None:
    """``apply_benefit_payments`` is one unit of a run: the run closes the tasks once, at its end."""
    paid_on = date(2020, 3, 5)
    setup(services, make_claim("C1", cents=10_000, paid_on=date(2019, 11, 5), notified_on=date(2020, 1, 10)))
    task = add_task(services, "C1", created_on=date(2020, 2, 1))
    apply_benefit_payments(services, ORG, [BenefitPayment("D1", paid_on, {"AF": 50_000})], "R1")
    assert state(services, task) == OPEN
    assert close_all(services, paid_on) == 1
    assert state(services, task) == closed(paid_on, "settled")


def test_an_appeal_that_suspends_recovery_closes_the_tasks_but_not_the_prescription_review(
    services: Services,
) -> None:
    setup(services, make_claim("C1"), make_claim("C2"))
    call, review = add_task(services, "C1"), add_task(services, "C1", "review")
    watch = add_task(services, "C1", REVIEW)
    other = add_task(services, "C2")
    view = appeals.file_appeal(services, ORG, "C1", LATER)
    assert view.suspends
    assert view_claim(services, ORG, "C1", LATER).status is ClaimStatus.SUSPENDED
    assert state(services, call) == state(services, review) == closed(LATER, "suspended")
    assert state(services, watch) == OPEN  # prescription runs on while recovery is suspended
    assert state(services, other) == OPEN
    assert sorted(open_queue(services, LATER)) == [("C1", REVIEW), ("C2", "phone_call")]
    assert close_all(services, LATER) == 0


def test_over_indebtedness_suspends_the_debtors_claims_and_closes_their_tasks(services: Services) -> None:
    setup(services, make_claim("C1"), make_claim("C2"), make_claim("C3", debtor="D2"))
    first, second, other = add_task(services, "C1"), add_task(services, "C2"), add_task(services, "C3")
    over_indebtedness.admissible(services, ORG, "D1", LATER)
    assert state(services, first) == state(services, second) == closed(LATER, "suspended")
    assert state(services, other) == OPEN


def test_a_write_off_closes_the_tasks(services: Services) -> None:
    setup(services, make_claim("C1"), make_claim("C2"))
    call, other = add_task(services, "C1"), add_task(services, "C2")
    write_offs.write_off(services, ORG, "C1", LATER, reasons="insolvable")
    assert state(services, call) == closed(LATER, "written_off")
    assert state(services, other) == OPEN
    assert open_queue(services, LATER) == [("C2", "phone_call")]


def test_a_placement_closes_the_tasks_but_not_the_prescription_review(services: Services) -> None:
    setup(services, make_claim("C1"), make_claim("C2"))
    call, watch, other = add_task(services, "C1"), add_task(services, "C1", REVIEW), add_task(services, "C2")
    subjects.place_claim(services, ORG, "C1", "acme-recouvrement", LATER, by="manager")
    assert state(services, call) == closed(LATER, "placed")
    assert state(services, watch) == OPEN
    assert state(services, other) == OPEN
    assert queries.queue(services, ORG, LATER, status="done", today=LATER).tasks[0].close_reason_text == (
        "créance confiée à un organisme de recouvrement"
    )


def prescribing(services: Services) -> tuple[int, int]:
    """C1's line was paid on 2024-03-05: the claim is prescribed from 2026-03-05; C2 is recent."""
    setup(
        services,
        make_claim("C1", cents=90_000, paid_on=date(2024, 3, 5), notified_on=date(2024, 4, 1)),
        make_claim("C2", debtor="D2"),
    )
    return add_task(services, "C1", created_on=date(2026, 2, 1)), add_task(services, "C2")


def test_the_prescription_watch_closes_the_tasks_of_prescribed_claims(services: Services) -> None:
    call, other = prescribing(services)
    prescription.watch(services, ORG, date(2026, 3, 4))
    assert state(services, call) == OPEN
    prescription.watch(services, ORG, date(2026, 3, 5))
    assert view_claim(services, ORG, "C1", date(2026, 3, 5)).status is ClaimStatus.PRESCRIBED
    assert state(services, call) == closed(date(2026, 3, 5), "prescribed")
    assert state(services, other) == OPEN


def test_the_monthly_cycle_closes_the_tasks_of_ended_claims(services: Services) -> None:
    call, other = prescribing(services)
    cycle.run_cycle(services, ORG, "2026-02", date(2026, 3, 5))
    assert state(services, call) == closed(date(2026, 3, 5), "prescribed")
    assert state(services, other) == OPEN
    assert ("C1", "phone_call") not in open_queue(services, date(2026, 3, 5))
    assert close_all(services, date(2026, 3, 5)) == 0


def test_a_task_created_after_the_day_stays_and_a_debtors_task_is_left_alone(services: Services) -> None:
    setup(services, make_claim("C1"))
    before, after = add_task(services, "C1"), add_task(services, "C1", created_on=date(2026, 3, 1))
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORG)
        debtor_id = repository.debtor_ids(session, organism_id, ["D1"])["D1"]
        repository.insert_tasks(
            session, [TaskDraft(f"{ORG}:D1:call", organism_id, debtor_id, None, "phone_call", ON)]
        )
    record_payment(services, ORG, "C1", 40_000, LATER, PaymentChannel.CHEQUE, key="all")
    assert state(services, before) == closed(LATER, "settled")
    assert state(services, after) == OPEN  # not yet there on the day of the payment
    assert close_all(services, date(2026, 3, 1)) == 1  # the next batch run closes it
    assert state(services, after) == closed(date(2026, 3, 1), "settled")
    assert [task.claim for task in queues.queue(services, ORG, date(2026, 3, 1), today=ON).tasks] == [None]


def test_a_person_closing_a_task_records_the_day_and_the_author(services: Services) -> None:
    setup(services, make_claim("C1"))
    task = add_task(services, "C1")
    queues.close_task(services, ORG, task, "reached", LATER, by="agent")
    assert state(services, task) == ("done", LATER, "agent", None)
    record_payment(services, ORG, "C1", 40_000, LATER, PaymentChannel.CHEQUE, key="all")
    assert state(services, task) == ("done", LATER, "agent", None)  # a closed task is not closed again
