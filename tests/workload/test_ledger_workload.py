"""A randomized workload, in TigerBeetle's manner (issue "One door", item 3).

A seeded driver advances a business date and applies random acts through the door: claims
imported (the ``import claims`` path) or established, payments (beyond the balance too, and
replays of an idempotency key), reversals, plans and promises, benefit-payment withholding runs
(the ``payments withhold`` batch on a generated payment file), monthly cycles, remission
requests, proposals and decisions, appeals filed, decided and withdrawn, write-offs proposed,
decided and revived, suspensions and resumptions. Acts are done by users of the right roles
(the proposer is not the decider, the author of a claim does not book its recovery), and now
and then by the wrong one. Refusals are normal outcomes.

After EVERY step, plain SQL on the database (not the code under test) checks the ledger's
invariants (``recouvre.domain.ledger``): sequences continuous from 1, ``established`` first and
once, positive amounts signed by their kind, reversals naming an earlier movement of the same
claim (never a reversal, never twice, same amount, opposite effect), reductions that are
decisions never beyond the balance, refunds never beyond the credit, no idempotency key twice.
Every balance the code derives or stores (``ledger_totals``, the portfolio summary,
``view_claim``, a remission case's and a write-off proposal's balance, a benefit payment's
withheld and net amounts) must equal the signed sum of the movements; every act the door
accepted leaves an audit row, and the audit chain verifies.

Sizes: ``RECOUVRE_WORKLOAD_STEPS`` (steps per seed) and ``RECOUVRE_WORKLOAD_SEEDS`` (a count,
or a comma-separated list of seeds) raise them for a soak run. A failure names its engine,
seed and step, with the acts that led there.
"""

from __future__ import annotations

import csv
import json
import os
import random
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

# --- The door --------------------------------------------------------------------------------------
# Every command of the workload is reached through this block, and only through it: when the
# authorised commands move from ``recouvre.api.commands`` to ``recouvre.service``, retarget
# ``door`` (and, for the acts that only the CLI reaches today, the service imports below).
from recouvre.adapters.imports import parse_claims, parse_debtors, read_table
from recouvre.adapters.payment_files import parse_payments
from recouvre.domain.appeals import AppealOutcome, AppealStage, Appellant
from recouvre.domain.errors import Refused
from recouvre.domain.ledger import CAPPED_AT_BALANCE, DECREASING, INCREASING, MovementKind
from recouvre.domain.model import (
    Benefit,
    Claim,
    Country,
    Creditor,
    DomainError,
    Organism,
    PaymentChannel,
    Responsibility,
    UndueLine,
)
from recouvre.domain.money import AmountError
from recouvre.security.authorization import Actor, Forbidden
from recouvre.service import BatchRejected, Services, accounts, trail
from recouvre.service import commands as door
from recouvre.service import payments as payment_service
from recouvre.service import write_offs as write_off_service
from recouvre.service.claims import establish_claims, view_claim
from recouvre.service.decisions import ProposalKind
from recouvre.service.registry import ensure_organism, register_debtors
from recouvre.service.reports import portfolio_summary
from recouvre.service.withholding import PaymentBatch, withhold_batches
from recouvre.storage import repository
from recouvre.storage.database import Database

establish_claim = door.establish_claim
record_payment = door.record_payment
agree_plan = door.agree_plan
promise_to_pay = door.promise_to_pay
suspend_recovery = door.suspend_recovery
resume_recovery = door.resume_recovery
request_remission = door.request_remission
propose_remission = door.propose_remission
propose_write_off = door.propose_write_off
decide_proposal = door.decide_proposal
file_appeal = door.file_appeal
decide_appeal = door.decide_appeal
withdraw_appeal = door.withdraw_appeal
run_cycle = door.run_cycle


class FileRefused(Exception):
    """An import or payment file with problems: the CLI refuses it whole, nothing is written."""


def import_debtors(services: Services, organism: str, path: Path) -> None:
    """``recouvre import debtors FILE`` (no authorised command yet: the CLI's service calls)."""
    batch, problems = parse_debtors(read_table(path), organism)
    if problems:
        raise FileRefused(problems)
    register_debtors(services, organism, batch.items)


def import_claims(services: Services, organism: str, path: Path) -> int:
    """``recouvre import claims FILE``: the claims created (0 for a replayed file)."""
    table = read_table(path)
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        known = repository.debtor_ids(session, organism_id, {row.get("debtor") or "" for row in table.rows})
    batch, problems = parse_claims(table, organism, known_debtors=known.keys())
    if problems:
        raise FileRefused(problems)
    return establish_claims(services, organism, batch.items).created


def withhold_file(services: Services, organism: str, path: Path) -> int:
    """``recouvre payments withhold FILE`` (one process): the debtors withheld on anew."""
    table = read_table(path)
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        known = repository.debtor_ids(session, organism_id, {row.get("debtor") or "" for row in table.rows})
    batch, problems = parse_payments(table, known_debtors=known.keys())
    if problems:
        raise FileRefused(problems)
    fresh = 0
    for run_id in dict.fromkeys(item.run_id for item in batch.items):
        payments = tuple(item.payment for item in batch.items if item.run_id == run_id)
        for outcomes in withhold_batches(services, organism, [PaymentBatch(run_id, payments)], workers=1):
            fresh += sum(not outcome.already_done for outcome in outcomes)
    return fresh


