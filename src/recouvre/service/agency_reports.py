"""What agencies report on their files, what the organism decides on it, and the agencies'
figures (issue 12 items 3 and 4, issue 11 item 3; RULES.md §11.2 "Outsourced amicable recovery").

Reports (``agency_reports``), each on a claim placed with the agency on the report's date
(the command checks it, ``security.authorize`` with the claim's placement):

- ``contact`` — a contact with the debtor (channel, outcome, note);
- ``letter`` — a letter the agency sends from the system's templates (``reminder_1`` on
  receipt, ``reminder_2``, ``formal_notice``): a letter row on the claim's timeline
  (``data.sent_by`` = the agency), printed like the organism's;
- ``address`` — an address found: the debtor's address is updated, the old one kept in the report;
- ``asset`` — an asset found (``land``, ``vehicle``, ``bank_account``, ``business``: description,
  estimated value, evidence document) that the organism's enforcement can use;
- ``facility`` — a payment-facility proposal (monthly amount, first due date), ``pending`` until
  the organism approves it (an instalment plan is agreed) or refuses it;
- ``write_off`` — a write-off (ANV) proposal with its evidence, ``pending`` until the organism
  approves it (a write-off proposal of the existing maker-checker procedure is made) or refuses;
- ``bailiff_act`` (bailiffs) — ``service``, ``seizure_attempt``, ``no_assets``,
  ``payment_collected`` (booked as an agency payment, remitted later), ``fees`` (fees chargeable
  to the debtor, booked as ``costs``);
- ``remittance`` (bailiffs) — money collected and remitted to the organism's account.

Figures: the monthly statement of each agency (collected, remitted, commission: the invoice's
reconciliation) and the league table (``league``) the steering pages read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select

from recouvre.domain.errors import NotFound
from recouvre.domain.ledger import MovementKind, MovementRequest
from recouvre.domain.model import DomainError
from recouvre.domain.money import Cents, format_amount, parse_amount
from recouvre.service import payments, placements
from recouvre.service.context import Services, refuse
from recouvre.storage import repository
from recouvre.storage.agency_tables import AgencyCommissionRow, AgencyReportRow, AgencyRow
from recouvre.storage.back_office_tables import PlacementRow
from recouvre.storage.repository import LetterDraft
from recouvre.storage.tables import ClaimRow, DebtorRow, MovementRow

RECORDED, PENDING, APPROVED, REFUSED = "recorded", "pending", "approved", "refused"
KINDS = ("contact", "letter", "address", "asset", "facility", "write_off", "bailiff_act", "remittance")
DECIDED_KINDS = frozenset({"facility", "write_off"})
AGENCY_LETTERS = ("reminder_1", "reminder_2", "formal_notice")
ASSET_KINDS = ("land", "vehicle", "bank_account", "business")
BAILIFF_ACTS = ("service", "seizure_attempt", "no_assets", "payment_collected", "fees")
KIND_LABELS = {
    "contact": "contact",
    "letter": "courrier",
    "address": "adresse",
    "asset": "bien",
    "facility": "facilité de paiement",
    "write_off": "proposition d'admission en non-valeur",
    "bailiff_act": "acte de commissaire de justice",
    "remittance": "reversement",
}
REPORT_EVENT = "agency_report"
LETTER_LABELS = {
    "reminder_1": "première relance",
    "reminder_2": "deuxième relance",
    "formal_notice": "mise en demeure",
}
ACT_LABELS = {
    "service": "signification",
    "seizure_attempt": "tentative de saisie",
    "no_assets": "procès-verbal de carence",
    "payment_collected": "paiement encaissé",
    "fees": "frais à la charge du débiteur",
}


@dataclass(frozen=True)
class ReportView:
    id: int
    organism: str
    agency: str
    claim_ref: str
    kind: str
    reported_on: date
    data: dict[str, object]
    status: str
    reported_by: str
    decided_by: str | None
    decided_on: date | None

    def audit(self) -> dict[str, object]:
        return {"report": self.id, "agency": self.agency, "kind": self.kind, "status": self.status}


def _view(row: AgencyReportRow, organism: str, claim_ref: str) -> ReportView:
    return ReportView(
        id=row.id,
        organism=organism,
        agency=row.agency,
        claim_ref=claim_ref,
        kind=row.kind,
        reported_on=row.reported_on,
        data=dict(row.data or {}),
        status=row.status,
        reported_by=row.reported_by,
        decided_by=row.decided_by,
        decided_on=row.decided_on,
    )


def _text(data: dict[str, Any], name: str, *, required: bool = True, limit: int = 2000) -> str:
    value = data.get(name)
    if value is None or str(value).strip() == "":
        if required:
            raise DomainError(name, value, "obligatoire")
        return ""
    text = str(value).strip()
    if len(text) > limit:
        raise DomainError(name, f"{len(text)} caractères", f"au plus {limit}")
    return text


def _checked(kind: str, data: dict[str, Any], agency_kind: str) -> dict[str, object]:
    """The report's data, checked and normalised (amounts as cents)."""
    if kind not in KINDS:
        raise DomainError("kind", kind, f"une de : {', '.join(KINDS)}")
    if kind in ("bailiff_act", "remittance") and agency_kind != placements.BAILIFF:
        raise DomainError("kind", kind, "réservé aux commissaires de justice")
    if kind == "contact":
        return {
            "channel": _text(data, "channel"),
            "outcome": _text(data, "outcome"),
            "note": _text(data, "note", required=False),
        }
    if kind == "letter":
        letter = _text(data, "type")
        if letter not in AGENCY_LETTERS:
            raise DomainError("type", letter, f"un de : {', '.join(AGENCY_LETTERS)}")
        return {"type": letter}
    if kind == "address":
        return {"address": _text(data, "address", limit=500)}
    if kind == "asset":
        asset = _text(data, "asset_kind")
        if asset not in ASSET_KINDS:
            raise DomainError("asset_kind", asset, f"un de : {', '.join(ASSET_KINDS)}")
        value = data.get("estimated_value")
        return {
            "asset_kind": asset,
            "description": _text(data, "description", limit=1000),
            "estimated_value": None if value in (None, "") else parse_amount(value, field="estimated_value"),
            "evidence": _text(data, "evidence", required=False, limit=500),
        }
    if kind == "facility":
        monthly = parse_amount(data.get("monthly"), field="monthly")
        if monthly <= 0:
            raise DomainError("monthly", data.get("monthly"), "un montant positif")
        first_due = data.get("first_due")
        try:
            due = first_due if isinstance(first_due, date) else date.fromisoformat(str(first_due))
        except ValueError:
            raise DomainError("first_due", first_due, "une date AAAA-MM-JJ") from None
        return {"monthly": monthly, "first_due": due.isoformat(), "note": _text(data, "note", required=False)}
    if kind == "write_off":
        return {"reasons": _text(data, "reasons"), "evidence": _text(data, "evidence")}
    if kind == "bailiff_act":
        act = _text(data, "act")
        if act not in BAILIFF_ACTS:
            raise DomainError("act", act, f"un de : {', '.join(BAILIFF_ACTS)}")
        checked: dict[str, object] = {"act": act, "note": _text(data, "note", required=False)}
        if act in ("payment_collected", "fees"):
            amount = parse_amount(data.get("amount"), field="amount")
            if amount <= 0:
                raise DomainError("amount", data.get("amount"), "un montant positif")
            checked["amount"] = amount
        return checked
    amount = parse_amount(data.get("amount"), field="amount")  # remittance
    if amount <= 0:
        raise DomainError("amount", data.get("amount"), "un montant positif")
    return {"amount": amount, "reference": _text(data, "reference", required=False)}


