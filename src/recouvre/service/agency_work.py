"""Agency contracts as data, placement by rules, and the files handed over (issue 12 item 2,
issue 11 item 3).

- ``contracts_from_data``: the contracts of a YAML or CSV file (read by
  ``recouvre.adapters.agency_files``) as ``AgencySpec`` values, all-or-nothing with every error
  listed (``BatchRejected``): agency, kind, commission rate and its grid by segment (amount
  band, age of the claim, debtor kind), capacity, contract dates, service level (first reminder
  within N days of receipt);
- ``plan_placements``: which claims go to which agency under a ``PlacementRules`` (kind, segment:
  amount band, age, debtor kind; previous placements; capacities), with an optional seeded random
  split between agencies (champion / challenger). The plan is read-only; the commands place its
  lines one by one (each an authorised, audited act, ``commands.place_by_rules``);
- ``handover``: the files placed with an agency on a date (CSV/Parquet by the adapters, JSON by
  the API), with their priority (largest balance first), contacts, and the enforceable title's
  letter for a bailiff when there is one.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from recouvre.domain.errors import BatchRejected, Problem
from recouvre.domain.model import DomainError, Phase
from recouvre.domain.money import Cents, parse_amount
from recouvre.service import enforcement, queues
from recouvre.service.context import Services
from recouvre.service.placements import (
    AMICABLE,
    BAILIFF,
    KINDS,
    AgencySpec,
    Segment,
    agency_row,
    held,
    parse_rate,
    running,
)
from recouvre.storage import repository
from recouvre.storage.agency_tables import AgencyRow
from recouvre.storage.back_office_tables import PlacementRow
from recouvre.storage.tables import ClaimRow, ClaimStateRow, DebtorRow, LetterClaimRow, LetterRow, MovementRow

TITLE_LETTERS = ("contrainte", "commandement", "injunction", "payment_injunction", "etat_de_produits")
"""Letters that carry an enforceable title, handed over to a bailiff with the file."""


# Contracts as data ---------------------------------------------------------------------------------


def _optional_int(value: object, field_name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(str(value))
    except ValueError:
        raise DomainError(field_name, value, "un nombre entier") from None
    if number < 0:
        raise DomainError(field_name, value, "ne peut être négatif")
    return number


def _optional_date(value: object, field_name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DomainError(field_name, value, "une date AAAA-MM-JJ") from None


def _optional_amount(value: object, field_name: str) -> Cents | None:
    if value is None or value == "":
        return None
    return parse_amount(value, field=field_name)


def _segment(data: Mapping[str, Any], prefix: str = "") -> Segment:
    def get(name: str) -> object:
        return data.get(prefix + name)

    kind = get("debtor_kind")
    if kind not in (None, "", "person", "legal"):
        raise DomainError(prefix + "debtor_kind", kind, "person ou legal")
    return Segment(
        rate=parse_rate(get("rate"), prefix + "rate"),
        min_cents=_optional_amount(get("min"), prefix + "min"),
        max_cents=_optional_amount(get("max"), prefix + "max"),
        min_age_days=_optional_int(get("min_age_days"), prefix + "min_age_days"),
        max_age_days=_optional_int(get("max_age_days"), prefix + "max_age_days"),
        debtor_kind=str(kind) if kind else None,
    )


CONTRACT_FIELDS = frozenset(
    {
        "id",
        "name",
        "kind",
        "commission_rate",
        "capacity",
        "contract_from",
        "contract_until",
        "contract",
        "first_reminder_days",
        "grid",
    }
)
SEGMENT_COLUMNS = ("min", "max", "min_age_days", "max_age_days", "debtor_kind", "rate")


def contracts_from_data(items: Sequence[Mapping[str, Any]]) -> list[AgencySpec]:
    """The agencies of a contracts file (each item a mapping: YAML entries, or CSV rows where a
    row repeating an ``id`` adds a grid segment from its ``segment_*`` columns). Raises
    ``BatchRejected`` listing every problem; nothing is kept when one item is invalid."""
    problems: list[Problem] = []
    merged: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for index, item in enumerate(items):
        code = str(item.get("id") or "").strip()
        if not code:
            problems.append(Problem(index, "id", item.get("id"), "obligatoire"))
            continue
        segment_data = {name: item.get(f"segment_{name}") for name in SEGMENT_COLUMNS}
        has_segment = any(value not in (None, "") for value in segment_data.values())
        if code in merged:
            if not has_segment:
                problems.append(Problem(index, "id", code, "agence déjà décrite plus haut"))
                continue
        else:
            order.append(code)
            unknown = sorted(
                str(name)
                for name in item
                if name not in CONTRACT_FIELDS and not str(name).startswith("segment_")
            )
            for name in unknown:
                problems.append(Problem(index, name, item[name], "champ inconnu"))
            merged[code] = {
                **{k: v for k, v in item.items() if not str(k).startswith("segment_")},
                "_index": index,
            }
            merged[code]["grid"] = list(item.get("grid") or [])
        if has_segment:
            merged[code]["grid"].append({**segment_data, "_index": index})
    specs: list[AgencySpec] = []
    for code in order:
        data = merged[code]
        index = int(data["_index"])
        try:
            contract = data.get("contract") or {}
            if not isinstance(contract, Mapping):
                raise DomainError(
                    "contract", contract, "attendu : les dates de début et de fin du contrat (AAAA-MM-JJ)"
                )
            grid = []
            for position, raw in enumerate(data["grid"]):
                if not isinstance(raw, Mapping):
                    raise DomainError(
                        f"grid[{position}]", raw, "{min, max, min_age_days, max_age_days, debtor_kind, rate}"
                    )
                grid.append(_segment(raw))
            kind = str(data.get("kind") or AMICABLE)
            specs.append(
                AgencySpec(
                    code=code,
                    kind=kind,
                    commission_rate=parse_rate(data.get("commission_rate", "0")),
                    name=str(data.get("name") or ""),
                    grid=tuple(grid),
                    capacity=_optional_int(data.get("capacity"), "capacity"),
                    contract_from=_optional_date(
                        contract.get("from", data.get("contract_from")), "contract_from"
                    ),
                    contract_until=_optional_date(
                        contract.get("until", data.get("contract_until")), "contract_until"
                    ),
                    first_reminder_days=_optional_int(data.get("first_reminder_days"), "first_reminder_days"),
                )
            )
        except DomainError as error:
            problems.append(Problem(index, error.field.removeprefix("agency."), error.value, error.reason))
    if problems:
        raise BatchRejected(problems)
    return specs


# Placement by rules ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlacementRules:
    """Which claims to place and with whom (one run of placement by rules)."""

    agencies: tuple[str, ...]
    """The candidate agencies (all of the same kind)."""
    min_balance: Cents | None = None
    max_balance: Cents | None = None
    min_age_days: int | None = None
    """Age of the claim: days since its notification (else its establishment)."""
    max_age_days: int | None = None
    debtor_kind: str | None = None
    benefits: tuple[str, ...] = ()
    not_previously_with: bool = True
    """A claim is not placed again with an agency it was recalled from."""
    split: Mapping[str, int] = field(default_factory=dict)
    """Champion / challenger: weight per agency (e.g. ``{A1: 80, A2: 20}``); empty: fill the
    agencies in order of their room left."""
    seed: int = 0
    limit: int | None = None


@dataclass(frozen=True)
class PlannedPlacement:
    claim_ref: str
    agency: str
    balance: Cents
    reason: str


@dataclass(frozen=True)
class _Candidate:
    id: int
    ref: str
    balance: Cents
    age_days: int
    debtor_kind: str
    benefit: str
    phase: str


def _candidates(
    session: Any, organism_id: int, on: date, rules: PlacementRules, kind: str
) -> list[_Candidate]:
    balance = func.sum(MovementRow.signed_cents)
    query = (
        select(
            ClaimRow.id,
            ClaimRow.ref,
            balance,
            ClaimRow.notified_on,
            ClaimRow.established_on,
            DebtorRow.kind,
            ClaimRow.benefit,
            ClaimStateRow.phase,
        )
        .join(MovementRow, MovementRow.claim_id == ClaimRow.id)
        .join(DebtorRow, DebtorRow.id == ClaimRow.debtor_id)
        .outerjoin(ClaimStateRow, ClaimStateRow.claim_id == ClaimRow.id)
        .where(
            ClaimRow.organism_id == organism_id,
            ClaimRow.established_on <= on,
            ClaimRow.notified_on.is_not(None),
            MovementRow.booked_on <= on,
        )
        .group_by(
            ClaimRow.id,
            ClaimRow.ref,
            ClaimRow.notified_on,
            ClaimRow.established_on,
            DebtorRow.kind,
            ClaimRow.benefit,
            ClaimStateRow.phase,
        )
        .having(balance > 0)
    )
    phases = (
        (Phase.AMICABLE.value, Phase.CONTENTIOUS.value) if kind == AMICABLE else (Phase.ENFORCEMENT.value,)
    )
    found: list[_Candidate] = []
    rows = list(session.execute(query))
    # A title's enforceability is derived by date (a served contrainte becomes enforceable once
    # its opposition window has passed, nothing stored): the enforcement service reads it.
    enforceable = enforcement.enforceable_claims(session, [int(row[0]) for row in rows], on)
    for ident, ref, total, notified_on, established_on, debtor_kind, benefit, phase in rows:
        if int(ident) in enforceable:
            phase = Phase.ENFORCEMENT.value
        start = repository.as_date(notified_on) or repository.as_date(established_on)
        assert start is not None
        candidate = _Candidate(
            int(ident),
            str(ref),
            int(total),
            (on - start).days,
            str(debtor_kind),
            str(benefit),
            str(phase or "amicable"),
        )
        if candidate.phase not in phases:
            continue
        if rules.min_balance is not None and candidate.balance < rules.min_balance:
            continue
        if rules.max_balance is not None and candidate.balance >= rules.max_balance:
            continue
        if rules.min_age_days is not None and candidate.age_days < rules.min_age_days:
            continue
        if rules.max_age_days is not None and candidate.age_days >= rules.max_age_days:
            continue
        if rules.debtor_kind is not None and candidate.debtor_kind != rules.debtor_kind:
            continue
        if rules.benefits and candidate.benefit not in rules.benefits:
            continue
        found.append(candidate)
    # Ended claims (settled, suspended, prescribed...) and claims already placed are left out.
    ended = queues.ended_claims(session, [c.id for c in found], on, None)
    found = [c for c in found if c.id not in ended]
    found.sort(key=lambda c: (-c.balance, c.ref))
    return found


def plan_placements(
    services: Services, organism: str, on: date, rules: PlacementRules
) -> list[PlannedPlacement]:
    """The placements ``rules`` give on ``on``: read-only (``commands.place_by_rules`` acts)."""
    if not rules.agencies:
        raise DomainError("agencies", [], "au moins une agence")
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        rows: list[AgencyRow] = []
        for code in rules.agencies:
            row = agency_row(session, organism_id, code)
            if row is None:
                raise DomainError("agency", code, f"aucune agence {code} dans {organism}")
            rows.append(row)
        kinds = {row.kind for row in rows}
        if len(kinds) != 1:
            raise DomainError("agencies", list(rules.agencies), "des agences d'une seule sorte à la fois")
        kind = kinds.pop()
        for name in rules.split:
            if name not in rules.agencies:
                raise DomainError("split", name, "une agence de la liste")
        room: dict[str, int | None] = {}
        for row in rows:
            if (row.contract_from and on < row.contract_from) or (
                row.contract_until and on > row.contract_until
            ):
                room[row.code] = 0
            elif row.capacity is None:
                room[row.code] = None
            else:
                room[row.code] = max(row.capacity - held(session, row.code, on, organism_id), 0)
        candidates = _candidates(session, organism_id, on, rules, kind)
        previous: dict[int, set[str]] = {}
        if rules.not_previously_with and candidates:
            for part in repository.chunks([c.id for c in candidates]):
                for claim_id, agency in session.execute(
                    select(PlacementRow.claim_id, PlacementRow.agency).where(
                        repository.one_of(session, PlacementRow.claim_id, part)
                    )
                ):
                    previous.setdefault(int(claim_id), set()).add(str(agency))
        plan: list[PlannedPlacement] = []
        for candidate in candidates:
            if rules.limit is not None and len(plan) >= rules.limit:
                break
            open_to = [
                code
                for code in rules.agencies
                if (room[code] is None or (room[code] or 0) > 0)
                and code not in previous.get(candidate.id, set())
            ]
            if not open_to:
                continue
            if rules.split:
                weighted = [code for code in open_to if rules.split.get(code, 0) > 0]
                if not weighted:
                    continue
                draw = random.Random(f"{rules.seed}:{candidate.ref}")
                chosen = draw.choices(weighted, weights=[rules.split[code] for code in weighted])[0]
                reason = f"répartition champion/challenger (graine {rules.seed})"
            else:
                chosen = max(
                    open_to,
                    key=lambda code: (room[code] is None, room[code] or 0, -rules.agencies.index(code)),
                )
                reason = "règles de placement"
            plan.append(PlannedPlacement(candidate.ref, chosen, candidate.balance, reason))
            if room[chosen] is not None:
                room[chosen] = (room[chosen] or 0) - 1
        return plan


# The files handed over ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HandoverFile:
    """One file placed with an agency, as handed over (and as the agency's portal lists it)."""

    priority: int
    claim_ref: str
    debtor_ref: str
    debtor_kind: str
    debtor_name: str
    address: str
    email: str
    phone: str
    benefit: str
    principal: Cents
    balance: Cents
    notified_on: date | None
    placed_from: date
    phase: str
    title_letters: tuple[int, ...]

    def as_row(self) -> dict[str, object]:
        return {
            "priority": self.priority,
            "claim": self.claim_ref,
            "debtor": self.debtor_ref,
            "debtor_kind": self.debtor_kind,
            "debtor_name": self.debtor_name,
            "address": self.address,
            "email": self.email,
            "phone": self.phone,
            "benefit": self.benefit,
            "principal": Decimal(self.principal) / 100,
            "balance": Decimal(self.balance) / 100,
            "notified_on": self.notified_on,
            "placed_from": self.placed_from,
            "phase": self.phase,
            "title_letters": ",".join(str(ident) for ident in self.title_letters),
        }


def handover(services: Services, organism: str, agency: str, on: date) -> list[HandoverFile]:
    """The files placed with ``agency`` on ``on``, largest balance first (their priority)."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        query = (
            select(PlacementRow, ClaimRow, DebtorRow, ClaimStateRow.phase)
            .join(ClaimRow, ClaimRow.id == PlacementRow.claim_id)
            .join(DebtorRow, DebtorRow.id == ClaimRow.debtor_id)
            .outerjoin(ClaimStateRow, ClaimStateRow.claim_id == ClaimRow.id)
            .where(ClaimRow.organism_id == organism_id, PlacementRow.agency == agency, running(on))
        )
        rows = list(session.execute(query))
        ids = [claim.id for _, claim, _, _ in rows]
        enforceable = enforcement.enforceable_claims(session, ids, on)
        balances: dict[int, int] = {}
        titles: dict[int, list[int]] = {}
        for part in repository.chunks(ids):
            for claim_id, total in session.execute(
                select(MovementRow.claim_id, func.sum(MovementRow.signed_cents))
                .where(repository.one_of(session, MovementRow.claim_id, part), MovementRow.booked_on <= on)
                .group_by(MovementRow.claim_id)
            ):
                balances[int(claim_id)] = max(int(total or 0), 0)
        if ids and kind_of(session, organism_id, agency) == BAILIFF:
            for part in repository.chunks(ids):
                letters = session.execute(
                    select(LetterClaimRow.claim_id, LetterRow.id)
                    .join(LetterRow, LetterRow.id == LetterClaimRow.letter_id)
                    .where(
                        repository.one_of(session, LetterClaimRow.claim_id, part),
                        LetterRow.type.in_(TITLE_LETTERS),
                        LetterRow.issued_on <= on,
                    )
                    .order_by(LetterRow.id)
                )
                for claim_id, letter_id in letters:
                    titles.setdefault(int(claim_id), []).append(int(letter_id))
        files = [
            (placement, claim, debtor, phase, balances.get(claim.id, 0))
            for placement, claim, debtor, phase in rows
        ]
        files.sort(key=lambda item: (-item[4], item[1].ref))
        return [
            HandoverFile(
                priority=position,
                claim_ref=claim.ref,
                debtor_ref=debtor.ref,
                debtor_kind=debtor.kind,
                debtor_name=debtor.name or "",
                address=debtor.address or "",
                email=debtor.email or "",
                phone=debtor.phone or "",
                benefit=claim.benefit,
                principal=claim.principal_cents,
                balance=balance,
                notified_on=claim.notified_on,
                placed_from=placement.placed_from,
                phase=Phase.ENFORCEMENT.value if claim.id in enforceable else str(phase or "amicable"),
                title_letters=tuple(titles.get(claim.id, ())),
            )
            for position, (placement, claim, debtor, phase, balance) in enumerate(files, start=1)
        ]


def kind_of(session: Any, organism_id: int, agency: str) -> str:
    row = agency_row(session, organism_id, agency)
    return row.kind if row is not None else AMICABLE


assert set(KINDS) == {AMICABLE, BAILIFF}