def reverse_movement(services: Services, organism: str, claim_ref: str, key: str, on: date) -> None:
    """A reversal (no authorised command yet: ``service.payments.reverse``)."""
    payment_service.reverse(services, organism, claim_ref, key, on, "erreur d'imputation")


def revive_write_off(services: Services, organism: str, claim_ref: str, on: date, by: str) -> None:
    """``recouvre write-off revive`` (no authorised command yet)."""
    write_off_service.revive(
        services, organism, claim_ref, on, "retour à meilleure fortune", actor=by, why=""
    )


REFUSED = (DomainError, AmountError, BatchRejected, Refused, Forbidden, FileRefused)
"""The outcomes of an act the rules or the roles refuse: the invariants hold after them too."""

# --- Sizes ------------------------------------------------------------------------------------------

ORG = "CAF-WL"
START = date(2026, 1, 5)
DEBTORS = 24
FIRST_CLAIMS = 36
PASSWORD = "un mot de passe assez long"
PG_URL = os.environ.get("RECOUVRE_TEST_PG_URL")


def _seeds(default: int) -> list[int]:
    wanted = os.environ.get("RECOUVRE_WORKLOAD_SEEDS", "").strip()
    if "," in wanted:
        return [int(part) for part in wanted.split(",") if part.strip()]
    return list(range(1, (int(wanted) if wanted else default) + 1))


def _steps(default: int) -> int:
    wanted = os.environ.get("RECOUVRE_WORKLOAD_STEPS", "").strip()
    return int(wanted) if wanted else default


ENGINES = {"sqlite": (_seeds(4), _steps(80)), "postgres": (_seeds(2), _steps(50))}
USERS = {
    "ordonnateur": "case_worker",
    "cw": "case_worker",
    "cw2": "case_worker",
    "accountant": "accountant",
    "director": "director",
    "board": "board_member",
    "admin": "administrator",
}

# --- The world the driver acts on -------------------------------------------------------------------


class Clock:
    """The stamping clock, on the business date (``authorize`` asks about its day)."""

    def __init__(self, day: date) -> None:
        self.now = datetime.combine(day, time(10), tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)
        return self.now