def record_report(
    services: Services,
    organism: str,
    claim_ref: str,
    agency: str,
    kind: str,
    on: date,
    data: dict[str, Any],
    *,
    by: str,
    key: str,
) -> ReportView:
    """Record what ``agency`` reports on a claim placed with it on ``on`` (refused otherwise), and
    its effects (a letter, an address, a payment, costs)."""
    state = placements.placement_on(services, organism, claim_ref, on)
    if state is None or state.status != "placed" or state.agency != agency:
        message = f"la créance {claim_ref} n'est pas confiée à l'agence {agency} le {on.isoformat()}"
        raise refuse(services, organism, on, REPORT_EVENT, claim_ref, message)
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        agency_data = placements.agency_row(session, organism_id, agency)
        agency_kind = agency_data.kind if agency_data is not None else placements.AMICABLE
    checked = _checked(kind, data, agency_kind)
    if kind == "bailiff_act" and checked["act"] == "payment_collected":
        amount = checked["amount"]
        assert isinstance(amount, int)
        paid = placements.record_agency_payment(
            services, organism, claim_ref, agency, amount, on, f"agency:{key}", remitted=False
        )
        checked["movement"] = paid.movement_key
    if kind == "bailiff_act" and checked["act"] == "fees":
        amount = checked["amount"]
        assert isinstance(amount, int)
        movement, _ = payments.book(
            services,
            organism,
            claim_ref,
            MovementRequest(
                key=f"{organism}:{claim_ref}:costs:{key}",
                kind=MovementKind.COSTS,
                amount=amount,
                booked_on=on,
                note=f"frais de {agency} à la charge du débiteur",
            ),
        )
        checked["movement"] = movement.key
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        claim = repository.claim_row(session, organism_id, claim_ref)
        if claim is None:
            raise NotFound("claim", claim_ref, f"créance introuvable dans {organism}")
        if kind == "letter":
            letter_type = str(checked["type"])
            repository.insert_letters(
                session,
                [
                    LetterDraft(
                        key=f"{organism}:{claim_ref}:agency:{agency}:{letter_type}:{on.isoformat()}",
                        organism_id=organism_id,
                        debtor_id=claim.debtor_id,
                        type=letter_type,
                        issued_on=on,
                        claim_ids=(claim.id,),
                        data={"claims": [claim_ref], "sent_by": agency},
                    )
                ],
            )
        if kind == "address":
            debtor = session.get(DebtorRow, claim.debtor_id)
            assert debtor is not None
            checked["previous_address"] = debtor.address or ""
            debtor.address = str(checked["address"])
        row = AgencyReportRow(
            organism_id=organism_id,
            agency=agency,
            claim_id=claim.id,
            kind=kind,
            reported_on=on,
            data=checked,
            status=PENDING if kind in DECIDED_KINDS else RECORDED,
            reported_by=by,
            created_at=services.clock(),
        )
        session.add(row)
        session.flush()
        label = KIND_LABELS[kind]
        if kind == "letter":
            label = f"courrier envoyé : {LETTER_LABELS[str(checked['type'])]}"
        elif kind == "bailiff_act":
            label = f"acte : {ACT_LABELS[str(checked['act'])]}"
        repository.add_claim_event(
            session,
            f"agency_report:{row.id}",
            claim.id,
            on,
            "agency_report",
            {"agency": agency, "report": kind, "label": label, "id": row.id},
        )
        return _view(row, organism, claim_ref)


