"""The batch steps' set-wise writes (ADR 0005): the claim states' guarded update, one statement
per change on SQLite, and the cycle's letters numbered when written, write what the row-by-row
statements wrote."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from conftest import load_bench
from recouvre.storage import repository
from recouvre.storage.database import Database
from recouvre.storage.repository import LetterDraft
from recouvre.storage.tables import ClaimRow, ClaimStateRow, LetterClaimRow, LetterRow

ON = date(2026, 11, 1)


def _portfolio(database: Database) -> tuple[int, list[tuple[int, int]]]:
    """Three debtors with two claims each: the organism id and the (claim id, debtor id) pairs."""
    organism_id, _ = load_bench("cycle").build(database, 6)
    with database.unit_of_work() as session:
        claims = [(int(a), int(b)) for a, b in session.execute(select(ClaimRow.id, ClaimRow.debtor_id))]
    return organism_id, sorted(claims)


def test_the_guarded_update_leaves_a_claim_changed_since_the_read(any_db: Database) -> None:
    _, claims = _portfolio(any_db)
    ids = [claim_id for claim_id, _ in claims]
    with any_db.unit_of_work() as session:  # someone else moved the second claim meanwhile
        session.execute(update(ClaimStateRow).where(ClaimStateRow.claim_id == ids[1]).values(step="reminder"))
    names = ("phase", "step", "step_on", "step_offset")
    read = ("amicable", None, None, 0)
    decided = ("amicable", "formal_notice", ON, 0)
    with any_db.unit_of_work() as session:
        statement = repository.prepared_guarded_update(
            session, ClaimStateRow, "claim_id", names, [(decided, read, ids[:3]), (read, read, ids[3:4])]
        )
        assert statement.run(session) == 3  # the second claim is not the one decided from
    with any_db.unit_of_work() as session:
        found = {
            claim_id: (step, step_on)
            for claim_id, step, step_on in session.execute(
                select(ClaimStateRow.claim_id, ClaimStateRow.step, ClaimStateRow.step_on)
            )
        }
    assert [found[claim_id] for claim_id in ids] == [
        ("formal_notice", ON),
        ("reminder", None),
        ("formal_notice", ON),
        (None, None),
        (None, None),
        (None, None),
    ]


def _drafts(organism_id: int, claims: list[tuple[int, int]], cycle: str) -> list[LetterDraft]:
    by_debtor: dict[int, list[int]] = {}
    for claim_id, debtor_id in claims:
        by_debtor.setdefault(debtor_id, []).append(claim_id)
    return [
        LetterDraft(f"T:{debtor}:reminder:{cycle}", organism_id, debtor, "reminder", ON, tuple(ids), cycle)
        for debtor, ids in sorted(by_debtor.items())
    ]


def _letters(database: Database) -> list[tuple[int, str, list[int]]]:
    with database.unit_of_work() as session:
        links: dict[int, list[int]] = {}
        for letter_id, claim_id in session.execute(select(LetterClaimRow.letter_id, LetterClaimRow.claim_id)):
            links.setdefault(int(letter_id), []).append(int(claim_id))
        return [
            (int(ident), str(key), sorted(links.get(int(ident), [])))
            for ident, key in session.execute(select(LetterRow.id, LetterRow.key).order_by(LetterRow.id))
        ]


def test_numbered_letters_take_the_ids_and_links_of_letters_found_by_key(any_db: Database) -> None:
    organism_id, claims = _portfolio(any_db)
    with any_db.unit_of_work() as session:  # letters already there: the numbered ones come after
        repository.insert_letters(session, _drafts(organism_id, claims[:3], "2026-09"))
    with any_db.unit_of_work() as session:
        for statement in repository.prepared_letters(
            session, _drafts(organism_id, claims, "2026-10"), numbered=True
        ):
            statement.run(session)
    with any_db.unit_of_work() as session:  # a replay writes nothing
        for statement in repository.prepared_letters(
            session, _drafts(organism_id, claims, "2026-10"), numbered=True
        ):
            assert statement.run(session) == 0
    debtors = sorted({debtor_id for _, debtor_id in claims})
    of = {debtor_id: sorted(c for c, d in claims if d == debtor_id) for debtor_id in debtors}
    assert _letters(any_db) == [
        (1, f"T:{debtors[0]}:reminder:2026-09", of[debtors[0]]),
        (2, f"T:{debtors[1]}:reminder:2026-09", [claims[2][0]]),
        (3, f"T:{debtors[0]}:reminder:2026-10", of[debtors[0]]),
        (4, f"T:{debtors[1]}:reminder:2026-10", of[debtors[1]]),
        (5, f"T:{debtors[2]}:reminder:2026-10", of[debtors[2]]),
    ]