@dataclass
class World:
    services: Services
    clock: Clock
    rng: random.Random
    folder: Path
    today: date = START
    actors: dict[str, Actor] = field(default_factory=dict)
    debtors: list[str] = field(default_factory=list)
    claims: list[str] = field(default_factory=list)
    authors: dict[str, str] = field(default_factory=dict)
    established: dict[str, Claim] = field(default_factory=dict)
    payments: list[tuple[str, int, date, PaymentChannel, str]] = field(default_factory=list)
    claim_files: list[Path] = field(default_factory=list)
    payment_files: list[Path] = field(default_factory=list)
    counter: int = 0
    log: list[str] = field(default_factory=list)
    tally: dict[str, Counter[str]] = field(default_factory=dict)
    seen_cases: set[int] = field(default_factory=set)
    seen_proposals: set[int] = field(default_factory=set)
    doing: str = ""
    booked: dict[str, tuple[str, int]] = field(default_factory=dict)
    """The payments the driver saw booked, by movement key: the rows must keep saying so."""

    def trying(self, what: str, *, door: bool = True, touched: tuple[str, ...] = ()) -> Act:
        """The act about to be done (its first word, and ``replay``, name it in the tally)."""
        words = what.split()
        self.doing = words[0] + (" replay" if words[1:2] == ["replay"] else "")
        return Act(what, door=door, touched=touched)

    def next(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def advance(self, days: int) -> None:
        self.today += timedelta(days=days)
        self.clock.now = max(self.clock.now, datetime.combine(self.today, time(10), tzinfo=UTC))

    def actor(self, user: str) -> Actor:
        """``user``, or now and then someone else: the roles must refuse what is not theirs."""
        if self.rng.random() < 0.07:
            user = self.rng.choice(sorted(USERS))
        return self.actors[user]

    def claim(self, recent: bool = False, owing: bool = False) -> str:
        """A claim; ``recent``: mostly one of the last established (an appeal has deadlines);
        ``owing``: mostly one with a balance."""
        if recent and self.rng.random() < 0.7:
            return self.rng.choice(self.claims[-8:])
        if owing and self.rng.random() < 0.8:
            owed = [ref for ref, total in totals(self).items() if total > 0]
            if owed:
                return self.rng.choice(sorted(owed))
        return self.rng.choice(self.claims)


def sql(world: World, statement: str, **params: Any) -> list[Any]:
    """Plain SQL on the database, outside the code under test."""
    with world.services.db.engine.connect() as connection:
        return list(connection.execute(text(statement), params))


def totals(world: World, on: date | None = None) -> dict[str, int]:
    """Each claim's signed sum of movements (booked on or before ``on``), by claim ref."""
    until = "" if on is None else "AND m.booked_on <= :on"
    rows = sql(
        world,
        "SELECT c.ref, COALESCE(SUM(m.signed_cents), 0) FROM claims c "
        f"LEFT JOIN movements m ON m.claim_id = c.id {until} GROUP BY c.ref",
        on=on,
    )
    return {ref: int(total) for ref, total in rows}


def audit_rows(world: World) -> int:
    return int(sql(world, "SELECT COUNT(*) FROM audit_log")[0][0])


# --- Portfolio ---------------------------------------------------------------------------------------

BENEFITS = (Benefit.AL, Benefit.APL, Benefit.RSA, Benefit.AF, Benefit.PPA, Benefit.PAJE)
RESPONSIBILITIES = (
    [Responsibility.DEBTOR_ERROR] * 5
    + [Responsibility.ORGANISM_ERROR] * 2
    + [Responsibility.FRAUD, Responsibility.DEBTOR_SERIOUS_ERROR]
)


def nir(index: int) -> str:
    sex, year, month, commune, order = 1 + index % 2, 60 + index % 40, 1 + index % 12, 100 + index, 1 + index
    body = f"{sex}{year:02d}{month:02d}44{commune:03d}{order:03d}"
    return f"{body}{97 - int(body) % 97:02d}"


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def euros(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def random_claim(world: World, ref: str) -> Claim:
    rng = world.rng
    established = world.today - timedelta(days=rng.choice((0, 0, 1, 3, 10)))
    established = max(established, START - timedelta(days=20))
    lines = tuple(
        UndueLine(established - timedelta(days=rng.randint(20, 400)), rng.randint(2_000, 90_000))
        for _ in range(rng.randint(1, 3))
    )
    return Claim(
        ref=ref,
        organism=ORG,
        debtor_ref=rng.choice(world.debtors),
        benefit=rng.choice(BENEFITS),
        creditor=Creditor.OWN,
        responsibility=rng.choice(RESPONSIBILITIES),
        lines=lines,
        established_on=established,
        notified_on=established,
        detected_on=established,
    )


def claims_file(world: World, claims: list[Claim]) -> Path:
    rows: list[list[object]] = []
    for claim in claims:
        for line in claim.lines:
            rows.append(
                [
                    claim.ref,
                    claim.debtor_ref,
                    claim.benefit.value,
                    claim.responsibility.value,
                    line.paid_on.isoformat(),
                    euros(line.amount),
                    claim.established_on.isoformat(),
                    claim.notified_on.isoformat() if claim.notified_on else "",
                ]
            )
    header = [
        "ref",
        "debtor",
        "benefit",
        "responsibility",
        "paid_on",
        "amount",
        "established_on",
        "notified_on",
    ]
    return write_csv(world.folder / f"{world.next('claims-')}.csv", header, rows)


def set_up(world: World) -> None:
    services = world.services
    ensure_organism(services, Organism(code=ORG, country=Country.FR, name="Caf du workload"))
    world.debtors = [f"D{index:03d}" for index in range(DEBTORS)]
    debtor_rows: list[list[object]] = [
        [
            ref,
            "person",
            f"Débiteur {ref}",
            nir(index),
            world.rng.choice(("40000", "70000", "95000", "")),
            "2020-01-01",
            "true",
        ]
        for index, ref in enumerate(world.debtors)
    ]
    for row in debtor_rows:
        if row[4] == "":
            row[5] = ""
    path = write_csv(
        world.folder / "debtors.csv",
        ["ref", "kind", "name", "nir", "prp_quotient", "prp_quotient_from", "receives_benefits"],
        debtor_rows,
    )
    import_debtors(services, ORG, path)
    for user, role in USERS.items():
        accounts.add_user(
            services,
            user,
            PASSWORD,
            [role],
            organism=None if role == "administrator" else ORG,
            by="cli:setup",
        )
        world.actors[user] = accounts.actor_of(services, user)
    first = [random_claim(world, f"C{index:03d}") for index in range(FIRST_CLAIMS)]
    path = claims_file(world, first)
    assert import_claims(services, ORG, path) == FIRST_CLAIMS
    world.claim_files.append(path)
    world.claims.extend(claim.ref for claim in first)


# --- The acts ----------------------------------------------------------------------------------------
# Each act returns what it tried (for the failure report) and may raise one of REFUSED.
# ``door`` acts are checked to leave an audit row when they pass.


@dataclass
class Act:
    text: str
    door: bool = True
    touched: tuple[str, ...] = ()


def act_import_claims(world: World) -> Act:
    rng = world.rng
    if world.claim_files and rng.random() < 0.2:
        path = rng.choice(world.claim_files)
        act = world.trying(f"import replay {path.name}", door=False)
        created = import_claims(world.services, ORG, path)
        assert created == 0, f"a replayed claims file created {created} claim(s)"
        return act
    claims = [random_claim(world, world.next("I")) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.08:  # a file naming an unknown debtor: refused whole
        claims[-1] = replace(claims[-1], debtor_ref="NOBODY")
    path = claims_file(world, claims)
    refs = [claim.ref for claim in claims]
    act = world.trying(f"import claims {path.name}: {refs}", door=False, touched=tuple(refs))
    created = import_claims(world.services, ORG, path)
    assert created == len(claims)
    world.claim_files.append(path)
    world.claims.extend(refs)
    return act


def act_establish(world: World) -> Act:
    rng = world.rng
    if world.established and rng.random() < 0.15:
        claim = world.established[rng.choice(sorted(world.established))]
        act = world.trying(f"establish replay {claim.ref}", touched=(claim.ref,))
        created = establish_claim(world.services, world.actor("ordonnateur"), ORG, claim)
        assert not created, f"establishing {claim.ref} again created it twice"
        return act
    claim = random_claim(world, world.next("E"))
    actor = world.actor("ordonnateur")
    act = world.trying(f"establish {claim.ref} by {actor.user}", touched=(claim.ref,))
    establish_claim(world.services, actor, ORG, claim, why="constat")
    world.claims.append(claim.ref)
    world.authors[claim.ref] = actor.user
    world.established[claim.ref] = claim
    return act


def act_payment(world: World) -> Act:
    rng = world.rng
    if world.payments and rng.random() < 0.2:
        ref, amount, on, channel, key = rng.choice(world.payments)
        if rng.random() < 0.3:
            amount += 1  # the same key with another content: refused
        actor = world.actor(rng.choice(("accountant", "cw2")))
        act = world.trying(f"payment replay {key} {amount} on {on} by {actor.user}", touched=(ref,))
        movement, new = record_payment(world.services, actor, ORG, ref, amount, on, channel, key)
        assert not new, f"payment {key} replayed: booked twice"
        return act
    ref = world.claim()
    balance = max(totals(world)[ref], 0)
    amount = rng.choice(
        (
            rng.randint(1, max(balance // 3, 1)),
            max(balance, 1),
            balance + rng.randint(1, 50_000),
            1,
        )
    )
    channel = rng.choice(list(PaymentChannel))
    key = world.next("P")
    user = "accountant" if world.authors.get(ref) != "accountant" else "cw2"
    actor = world.actor(rng.choice((user, user, user, world.authors.get(ref, user))))
    on = world.today - timedelta(days=rng.choice((0, 0, 0, 0, 1, 6)))  # a cheque recorded late
    act = world.trying(
        f"payment {key} {amount} on {ref} (balance {balance}) on {on} by {actor.user}", touched=(ref,)
    )
    movement, new = record_payment(world.services, actor, ORG, ref, amount, on, channel, key)
    assert new, f"payment {key}: a fresh key booked nothing"
    world.payments.append((ref, amount, on, channel, key))
    world.booked[movement.key] = (ref, amount)
    return act


def act_reverse(world: World) -> Act:
    rows = sql(
        world,
        "SELECT c.ref, m.key, m.kind FROM movements m JOIN claims c ON c.id = m.claim_id "
        "WHERE m.kind NOT IN ('reversal', 'established') ORDER BY m.id",
    )
    if not rows or world.rng.random() < 0.1:  # what the ledger refuses to reverse, now and then
        rows = sql(world, "SELECT c.ref, m.key, m.kind FROM movements m JOIN claims c ON c.id = m.claim_id")
    ref, key, kind = world.rng.choice(rows)
    act = world.trying(f"reverse {kind} {key}", door=False, touched=(ref,))
    reverse_movement(world.services, ORG, ref, key, world.today)
    return act


def act_plan(world: World) -> Act:
    rng = world.rng
    ref = world.claim(owing=True)
    actor = world.actor(rng.choice(("cw", "accountant")))
    if rng.random() < 0.5:
        monthly = max(totals(world)[ref], 1_000) // rng.randint(2, 13) + 1
        first_due = world.today + timedelta(days=rng.randint(3, 40))
        act = world.trying(f"plan {monthly}/month from {first_due} on {ref} by {actor.user}", touched=(ref,))
        agree_plan(world.services, actor, ORG, ref, monthly, first_due, world.today, why="accord")
        return act
    amount = rng.randint(500, 40_000)
    due = world.today + timedelta(days=rng.randint(0, 30))
    act = world.trying(f"promise {amount} by {due} on {ref} by {actor.user}", touched=(ref,))
    promise_to_pay(world.services, actor, ORG, ref, amount, due, world.today, why="promesse")
    return act


def act_withholding_run(world: World) -> Act:
    rng = world.rng
    if world.payment_files and rng.random() < 0.2:
        path = rng.choice(world.payment_files)
        act = world.trying(f"withhold replay {path.name}", door=False)
        fresh = withhold_file(world.services, ORG, path)
        assert fresh == 0, f"a replayed payment file withheld anew on {fresh} debtor(s)"
        return act
    run_id = world.next(f"R{world.today:%Y%m%d}-")
    chosen = rng.sample(world.debtors, rng.randint(len(world.debtors) // 3, len(world.debtors)))
    if rng.random() < 0.05:
        chosen.append("NOBODY")
    rows: list[list[object]] = []
    for debtor in chosen:
        for benefit in rng.sample(("AL", "AF", "RSA", "PAJE"), rng.randint(1, 2)):
            arrears = euros(rng.randint(1_000, 60_000)) if rng.random() < 0.25 else ""
            rows.append(
                [
                    debtor,
                    benefit,
                    euros(rng.randint(5_000, 150_000)),
                    arrears,
                    run_id,
                    world.today.isoformat(),
                ]
            )
    path = write_csv(
        world.folder / f"{run_id}.csv", ["debtor", "benefit", "regular", "arrears", "run_id", "paid_on"], rows
    )
    act = world.trying(f"withhold {path.name} ({len(chosen)} debtors)", door=False)
    fresh = withhold_file(world.services, ORG, path)
    assert fresh == len(chosen), f"a new run withheld on {fresh} of {len(chosen)} debtors"
    world.payment_files.append(path)
    return act


def act_cycle(world: World) -> Act:
    first = world.today.replace(day=1)
    month = (first - timedelta(days=1)).strftime("%Y-%m")
    if world.rng.random() < 0.15:
        month = (first - timedelta(days=world.rng.randint(32, 120))).strftime("%Y-%m")
    actor = world.actor("admin")
    act = world.trying(f"cycle {month} on {world.today} by {actor.user}")
    # Issue 13: a month whose benefit-payment run is not booked is refused unless confirmed on
    # purpose; most cycles here confirm, the others exercise the refusal.
    confirmed = world.rng.random() < 0.8
    summary = run_cycle(world.services, actor, ORG, month, world.today, without_payment_run=confirmed)
    act.text += " (already done)" if summary.already_done else ""
    return act


def _pending_proposals(world: World, kind: ProposalKind) -> list[tuple[int, str, str, str]]:
    found = []
    for ident, ref, by, payload in sql(
        world,
        "SELECT p.id, c.ref, p.proposed_by, p.payload FROM proposals p JOIN claims c ON c.id = p.claim_id "
        "WHERE p.kind = :kind AND p.status = 'pending' ORDER BY p.id",
        kind=kind.value,
    ):
        data = payload if isinstance(payload, dict) else json.loads(payload)
        found.append((int(ident), str(ref), str(by), str(data.get("route", ""))))
    return found


def _decide(world: World, kind: ProposalKind, deciders: dict[str, tuple[str, ...]]) -> Act:
    pending = _pending_proposals(world, kind)
    if not pending:
        return world.trying(f"decide-nothing: no pending {kind.value} proposal", door=False)
    ident, ref, proposer, route = world.rng.choice(pending)
    candidates = [user for user in deciders[route] if user != proposer] or list(deciders[route])
    actor = world.actor(world.rng.choice(candidates))
    approve = world.rng.random() < 0.75
    act = world.trying(f"decide-{kind.value} #{ident} on {ref}: {approve} by {actor.user}", touched=(ref,))
    decide_proposal(world.services, actor, ORG, kind, ident, approve, world.today, "décision")
    return act


def act_remission(world: World) -> Act:
    rng = world.rng
    roll = rng.random()
    if roll < 0.35:
        ref = world.claim(owing=True)
        actor = world.actor("cw")
        act = world.trying(f"request-remission on {ref} by {actor.user}", touched=(ref,))
        request_remission(world.services, actor, ORG, ref, world.today, "debtor", "courrier", "", "demande")
        return act
    if roll < 0.6:
        pending = sql(
            world,
            "SELECT c.ref FROM remission_cases r JOIN claims c ON c.id = r.claim_id "
            "WHERE r.status = 'pending'",
        )
        ref = rng.choice(pending)[0] if pending and rng.random() < 0.9 else world.claim()
        actor = world.actor(rng.choice(("cw", "cw2")))
        rate = rng.choice(("0", "25", "50", "100", "33.33"))
        act = world.trying(f"propose-remission {rate}% on {ref} by {actor.user}", touched=(ref,))
        propose_remission(
            world.services, actor, ORG, ref, world.today, rate, reasons="ressources", why="situation"
        )
        return act
    return _decide(
        world, ProposalKind.REMISSION, {"services": ("accountant", "director"), "board": ("board",)}
    )


def act_write_off(world: World) -> Act:
    rng = world.rng
    roll = rng.random()
    if roll < 0.4:
        ref = world.claim(owing=True)
        actor = world.actor(rng.choice(("cw", "cw2", "accountant")))
        act = world.trying(f"propose-write-off on {ref} by {actor.user}", touched=(ref,))
        propose_write_off(
            world.services,
            actor,
            ORG,
            ref,
            world.today,
            authority="board",
            reasons="insolvable",
            why="insolvable",
        )
        return act
    if roll < 0.8:
        return _decide(world, ProposalKind.WRITE_OFF, {"": ("accountant", "board")})
    written = sql(
        world,
        "SELECT DISTINCT c.ref FROM movements m JOIN claims c ON c.id = m.claim_id "
        "WHERE m.kind = 'write_off'",
    )
    ref = rng.choice(written)[0] if written and rng.random() < 0.9 else world.claim()
    act = world.trying(f"revive {ref}", door=False, touched=(ref,))
    revive_write_off(world.services, ORG, ref, world.today, "accountant")
    return act


def act_appeal(world: World) -> Act:
    rng = world.rng
    roll = rng.random()
    pending = sql(
        world,
        "SELECT c.ref, a.stage FROM appeals a JOIN claims c ON c.id = a.claim_id WHERE a.status = 'pending'",
    )
    if roll < 0.4 or not pending:
        ref = world.claim(recent=True)
        organism_side = rng.random() < 0.1
        actor = world.actor("director" if organism_side else "cw")
        act = world.trying(
            f"file-appeal on {ref} by {actor.user} (organism: {organism_side})", touched=(ref,)
        )
        if organism_side:
            file_appeal(
                world.services,
                actor,
                ORG,
                ref,
                world.today,
                filed_by=Appellant.ORGANISM,
                stage=AppealStage.COURT,
            )
        else:
            file_appeal(world.services, actor, ORG, ref, world.today, why="contestation")
        return act
    ref, stage = rng.choice(pending)
    if roll < 0.85:
        outcome = rng.choice(list(AppealOutcome))
        principal = int(sql(world, "SELECT principal_cents FROM claims WHERE ref = :ref", ref=ref)[0][0])
        amount = rng.randint(1, principal) if outcome is AppealOutcome.REDUCED else None
        actor = world.actor("board" if stage == AppealStage.AMICABLE.value else "director")
        act = world.trying(
            f"decide-appeal {stage} on {ref}: {outcome.value} {amount} by {actor.user}", touched=(ref,)
        )
        decide_appeal(world.services, actor, ORG, ref, world.today, outcome, amount, why="décision")
        return act
    actor = world.actor("cw")
    act = world.trying(f"withdraw-appeal on {ref} by {actor.user}", touched=(ref,))
    withdraw_appeal(world.services, actor, ORG, ref, world.today, why="désistement")
    return act


def act_suspension(world: World) -> Act:
    ref = world.claim()
    actor = world.actor(world.rng.choice(("cw", "accountant")))
    if world.rng.random() < 0.5:
        until = world.today + timedelta(days=world.rng.randint(15, 90))
        act = world.trying(f"suspend {ref} until {until} by {actor.user}", touched=(ref,))
        suspend_recovery(world.services, actor, ORG, ref, world.today, until, "enquête")
        return act
    act = world.trying(f"resume {ref} by {actor.user}", touched=(ref,))
    resume_recovery(world.services, actor, ORG, ref, world.today, "fin d'enquête")
    return act


ACTS: tuple[tuple[Callable[[World], Act], int], ...] = (
    (act_import_claims, 5),
    (act_establish, 5),
    (act_payment, 16),
    (act_reverse, 5),
    (act_plan, 6),
    (act_withholding_run, 4),
    (act_cycle, 5),
    (act_remission, 12),
    (act_write_off, 10),
    (act_appeal, 12),
    (act_suspension, 5),
)

# --- The invariants ---------------------------------------------------------------------------------


def check_ledgers(world: World) -> dict[str, int]:
    """Walk every claim's movements in sequence order: the ledger's invariants, from the rows."""
    rows = sql(
        world,
        "SELECT c.ref, m.sequence, m.key, m.kind, m.amount_cents, m.signed_cents, m.reverses_key, "
        "m.booked_on FROM movements m JOIN claims c ON c.id = m.claim_id ORDER BY c.ref, m.sequence",
    )
    by_claim: dict[str, list[Any]] = {}
    for row in rows:
        by_claim.setdefault(row[0], []).append(row)
    walked: dict[str, int] = {}
    for ref, movements in by_claim.items():
        total = 0
        signed_of: dict[str, tuple[str, int, int]] = {}
        reversed_keys: set[str] = set()
        for position, (_, sequence, key, kind, amount, signed, reverses, booked_on) in enumerate(
            movements, 1
        ):
            where = f"claim {ref}, movement {sequence} ({kind} {key})"
            assert sequence == position, (
                f"{where}: sequence {sequence}, expected {position} (gap or duplicate)"
            )
            assert (kind == MovementKind.ESTABLISHED.value) == (position == 1), (
                f"{where}: established first, once"
            )
            assert amount > 0, f"{where}: amount {amount} not positive"
            assert repository.as_date(booked_on) <= world.today, (
                f"{where}: booked on {booked_on}, after today"
            )
            if kind == MovementKind.REVERSAL.value:
                target = signed_of.get(reverses or "")
                assert target is not None, f"{where}: reverses {reverses}, no earlier movement of this claim"
                assert target[0] not in (MovementKind.REVERSAL.value, MovementKind.ESTABLISHED.value), (
                    f"{where}: reverses a {target[0]}"
                )
                assert reverses not in reversed_keys, f"{where}: {reverses} reversed twice"
                assert amount == target[1] and signed == -target[2], f"{where}: does not mirror {reverses}"
                reversed_keys.add(reverses)
            else:
                assert reverses is None, f"{where}: only a reversal names another movement"
                kind_ = MovementKind(kind)
                expected = amount if kind_ in INCREASING else -amount if kind_ in DECREASING else None
                assert signed == expected, f"{where}: signed {signed} for a {kind} of {amount}"
            total += signed
            if kind in {k.value for k in CAPPED_AT_BALANCE}:
                assert total >= 0, f"{where}: a {kind} beyond the balance (total {total})"
            if kind == MovementKind.REFUND.value:
                assert total <= 0, f"{where}: a refund beyond the credit (total {total})"
            signed_of[key] = (kind, amount, signed)
        walked[ref] = total
    return walked


def check(world: World, act: Act) -> None:
    services = world.services
    today = world.today
    walked = check_ledgers(world)
    sums = totals(world)
    claims = sql(
        world,
        "SELECT c.id, c.ref, c.principal_cents, c.established_on, "
        "(SELECT SUM(l.amount_cents) FROM claim_lines l WHERE l.claim_id = c.id), "
        "(SELECT m.amount_cents FROM movements m WHERE m.claim_id = c.id AND m.sequence = 1) FROM claims c",
    )
    assert {row[1] for row in claims} >= set(world.claims), "a claim the driver established is missing"
    for _, ref, principal, _, lines, opening in claims:
        assert principal == lines == opening, (
            f"claim {ref}: principal {principal}, lines {lines}, opening {opening}"
        )
        assert walked.get(ref, 0) == sums[ref], f"claim {ref}: SUM {sums[ref]} != walked {walked.get(ref)}"
    # The driver's own record of what it booked: the payments it paid are there, unchanged.
    paid = {
        key: (ref, int(amount))
        for key, ref, amount in sql(
            world,
            "SELECT m.key, c.ref, m.amount_cents FROM movements m JOIN claims c ON c.id = m.claim_id "
            "WHERE m.kind = 'payment'",
        )
    }
    for key, booked in world.booked.items():
        assert paid.get(key) == booked, f"payment {key}: booked as {booked}, the row says {paid.get(key)}"
    # No idempotency key twice (and the unique constraint is there: checked at the end).
    doubled = sql(world, "SELECT key, COUNT(*) FROM movements GROUP BY key HAVING COUNT(*) > 1")
    assert not doubled, f"idempotency keys booked twice: {doubled}"
    # What the code derives: its set-based totals, the portfolio summary, a claim's view.
    with services.db.unit_of_work() as session:
        organism_id = repository.organism_id(session, ORG)
        assert organism_id is not None
        coded = repository.ledger_totals(session, organism_id)
    by_id = {ident: ref for ident, ref, *_ in claims}
    assert {by_id[ident]: total for ident, total in coded.items()} == {
        r: t for r, t in sums.items() if r in walked
    }
    live = [ref for _, ref, _, established_on, *_ in claims if repository.as_date(established_on) <= today]
    summary = portfolio_summary(services, ORG, today)
    assert summary.total.count == len(live), f"summary counts {summary.total.count} claims, not {len(live)}"
    owed = sum(max(sums[ref], 0) for ref in live)
    assert summary.total.balance == owed, f"summary balance {summary.total.balance} != sum of balances {owed}"
    for ref in {*act.touched, *world.rng.sample(live, min(3, len(live)))}:
        if ref not in live:
            continue
        view = view_claim(services, ORG, ref, today)
        assert (view.balance, view.credit) == (max(sums[ref], 0), max(-sums[ref], 0)), (
            f"claim {ref}: view says balance {view.balance} credit {view.credit}, "
            f"movements sum to {sums[ref]}"
        )
    check_stored(world)
    verification = trail.verify(services)
    assert verification.ok, f"audit chain broken: {verification.broken}"
    assert verification.rows == audit_rows(world)


def check_stored(world: World) -> None:
    """The balances and amounts stored beside the ledger agree with the movements."""
    for ident, ref, requested_on, balance in sql(
        world,
        "SELECT r.id, c.ref, r.requested_on, r.balance_cents FROM remission_cases r "
        "JOIN claims c ON c.id = r.claim_id",
    ):
        if ident in world.seen_cases:
            continue
        world.seen_cases.add(ident)
        expected = max(totals(world, repository.as_date(requested_on))[ref], 0)
        assert balance == expected, (
            f"remission case {ident} on {ref}: balance {balance}, movements {expected}"
        )
    for ident, ref, proposed_on, kind, payload in sql(
        world,
        "SELECT p.id, c.ref, p.proposed_on, p.kind, p.payload FROM proposals p "
        "JOIN claims c ON c.id = p.claim_id",
    ):
        if ident in world.seen_proposals:
            continue
        world.seen_proposals.add(ident)
        if kind == ProposalKind.WRITE_OFF.value:
            data = payload if isinstance(payload, dict) else json.loads(payload)
            expected = max(totals(world, repository.as_date(proposed_on))[ref], 0)
            assert data["balance_cents"] == expected, (
                f"write-off proposal {ident} on {ref}: {data}, {expected}"
            )
    withheld: Counter[tuple[str, str]] = Counter()
    for key, amount in sql(world, "SELECT key, amount_cents FROM movements WHERE kind = 'withholding'"):
        run_id, debtor = key.split(":")[-2:]
        withheld[(run_id, debtor)] += amount
    recorded: set[tuple[str, str]] = set()
    for run_id, debtor, gross, taken, net in sql(
        world,
        "SELECT b.run_id, d.ref, b.gross_cents, b.withheld_cents, b.net_cents FROM benefit_payments b "
        "JOIN debtors d ON d.id = b.debtor_id",
    ):
        recorded.add((run_id, debtor))
        assert taken == withheld[(run_id, debtor)], (
            f"run {run_id}, {debtor}: withheld {taken}, movements {withheld[(run_id, debtor)]}"
        )
        assert net == gross - taken, f"run {run_id}, {debtor}: net {net} != {gross} - {taken}"
    assert set(withheld) <= recorded, f"withholdings without their payment: {set(withheld) - recorded}"


def check_database_guards(world: World) -> None:
    """The database itself refuses a second movement with a booked key, and any edit of one."""
    engine = world.services.db.engine
    row = sql(world, "SELECT claim_id, key FROM movements ORDER BY id LIMIT 1")[0]
    with engine.connect() as connection:
        with pytest.raises(IntegrityError):
            connection.execute(
                text(
                    "INSERT INTO movements (key, claim_id, sequence, kind, amount_cents, signed_cents, "
                    "booked_on, note, recorded_at) "
                    "VALUES (:key, :claim, 100000, 'payment', 1, -1, :on, '', :at)"
                ),
                {"key": row[1], "claim": row[0], "on": world.today, "at": world.clock()},
            )
        connection.rollback()
        with pytest.raises(DBAPIError):
            connection.execute(
                text("UPDATE movements SET amount_cents = amount_cents + 1 WHERE key = :key"), {"key": row[1]}
            )
        connection.rollback()


# --- The driver ---------------------------------------------------------------------------------------


def step(world: World) -> Act:
    chosen = world.rng.choices([act for act, _ in ACTS], [weight for _, weight in ACTS])[0]
    name = world.doing = chosen.__name__.removeprefix("act_")
    before = audit_rows(world)
    try:
        act = chosen(world)
    except REFUSED as error:
        world.tally.setdefault(world.doing, Counter())[type(error).__name__] += 1
        world.log.append(f"{world.today} {world.doing}: refused {type(error).__name__}: {error}")
        return Act(f"{name} refused", door=False, touched=())
    world.tally.setdefault(world.doing, Counter())["ok"] += 1
    world.log.append(f"{world.today} {act.text}")
    if act.door:
        assert audit_rows(world) > before, f"{act.text}: passed the door without an audit row"
    return act


def run_workload(world: World, steps: int, label: str) -> None:
    set_up(world)
    check(world, Act("set-up", door=False, touched=tuple(world.claims)))
    for number in range(1, steps + 1):
        world.advance(world.rng.choice((0, 0, 0, 1, 1, 2, 3, 5, 9)))
        try:
            act = step(world)
            check(world, act)
        except Exception as error:
            trace = "\n  ".join(world.log[-15:])
            raise AssertionError(
                f"{label}, step {number} of {steps} ({world.today}): {error}\n"
                f"last acts:\n  {trace}\n"
                f"replay: RECOUVRE_WORKLOAD_SEEDS={label.split('seed ')[1]}, "
                f"RECOUVRE_WORKLOAD_STEPS={steps} pytest tests/workload -n 0"
            ) from error
    check_database_guards(world)
    kinds = dict(sql(world, "SELECT kind, COUNT(*) FROM movements GROUP BY kind ORDER BY kind"))
    print(f"{label}: {steps} steps to {world.today}; movements {kinds}; acts:")
    for name, counts in sorted(world.tally.items()):
        print(f"  {name}: {dict(counts)}")
    if os.environ.get("RECOUVRE_WORKLOAD_LOG"):
        print("\n".join(world.log))
    done = sum(counts["ok"] for counts in world.tally.values())
    assert done >= steps // 3, f"{label}: only {done} of {steps} acts passed: {world.tally}"


def open_database(engine: str, folder: Path) -> Database:
    if engine == "sqlite":
        return Database(f"sqlite:///{folder / 'workload.db'}")
    if PG_URL is None:
        pytest.skip("PostgreSQL not available (RECOUVRE_TEST_PG_URL unset; scripts/test.sh starts one)")
    return Database(PG_URL, schema=f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    found = open_database(request.param, tmp_path)
    try:
        yield found
    finally:
        found.drop_schema() if found.schema else found.dispose()


CASES = [
    pytest.param(
        engine, seed, id=f"{engine}-seed{seed}", marks=[pytest.mark.postgres] if engine == "postgres" else []
    )
    for engine, (seeds, _) in ENGINES.items()
    for seed in seeds
]


@pytest.mark.parametrize(("database", "seed"), CASES, indirect=["database"])
def test_ledger_workload(database: Database, seed: int, tmp_path: Path) -> None:
    engine = "postgres" if database.schema else "sqlite"
    clock = Clock(START)
    world = World(
        services=Services(database, clock=clock), clock=clock, rng=random.Random(seed), folder=tmp_path
    )
    run_workload(world, ENGINES[engine][1], f"{engine} seed {seed}")