def get_report(services: Services, organism: str, report_id: int) -> ReportView:
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        found = session.execute(
            select(AgencyReportRow, ClaimRow.ref)
            .join(ClaimRow, ClaimRow.id == AgencyReportRow.claim_id)
            .where(AgencyReportRow.id == report_id, AgencyReportRow.organism_id == organism_id)
        ).first()
        if found is None:
            raise NotFound("report", report_id, "aucun compte rendu de ce numéro")
        return _view(found[0], organism, found[1])


def mark_decided(
    services: Services, organism: str, report_id: int, approved: bool, on: date, *, by: str, why: str
) -> ReportView:
    """Record the organism's decision on a pending proposal (its effect is the caller's)."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        row = session.get(AgencyReportRow, report_id)
        if row is None or row.organism_id != organism_id:
            raise NotFound("report", report_id, "aucun compte rendu de ce numéro")
        if row.status != PENDING:
            raise DomainError("report", report_id, f"déjà décidé ({row.status})")
        row.status = APPROVED if approved else REFUSED
        row.decided_by = by
        row.decided_on = on
        row.decision_why = why
        session.flush()
        ref = session.scalar(select(ClaimRow.ref).where(ClaimRow.id == row.claim_id)) or ""
        return _view(row, organism, ref)


def list_reports(
    services: Services,
    organism: str,
    *,
    claim_ref: str | None = None,
    agency: str | None = None,
    status: str | None = None,
    kind: str | None = None,
) -> list[ReportView]:
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        query = (
            select(AgencyReportRow, ClaimRow.ref)
            .join(ClaimRow, ClaimRow.id == AgencyReportRow.claim_id)
            .where(AgencyReportRow.organism_id == organism_id)
            .order_by(AgencyReportRow.reported_on, AgencyReportRow.id)
        )
        if claim_ref is not None:
            query = query.where(ClaimRow.ref == claim_ref)
        if agency is not None:
            query = query.where(AgencyReportRow.agency == agency)
        if status is not None:
            query = query.where(AgencyReportRow.status == status)
        if kind is not None:
            query = query.where(AgencyReportRow.kind == kind)
        return [_view(row, organism, ref) for row, ref in session.execute(query)]


# Statements, reconciliation, league table ----------------------------------------------------------


def month_bounds(month: str) -> tuple[date, date]:
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise DomainError("month", month, "un mois AAAA-MM") from None
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


STATEMENT_COLUMNS = ("agency", "kind", "month", "payments", "collected", "remitted", "gap", "commission")


@dataclass(frozen=True)
class StatementLine:
    """One agency's month: what it collected, what reached the organism, its commission."""

    agency: str
    kind: str
    month: str
    payments: int
    collected: Cents
    remitted: Cents
    commission: Cents

    def as_row(self) -> dict[str, object]:
        return {
            "agency": self.agency,
            "kind": self.kind,
            "month": self.month,
            "payments": self.payments,
            "collected": format_amount(self.collected),
            "remitted": format_amount(self.remitted),
            "gap": format_amount(self.collected - self.remitted),
            "commission": format_amount(self.commission),
        }


