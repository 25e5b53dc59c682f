"""Organisms and debtors: registration, idempotent and all-or-nothing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from recouvre.domain.errors import BatchRejected, Problem
from recouvre.domain.model import Debtor, DomainError, Organism
from recouvre.service.context import Services
from recouvre.storage import repository


def ensure_organism(services: Services, organism: Organism) -> bool:
    """Create the organism if it does not exist; return whether it was created.

    An existing organism with another country is an error, never silently changed.
    """
    with services.db.unit_of_work() as session:
        existing = repository.get_organism(session, organism.code)
        if existing is not None:
            if existing.country is not organism.country:
                raise DomainError(
                    "organism.country",
                    organism.country.value,
                    f"{organism.code} existe déjà dans le pays {existing.country}",
                )
            return False
        repository.add_organism(session, organism)
        return True


@dataclass(frozen=True)
class DebtorResult:
    created: int
    updated: int
    unchanged: int


def register_debtors(services: Services, organism_code: str, debtors: Sequence[Debtor]) -> DebtorResult:
    """Create new debtors, update the contact details of known ones, add new quotient values.

    A quotient already recorded for a date with another value is refused: a past
    quotient is a fact that computations were based on, corrected by a new dated value.
    """
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, debtor in enumerate(debtors):
        if debtor.ref in seen:
            problems.append(
                Problem(index, "ref", debtor.ref, f"appears twice (also item {seen[debtor.ref] + 1})")
            )
        seen[debtor.ref] = index
    if problems:
        raise BatchRejected(problems)
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        existing = repository.debtor_rows(session, organism_id, seen)
        known_quotients = repository.quotients(session, [row.id for row in existing.values()])
        new = [debtor for debtor in debtors if debtor.ref not in existing]
        updated = unchanged = 0
        for debtor in debtors:
            row = existing.get(debtor.ref)
            if row is None:
                continue
            values = repository.debtor_values(debtor)
            changes = {name: value for name, value in values.items() if getattr(row, name) != value}
            if changes:
                for name, value in changes.items():
                    setattr(row, name, value)
                updated += 1
            else:
                unchanged += 1
        ids = repository.insert_debtors(session, organism_id, new)
        ids.update({ref: row.id for ref, row in existing.items()})
        quotient_rows: list[dict[str, Any]] = []
        for index, debtor in enumerate(debtors):
            recorded = {
                valid_from: value for valid_from, value in known_quotients.get(ids[debtor.ref], set())
            }
            for dated in debtor.prp_quotients:
                before = recorded.get(dated.valid_from)
                if before is None:
                    quotient_rows.append(
                        {
                            "debtor_id": ids[debtor.ref],
                            "valid_from": dated.valid_from,
                            "value_cents": dated.value,
                        }
                    )
                elif before != dated.value:
                    problems.append(
                        Problem(
                            index,
                            "prp_quotient",
                            dated.value,
                            f"un autre quotient est enregistré à partir du {dated.valid_from.isoformat()}",
                        )
                    )
        if problems:
            raise BatchRejected(problems)
        repository.insert_quotients(session, quotient_rows)
        return DebtorResult(created=len(new), updated=updated, unchanged=unchanged)


# Queries for the interfaces (which do not reach into storage) ------------------------------------


def list_organisms(services: Services) -> list[Organism]:
    with services.db.unit_of_work() as session:
        return list(repository.list_organisms(session))


def get_organism(services: Services, code: str) -> Organism | None:
    with services.db.unit_of_work() as session:
        return repository.get_organism(session, code)


def known_debtors(services: Services, organism_code: str, refs: Iterable[str]) -> set[str]:
    """Which of ``refs`` are debtors of the organism."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        return set(repository.debtor_ids(session, organism_id, set(refs)).keys())


def recorded_debtors(
    services: Services, organism_code: str, refs: Iterable[str], details: Sequence[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, set[date]]]:
    """For the debtors already recorded among ``refs``: their values of ``details``, and the
    dates of their recorded quotients."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        rows = repository.debtor_rows(session, organism_id, refs)
        dated = repository.quotients(session, [row.id for row in rows.values()])
    recorded = {ref: {name: getattr(row, name) for name in details} for ref, row in rows.items()}
    dates = {ref: {day for day, _ in dated.get(row.id, ())} for ref, row in rows.items()}
    return recorded, dates
