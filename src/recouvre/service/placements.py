"""Delegated recovery (PM241 procedures 11 and 12; SCENARIOS.md "Agencies (normative)"; RULES.md
§2.4 and §11.2 "Outsourced amicable recovery"): the agencies and bailiffs an organism works
with, the rules of placing a claim with them, their commissions, and the automatic recall.

Rules (SCENARIOS.md "Agencies"):

- an ``amicable`` agency takes open claims in phase ``amicable`` or ``contentious``; a
  ``bailiff`` takes only claims whose title is enforceable (phase ``enforcement``: an enforceable
  title is the only way into that phase); otherwise the placement is refused. A claim is placed
  with one agency at a time. An agency under contract also needs its contract running on the
  placement's date and room within its capacity;
- while a claim is placed, the monthly cycle takes no default step for it (``service.cycle``
  reads ``placed_claim_ids``); after the recall, steps resume where they stopped, one per cycle
  (``recalled_claim_ids``);
- ``agency_payment`` books a ``payment`` (channel ``agency``) and accrues the agency's
  commission: its rate percent of the amount, rounded once per payment, half up;
- a placement is recalled automatically, the same day, when the claim is settled, suspended,
  written off, prescribed (or ends otherwise) or granted a remission: ``recall_ended`` is that
  one hook. ``queues.close_tasks_of_ended_claims``, which every act that can end a claim calls
  in its unit of work (and the batch runs once for the organism), calls it. Prescription needs
  no act: a placement whose claim is prescribed on a date is read as recalled on that date
  (``placement_on``), and the next call of the hook writes the recall.

Fees, success rates and commission rates of bailiffs are not public (RULES.md §2.4): the rates
are each contract's data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from recouvre.domain.errors import NotFound
from recouvre.domain.ledger import MovementKind
from recouvre.domain.model import ClaimStatus, DomainError, PaymentChannel, Phase
from recouvre.domain.money import Cents, format_amount, percent_of
from recouvre.policy import Policy
from recouvre.service import payments, prescription, queues, transfers
from recouvre.service.claims import ClaimView, view_claim
from recouvre.service.context import Services, refuse
from recouvre.storage import repository
from recouvre.storage.agency_tables import AgencyCommissionRow, AgencyRow
from recouvre.storage.back_office_tables import PlacementRow
from recouvre.storage.tables import ClaimRow, DebtorRow, MovementRow

AMICABLE = "amicable"
BAILIFF = "bailiff"
KINDS = (AMICABLE, BAILIFF)
SYSTEM = "system"
MANUAL = "manual"
CONTRACT_END = "contract_end"
REMISSION = "remission"
PLACEMENT_EVENT = "placement"
PAYMENT_EVENT = "agency_payment"
KIND_LABELS = {AMICABLE: "agence de recouvrement amiable", BAILIFF: "commissaire de justice"}
STATUS_LABELS = {
    ClaimStatus.SETTLED: "soldée",
    ClaimStatus.SUSPENDED: "suspendue",
    ClaimStatus.PRESCRIBED: "prescrite",
    ClaimStatus.WRITTEN_OFF: "admise en non-valeur",
    ClaimStatus.DISCHARGED: "effacée",
    ClaimStatus.CANCELLED: "annulée",
    ClaimStatus.TRANSFERRED: "transférée",
    ClaimStatus.NOT_RECOVERED: "non recouvrée (sous le seuil)",
}
PHASE_LABELS = {
    Phase.AMICABLE: "amiable",
    Phase.CONTENTIOUS: "contentieuse",
    Phase.ENFORCEMENT: "d'exécution forcée",
}


# Agencies -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One line of a commission grid: the rate for claims within these bounds (``None``: open)."""

    rate: Decimal
    min_cents: Cents | None = None
    max_cents: Cents | None = None
    min_age_days: int | None = None
    max_age_days: int | None = None
    debtor_kind: str | None = None

    def matches(self, balance: Cents, age_days: int, debtor_kind: str) -> bool:
        return (
            (self.min_cents is None or balance >= self.min_cents)
            and (self.max_cents is None or balance < self.max_cents)
            and (self.min_age_days is None or age_days >= self.min_age_days)
            and (self.max_age_days is None or age_days < self.max_age_days)
            and (self.debtor_kind is None or debtor_kind == self.debtor_kind)
        )

    def as_data(self) -> dict[str, object]:
        return {
            "rate": str(self.rate),
            "min": self.min_cents,
            "max": self.max_cents,
            "min_age_days": self.min_age_days,
            "max_age_days": self.max_age_days,
            "debtor_kind": self.debtor_kind,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Segment:
        def whole(name: str) -> int | None:
            value = data.get(name)
            return None if value is None else int(value)

        return cls(
            rate=Decimal(str(data["rate"])),
            min_cents=whole("min"),
            max_cents=whole("max"),
            min_age_days=whole("min_age_days"),
            max_age_days=whole("max_age_days"),
            debtor_kind=data.get("debtor_kind"),
        )


@dataclass(frozen=True)
class AgencySpec:
    """An agency's contract as data (the scenario's ``agencies`` entries, the YAML/CSV loader)."""

    code: str
    kind: str
    commission_rate: Decimal
    name: str = ""
    grid: tuple[Segment, ...] = ()
    capacity: int | None = None
    contract_from: date | None = None
    contract_until: date | None = None
    first_reminder_days: int | None = None

    def __post_init__(self) -> None:
        if not self.code or len(self.code) > 64 or any(c.isspace() or c == "/" for c in self.code):
            raise DomainError("agency.id", self.code, "1 à 64 caractères, sans espace ni /")
        if self.kind not in KINDS:
            raise DomainError("agency.kind", self.kind, "amicable ou bailiff")
        for rate in (self.commission_rate, *(segment.rate for segment in self.grid)):
            if rate < 0 or rate > 100:
                raise DomainError("agency.commission_rate", str(rate), "un pourcentage entre 0 et 100")
        if self.capacity is not None and self.capacity < 0:
            raise DomainError("agency.capacity", self.capacity, "ne peut être négative")
        if self.contract_from and self.contract_until and self.contract_until < self.contract_from:
            raise DomainError("agency.contract_until", str(self.contract_until), "avant le début du contrat")


def parse_rate(value: object, field: str = "commission_rate") -> Decimal:
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise DomainError(field, value, "un pourcentage, par exemple 8.00") from None
    if not rate.is_finite():
        raise DomainError(field, value, "un pourcentage, par exemple 8.00")
    return rate


@dataclass(frozen=True)
class AgencyView:
    code: str
    name: str
    kind: str
    commission_rate: str
    grid: tuple[dict[str, object], ...]
    capacity: int | None
    contract_from: date | None
    contract_until: date | None
    first_reminder_days: int | None

    def audit(self) -> dict[str, object]:
        return {
            "agency": self.code,
            "kind": self.kind,
            "commission_rate": self.commission_rate,
            "capacity": self.capacity,
            "contract_from": self.contract_from,
            "contract_until": self.contract_until,
        }


def _agency_view(row: AgencyRow) -> AgencyView:
    return AgencyView(
        code=row.code,
        name=row.name,
        kind=row.kind,
        commission_rate=row.commission_rate,
        grid=tuple(row.grid or ()),
        capacity=row.capacity,
        contract_from=row.contract_from,
        contract_until=row.contract_until,
        first_reminder_days=row.first_reminder_days,
    )


def agency_row(session: Session, organism_id: int, code: str) -> AgencyRow | None:
    return session.scalar(
        select(AgencyRow).where(AgencyRow.organism_id == organism_id, AgencyRow.code == code)
    )


def save_agency(services: Services, organism: str, spec: AgencySpec) -> tuple[AgencyView, bool]:
    """Create the agency, or update its contract when it exists; returns it and whether it is new."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        row = agency_row(session, organism_id, spec.code)
        new = row is None
        if row is None:
            row = AgencyRow(organism_id=organism_id, code=spec.code, created_at=services.clock())
            session.add(row)
        row.name = spec.name
        row.kind = spec.kind
        row.commission_rate = str(spec.commission_rate)
        row.grid = [segment.as_data() for segment in spec.grid]
        row.capacity = spec.capacity
        row.contract_from = spec.contract_from
        row.contract_until = spec.contract_until
        row.first_reminder_days = spec.first_reminder_days
        session.flush()
        return _agency_view(row), new


def list_agencies(services: Services, organism: str) -> list[AgencyView]:
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        rows = session.scalars(
            select(AgencyRow).where(AgencyRow.organism_id == organism_id).order_by(AgencyRow.code)
        )
        return [_agency_view(row) for row in rows]


def get_agency(services: Services, organism: str, code: str) -> AgencyView:
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        row = agency_row(session, organism_id, code)
        if row is None:
            raise NotFound("agency", code, f"aucune agence {code} dans {organism}")
        return _agency_view(row)


def rate_for(row: AgencyRow, balance: Cents, age_days: int, debtor_kind: str) -> Decimal:
    """The agency's commission rate for a claim: the first grid segment it falls in, else the
    contract's default rate."""
    for data in row.grid or ():
        segment = Segment.from_data(data)
        if segment.matches(balance, age_days, debtor_kind):
            return segment.rate
    return Decimal(row.commission_rate)


# Placement rules ---------------------------------------------------------------------------------


def running(on: date) -> Any:
    """The condition of a placement running on ``on`` (from included, until excluded)."""
    return and_(
        PlacementRow.placed_from <= on,
        or_(PlacementRow.placed_until.is_(None), PlacementRow.placed_until > on),
    )


def held(session: Session, agency: str, on: date, organism_id: int) -> int:
    """How many files ``agency`` holds on ``on``."""
    return int(
        session.scalar(
            select(func.count(PlacementRow.id))
            .join(ClaimRow, ClaimRow.id == PlacementRow.claim_id)
            .where(PlacementRow.agency == agency, ClaimRow.organism_id == organism_id, running(on))
        )
        or 0
    )


def refusal_reason(
    session: Session, organism_id: int, claim: ClaimRow, view: ClaimView, agency: str, on: date
) -> str | None:
    """Why ``claim`` may not be placed with ``agency`` on ``on`` (in French), or ``None``."""
    row = agency_row(session, organism_id, agency)
    kind = row.kind if row is not None else AMICABLE
    if row is not None:
        if row.contract_from is not None and on < row.contract_from:
            return f"le contrat de l'agence {agency} ne commence que le {row.contract_from.isoformat()}"
        if row.contract_until is not None and on > row.contract_until:
            return f"le contrat de l'agence {agency} a pris fin le {row.contract_until.isoformat()}"
    current = session.scalars(  # running that day, or starting later and never ended
        select(PlacementRow).where(
            PlacementRow.claim_id == claim.id,
            or_(PlacementRow.placed_until.is_(None), PlacementRow.placed_until > on),
        )
    ).first()
    if current is not None:
        return (
            f"la créance {claim.ref} est déjà confiée à l'agence {current.agency} "
            f"depuis le {current.placed_from.isoformat()} : une seule agence à la fois"
        )
    if view.status is ClaimStatus.TRANSFERRED:
        transferred = transfers.transfer_refusal(
            session, claim.id, claim.ref, on, "un placement auprès d'une agence"
        )
        if transferred is not None:
            return transferred
    if view.status is not ClaimStatus.OPEN:
        label = STATUS_LABELS.get(view.status, view.status.value)
        return (
            f"la créance {claim.ref} est {label} : seule une créance en cours de recouvrement "
            "peut être confiée"
        )
    if view.balance <= 0:
        return f"la créance {claim.ref} n'a plus rien à recouvrer"
    if kind == AMICABLE and view.phase not in (Phase.AMICABLE, Phase.CONTENTIOUS):
        return (
            f"la créance {claim.ref} est en phase {PHASE_LABELS[view.phase]} : une agence amiable ne "
            "reçoit que des créances en phase amiable ou contentieuse"
        )
    if kind == BAILIFF and view.phase is not Phase.ENFORCEMENT:
        return (
            f"la créance {claim.ref} n'a pas de titre exécutoire (phase {PHASE_LABELS[view.phase]}) : "
            "un commissaire de justice ne reçoit que des créances en phase d'exécution forcée"
        )
    if (
        row is not None
        and row.capacity is not None
        and held(session, agency, on, organism_id) >= row.capacity
    ):
        return f"l'agence {agency} a atteint sa capacité de {row.capacity} dossiers"
    return None


def check_placeable(
    services: Services,
    session: Session,
    organism: str,
    organism_id: int,
    claim: ClaimRow,
    agency: str,
    on: date,
) -> None:
    """Raise the recorded refusal of the ``placement`` event when the rules forbid it."""
    if on < claim.established_on:
        message = f"la créance {claim.ref} n'est constatée que le {claim.established_on.isoformat()}"
        raise refuse(services, organism, on, PLACEMENT_EVENT, claim.ref, message)
    view = view_claim(services, organism, claim.ref, on)
    reason = refusal_reason(session, organism_id, claim, view, agency, on)
    if reason is not None:
        raise refuse(services, organism, on, PLACEMENT_EVENT, claim.ref, reason)


# The automatic recall: ONE hook ---------------------------------------------------------------------


def _running_placements(
    session: Session, organism_id: int, on: date, claim_ids: Iterable[int] | None
) -> list[PlacementRow]:
    query = (
        select(PlacementRow)
        .join(ClaimRow, ClaimRow.id == PlacementRow.claim_id)
        .where(ClaimRow.organism_id == organism_id, running(on))
    )
    if claim_ids is None:
        return list(session.scalars(query))
    found: list[PlacementRow] = []
    for part in repository.chunks(sorted(set(claim_ids))):
        found.extend(session.scalars(query.where(repository.one_of(session, PlacementRow.claim_id, part))))
    return found


def _remitted(session: Session, rows: Sequence[PlacementRow], on: date) -> set[int]:
    """The claims among ``rows`` granted a remission while placed, on or before ``on``."""
    found: set[int] = set()
    for row in rows:
        hit = session.scalar(
            select(MovementRow.id)
            .where(
                MovementRow.claim_id == row.claim_id,
                MovementRow.kind == MovementKind.REMISSION.value,
                MovementRow.booked_on >= row.placed_from,
                MovementRow.booked_on <= on,
            )
            .limit(1)
        )
        if hit is not None:
            found.add(row.claim_id)
    return found


def timeline(session: Session, row: PlacementRow, on: date, action: str) -> None:
    """The placement's event on the claim's timeline (``placement``: placed or recalled)."""
    data: dict[str, object] = {"agency": row.agency, "action": action}
    if action == "recalled" and row.recall_reason:
        data["reason"] = row.recall_reason
    repository.add_claim_event(session, f"placement:{row.id}:{action}", row.claim_id, on, "placement", data)


def recall_ended(
    session: Session,
    organism_id: int,
    on: date,
    claim_ids: Iterable[int] | None = None,
    *,
    policy: Policy | None,
) -> int:
    """THE automatic recall, in the caller's unit of work: every placement running on ``on``
    (of ``claim_ids``, or of the whole organism) whose claim has ended at the end of ``on``
    (settled, suspended, written off, prescribed, discharged, cancelled, transferred: the status
    every reader derives, ``queues.ended_claims``), or was granted a remission while placed, or
    whose agency's contract is over, ends on ``on`` (``placed_until`` = ``on``, recalled by
    ``system``, ``recall_reason`` why). Returns how many placements were recalled; a second call
    recalls nothing more. Any act that can end a claim calls it, through
    ``queues.close_tasks_of_ended_claims``; an act that cannot may call it directly."""
    rows = _running_placements(session, organism_id, on, claim_ids)
    if not rows:
        return 0
    ended = {
        claim_id: reason
        for claim_id, reason in queues.ended_claims(
            session, [row.claim_id for row in rows], on, policy
        ).items()
        if reason != queues.PLACED
    }
    remitted = _remitted(session, [row for row in rows if row.claim_id not in ended], on)
    contracts = {
        row.code: row.contract_until
        for row in session.scalars(
            select(AgencyRow).where(
                AgencyRow.organism_id == organism_id, AgencyRow.contract_until.is_not(None)
            )
        )
    }
    recalled = 0
    for row in rows:
        reason = ended.get(row.claim_id) or (REMISSION if row.claim_id in remitted else None)
        until = on
        if reason is None:
            end = contracts.get(row.agency)
            if end is None or end >= on:
                continue
            reason, until = CONTRACT_END, max(end + timedelta(days=1), row.placed_from)
        row.placed_until = until
        row.recalled_by = SYSTEM
        row.recall_reason = reason
        timeline(session, row, until, "recalled")
        recalled += 1
    session.flush()
    return recalled


def recall_if_ended(services: Services, organism: str, claim_refs: Iterable[str] | None, on: date) -> int:
    """``recall_ended`` for a caller with services at hand and claim references (or the whole
    organism with ``None``), in its own unit of work (joining the act's when inside one). An act
    of another procedure that ends a claim without calling ``queues.close_tasks_of_ended_claims``
    (an amnesty's remission, a title's opposition) calls this."""
    with services.db.unit_of_work() as session:
        organism_id, found = services.organism(session, organism)
        ids: list[int] | None = None
        if claim_refs is not None:
            ids = [row.id for row in repository.claim_rows(session, organism_id, list(claim_refs)).values()]
        return recall_ended(session, organism_id, on, ids, policy=services.policy(found))


# Reading a placement -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlacementState:
    """A claim's latest placement at the end of a date: with whom, and whether it still runs."""

    agency: str
    status: str
    """``placed`` or ``recalled``."""
    placed_from: date
    placed_until: date | None
    reason: str | None
    placement_id: int


def _state_of(session: Session, claim: ClaimRow, on: date, policy: Policy) -> PlacementState | None:
    row = session.scalars(
        select(PlacementRow)
        .where(PlacementRow.claim_id == claim.id, PlacementRow.placed_from <= on)
        .order_by(PlacementRow.placed_from.desc(), PlacementRow.id.desc())
    ).first()
    if row is None:
        return None
    if row.placed_until is not None and row.placed_until <= on:
        return PlacementState(
            row.agency, "recalled", row.placed_from, row.placed_until, row.recall_reason, row.id
        )
    # Prescription needs no act: a claim prescribed on ``on`` is no longer placed.
    if claim.id in prescription.prescribed_claims(session, [claim.id], on, policy):
        return PlacementState(row.agency, "recalled", row.placed_from, on, "prescribed", row.id)
    return PlacementState(row.agency, "placed", row.placed_from, None, None, row.id)


def placement_on(services: Services, organism: str, claim_ref: str, on: date) -> PlacementState | None:
    """The claim's latest placement started by ``on``, as it stands at the end of ``on``."""
    with services.db.unit_of_work() as session:
        organism_id, found = services.organism(session, organism)
        claim = repository.claim_row(session, organism_id, claim_ref)
        if claim is None:
            raise NotFound("claim", claim_ref, f"aucune créance {claim_ref} dans {organism}")
        return _state_of(session, claim, on, services.policy(found))


def placed_claim_ids(session: Session, claim_ids: Sequence[int], on: date) -> set[int]:
    """The claims among ``claim_ids`` placed on ``on`` (the cycle takes no default step for them)."""
    found: set[int] = set()
    for part in repository.chunks(sorted(set(claim_ids))):
        found |= set(
            session.scalars(
                select(PlacementRow.claim_id).where(
                    repository.one_of(session, PlacementRow.claim_id, part), running(on)
                )
            )
        )
    return found


def recalled_claim_ids(session: Session, claim_ids: Sequence[int], on: date) -> set[int]:
    """The claims among ``claim_ids`` with a placement ended by ``on``: after a recall, the
    default steps resume where they stopped, one per cycle."""
    found: set[int] = set()
    for part in repository.chunks(sorted(set(claim_ids))):
        found |= set(
            session.scalars(
                select(PlacementRow.claim_id).where(
                    repository.one_of(session, PlacementRow.claim_id, part),
                    PlacementRow.placed_until.is_not(None),
                    PlacementRow.placed_until <= on,
                )
            )
        )
    return found


# Payments collected by an agency and its commission ------------------------------------------------


@dataclass(frozen=True)
class AgencyPaymentView:
    claim_ref: str
    agency: str
    amount: Cents
    commission: Cents
    rate: str
    movement_key: str

    def audit(self) -> dict[str, object]:
        return {
            "claim": self.claim_ref,
            "agency": self.agency,
            "amount": format_amount(self.amount),
            "commission": format_amount(self.commission),
            "rate": self.rate,
        }


def record_agency_payment(
    services: Services,
    organism: str,
    claim_ref: str,
    agency: str,
    amount: Cents,
    on: date,
    key: str,
    *,
    remitted: bool = True,
) -> AgencyPaymentView:
    """A payment an agency collected on a claim placed with it: a ``payment`` movement (channel
    ``agency``; the money is the organism's) and the agency's commission, its rate percent of the
    amount rounded once. Refused (event ``agency_payment``) when the claim is not placed with that
    agency on ``on``."""
    with services.db.unit_of_work() as session:
        organism_id, found = services.organism(session, organism)
        claim = repository.claim_row(session, organism_id, claim_ref)
        if claim is None:
            raise NotFound("claim", claim_ref, f"aucune créance {claim_ref} dans {organism}")
        state = _state_of(session, claim, on, services.policy(found)) if on >= claim.established_on else None
        if state is None or state.status != "placed" or state.agency != agency:
            where = (
                ""
                if state is None or state.status != "placed"
                else f" (elle l'est à l'agence {state.agency})"
            )
            message = (
                f"la créance {claim_ref} n'est pas confiée à l'agence {agency} le {on.isoformat()}{where}"
            )
            raise refuse(services, organism, on, PAYMENT_EVENT, claim_ref, message)
        agency_data = agency_row(session, organism_id, agency)
        debtor_kind = (
            session.scalar(select(DebtorRow.kind).where(DebtorRow.id == claim.debtor_id)) or "person"
        )
        balance = sum(
            int(value)
            for value in session.scalars(
                select(MovementRow.signed_cents).where(
                    MovementRow.claim_id == claim.id, MovementRow.booked_on <= on
                )
            )
        )
        age = (on - (claim.notified_on or claim.established_on)).days
        rate = (
            rate_for(agency_data, balance, age, str(debtor_kind)) if agency_data is not None else Decimal(0)
        )
        placement_id = state.placement_id
    movement, _ = payments.record_payment(
        services, organism, claim_ref, amount, on, PaymentChannel.AGENCY, key
    )
    commission = percent_of(amount, rate)
    with services.db.unit_of_work() as session:
        if (
            agency_data is not None
            and session.scalar(
                select(AgencyCommissionRow.id).where(AgencyCommissionRow.movement_key == movement.key)
            )
            is None
        ):
            session.add(
                AgencyCommissionRow(
                    agency_id=agency_data.id,
                    claim_id=claim.id,
                    placement_id=placement_id,
                    movement_key=movement.key,
                    booked_on=on,
                    collected_cents=amount,
                    rate=str(rate),
                    commission_cents=commission,
                    remitted=remitted,
                    created_at=services.clock(),
                )
            )
    return AgencyPaymentView(claim_ref, agency, amount, commission, str(rate), movement.key)


def commission_total(services: Services, organism: str, agency: str, on: date) -> Cents:
    """The commission ``agency`` accrued up to the end of ``on``."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        row = agency_row(session, organism_id, agency)
        if row is None:
            return 0
        total = session.scalar(
            select(func.sum(AgencyCommissionRow.commission_cents)).where(
                AgencyCommissionRow.agency_id == row.id, AgencyCommissionRow.booked_on <= on
            )
        )
        return int(total or 0)


def end_placement(session: Session, row: PlacementRow, on: date, *, by: str, reason: str) -> None:
    """End a running placement on ``on`` (the caller checked it runs)."""
    session.execute(
        update(PlacementRow)
        .where(PlacementRow.id == row.id)
        .values(placed_until=on, recalled_by=by, recall_reason=reason)
        .execution_options(synchronize_session=False)
    )
    session.refresh(row)


def recall_claim(
    services: Services, organism: str, claim_ref: str, agency: str, on: date, *, by: str, why: str = ""
) -> PlacementState:
    """Recall, on request, the claim's placement with ``agency`` running on ``on`` (the ``placement``
    event's ``recalled``); refused when the claim is not placed with that agency that day."""
    with services.db.unit_of_work() as session:
        organism_id, found = services.organism(session, organism)
        claim = repository.claim_row(session, organism_id, claim_ref)
        if claim is None:
            raise NotFound("claim", claim_ref, f"aucune créance {claim_ref} dans {organism}")
        state = _state_of(session, claim, on, services.policy(found)) if on >= claim.established_on else None
        if state is None or state.status != "placed" or state.agency != agency:
            message = f"la créance {claim_ref} n'est pas confiée à l'agence {agency} le {on.isoformat()}"
            raise refuse(services, organism, on, PLACEMENT_EVENT, claim_ref, message)
        row = session.get(PlacementRow, state.placement_id)
        assert row is not None
        row.placed_until = on
        row.recalled_by = by
        row.recall_reason = MANUAL
        row.why = (row.why + " / " if row.why else "") + why if why else row.why
        session.flush()
        timeline(session, row, on, "recalled")
        return PlacementState(agency, "recalled", row.placed_from, on, MANUAL, row.id)