def statements(
    services: Services, organism: str, month: str, agency: str | None = None
) -> list[StatementLine]:
    """The monthly commission statement of each agency (or of ``agency``) with the
    reconciliation of the sums collected against the sums remitted to the organism: an amicable
    agency's payments reach the organism's account directly (remitted when booked); a bailiff's
    are remitted by its ``remittance`` reports."""
    first, last = month_bounds(month)
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        query = select(AgencyRow).where(AgencyRow.organism_id == organism_id).order_by(AgencyRow.code)
        if agency is not None:
            query = query.where(AgencyRow.code == agency)
        lines: list[StatementLine] = []
        for row in session.scalars(query):
            count, collected, commission, direct = session.execute(
                select(
                    func.count(AgencyCommissionRow.id),
                    func.coalesce(func.sum(AgencyCommissionRow.collected_cents), 0),
                    func.coalesce(func.sum(AgencyCommissionRow.commission_cents), 0),
                    func.coalesce(
                        func.sum(AgencyCommissionRow.collected_cents).filter(
                            AgencyCommissionRow.remitted.is_(True)
                        ),
                        0,
                    ),
                ).where(
                    AgencyCommissionRow.agency_id == row.id,
                    AgencyCommissionRow.booked_on >= first,
                    AgencyCommissionRow.booked_on <= last,
                )
            ).one()
            remittances = session.scalars(
                select(AgencyReportRow.data).where(
                    AgencyReportRow.organism_id == organism_id,
                    AgencyReportRow.agency == row.code,
                    AgencyReportRow.kind == "remittance",
                    AgencyReportRow.reported_on >= first,
                    AgencyReportRow.reported_on <= last,
                )
            )
            remitted = int(direct) + sum(int(str(data.get("amount", 0))) for data in remittances)
            lines.append(
                StatementLine(
                    row.code, row.kind, month, int(count), int(collected), remitted, int(commission)
                )
            )
        return lines


LEAGUE_COLUMNS = (
    "agency",
    "kind",
    "files",
    "placed_balance",
    "collected",
    "commission",
    "recovery_rate",
    "cost_per_unit",
    "days_to_first_contact",
    "asset_share",
    "service_level_share",
)


@dataclass(frozen=True)
class LeagueRow:
    """One agency's results over a period (the steering pages' league table)."""

    agency: str
    kind: str
    files: int
    """Files placed with it at some time in the period."""
    placed_balance: Cents
    """Balances of those files on the day each was placed."""
    collected: Cents
    commission: Cents
    recovery_rate: Decimal
    """collected ÷ placed balance × 100, two decimals half up."""
    cost_per_unit: Decimal | None
    """Commission per unit of money recovered (4 decimals); ``None`` when nothing was recovered."""
    days_to_first_contact: Decimal | None
    """Mean days from receiving a file to the first contact or letter reported (1 decimal)."""
    asset_share: Decimal
    """Percent of the files with an asset found."""
    service_level_share: Decimal | None = None
    """Percent of the files whose first reminder letter was sent within the contract's
    ``first_reminder_days`` of receipt (``None`` when the contract sets no such level)."""

    def as_row(self) -> dict[str, object]:
        return {
            "agency": self.agency,
            "kind": self.kind,
            "files": self.files,
            "placed_balance": format_amount(self.placed_balance),
            "collected": format_amount(self.collected),
            "commission": format_amount(self.commission),
            "recovery_rate": str(self.recovery_rate),
            "cost_per_unit": None if self.cost_per_unit is None else str(self.cost_per_unit),
            "days_to_first_contact": None
            if self.days_to_first_contact is None
            else str(self.days_to_first_contact),
            "asset_share": str(self.asset_share),
            "service_level_share": None
            if self.service_level_share is None
            else str(self.service_level_share),
        }


def _ratio(numerator: int, denominator: int, places: str) -> Decimal:
    if denominator == 0:
        return Decimal(0).quantize(Decimal(places))
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def league(services: Services, organism: str, start: date, end: date) -> list[LeagueRow]:
    """The league table of the organism's agencies from ``start`` to ``end`` (both included):
    recovery rate, cost per unit recovered, time to first contact, share of files with an asset
    found. Sorted by recovery rate, best first, then agency code."""
    if end < start:
        raise DomainError("to", end.isoformat(), "avant le début de la période")
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        agencies = list(
            session.scalars(
                select(AgencyRow).where(AgencyRow.organism_id == organism_id).order_by(AgencyRow.code)
            )
        )
        rows: list[LeagueRow] = []
        for agency in agencies:
            placements_query = (
                select(PlacementRow.id, PlacementRow.claim_id, PlacementRow.placed_from)
                .join(ClaimRow, ClaimRow.id == PlacementRow.claim_id)
                .where(
                    ClaimRow.organism_id == organism_id,
                    PlacementRow.agency == agency.code,
                    PlacementRow.placed_from <= end,
                    (PlacementRow.placed_until.is_(None)) | (PlacementRow.placed_until > start),
                )
            )
            placed = list(session.execute(placements_query))
            files = len({claim_id for _, claim_id, _ in placed})
            placed_balance = 0
            for _, claim_id, placed_from in placed:
                total = session.scalar(
                    select(func.sum(MovementRow.signed_cents)).where(
                        MovementRow.claim_id == claim_id,
                        MovementRow.booked_on < placed_from,
                    )
                )
                placed_balance += max(int(total or 0), 0)
            collected, commission = session.execute(
                select(
                    func.coalesce(func.sum(AgencyCommissionRow.collected_cents), 0),
                    func.coalesce(func.sum(AgencyCommissionRow.commission_cents), 0),
                ).where(
                    AgencyCommissionRow.agency_id == agency.id,
                    AgencyCommissionRow.booked_on >= start,
                    AgencyCommissionRow.booked_on <= end,
                )
            ).one()
            reports: dict[int, list[tuple[str, date]]] = defaultdict(list)
            for claim_id, kind, reported_on in session.execute(
                select(AgencyReportRow.claim_id, AgencyReportRow.kind, AgencyReportRow.reported_on).where(
                    AgencyReportRow.organism_id == organism_id, AgencyReportRow.agency == agency.code
                )
            ):
                reports[int(claim_id)].append((str(kind), reported_on))
            delays: list[int] = []
            with_asset = 0
            on_time = 0
            for claim_id in {claim_id for _, claim_id, _ in placed}:
                received = min(placed_from for _, other, placed_from in placed if other == claim_id)
                contacts = [
                    on for kind, on in reports[claim_id] if kind in ("contact", "letter") and on >= received
                ]
                if contacts:
                    delays.append((min(contacts) - received).days)
                letters = [on for kind, on in reports[claim_id] if kind == "letter" and on >= received]
                if agency.first_reminder_days is not None and letters:
                    on_time += (min(letters) - received).days <= agency.first_reminder_days
                if any(kind == "asset" for kind, _ in reports[claim_id]):
                    with_asset += 1
            rows.append(
                LeagueRow(
                    agency=agency.code,
                    kind=agency.kind,
                    files=files,
                    placed_balance=placed_balance,
                    collected=int(collected),
                    commission=int(commission),
                    recovery_rate=_ratio(int(collected) * 100, placed_balance, "0.01"),
                    cost_per_unit=_ratio(int(commission), int(collected), "0.0001") if collected else None,
                    days_to_first_contact=_ratio(sum(delays), len(delays), "0.1") if delays else None,
                    asset_share=_ratio(with_asset * 100, files, "0.01"),
                    service_level_share=None
                    if agency.first_reminder_days is None
                    else _ratio(on_time * 100, files, "0.01"),
                )
            )
        rows.sort(key=lambda row: (-row.recovery_rate, row.agency))
        return rows
