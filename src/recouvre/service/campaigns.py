"""Phone campaigns (télérecouvrement, RULES.md §2.1; Cnaf lettre-réseau 2015-046 §2.3.2, §4.2).

The shared offer calls debtors at four triggers (``TRIGGERS``):

* ``new_claim_without_rights``: a claim established in the period on a debtor who receives no
  benefit (nothing can be withheld: only a call, a plan or a payment will recover it);
* ``default_m1`` / ``default_m2``: a claim at its first / second default in the period (the
  monthly cycle's ``default_step`` events, policy ``default.steps``: reminders at M+1 and M+2);
* ``end_of_rights``: a debtor who no longer receives benefits while a claim of his still has a
  balance and was recovered by withholding within ``END_OF_RIGHTS_DAYS`` before the period's end
  (the withholding stopped with the rights). Recouvre keeps no history of entitlements: this is
  how the end of rights shows in the ledger.

A campaign builds its call list once (one line per debtor, the oldest triggering claim), and the
operators record each call's outcome — a code of ``call_outcomes.yaml``, any other refused — with
a promise (amount, date) or a callback date when the code needs one. A callback puts the line
back in the list on its date.

KPIs, side by side with the seed's (``SEED``): **reached** (lines whose debtor was reached / the
lines of the list), **effective when reached** (reached lines whose claim received money — a
payment or a withholding — or got a plan between the call and the day of the report / reached
lines), **formal notices avoided** (formal notices on the campaign's claims from the trigger to
the report's day, per line, against the same trigger population one year earlier over the same
number of days: the seed's "−47 % mises en demeure compared with the previous year").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recouvre.domain.errors import NotFound
from recouvre.domain.ledger import MovementKind
from recouvre.domain.model import DomainError
from recouvre.service.context import Services
from recouvre.storage import repository
from recouvre.storage.channels_tables import CampaignRow, CampaignTargetRow
from recouvre.storage.tables import (
    ClaimEventRow,
    ClaimRow,
    DebtorRow,
    LetterClaimRow,
    LetterRow,
    MovementRow,
    PlanRow,
)

TRIGGERS = {
    "new_claim_without_rights": "nouvelle dette d'un débiteur sans droits",
    "default_m1": "défaillance à M+1",
    "default_m2": "défaillance à M+2",
    "end_of_rights": "fin de droits",
}
SEED = {"reached": 0.60, "effective": 0.73, "formal_notices": -0.47}
"""The seed's results (SEED-LR, RULES.md §2.1): 60 % reached, 73 % effective when reached,
−47 % formal notices compared with the previous year."""
END_OF_RIGHTS_DAYS = 62
TO_CALL = "to_call"
CALLBACK = "callback"
CALLED = "called"
FORMAL_NOTICE = "formal_notice"
MONEY = (MovementKind.PAYMENT.value, MovementKind.WITHHOLDING.value)
MAX_NOTE = 2000


@dataclass(frozen=True)
class Outcome:
    code: str
    label: str
    reached: bool
    effective: bool
    contact: str
    needs: str | None
    uses: frozenset[str] = frozenset({"phone_call", "prescription_review"})
    """Where the outcome may be recorded (``for`` in the file): ``service.outcomes``."""


@cache
def load_outcomes() -> Mapping[str, Outcome]:
    """The call outcomes of ``call_outcomes.yaml`` (read once)."""
    text = resources.files("recouvre.service").joinpath("call_outcomes.yaml").read_text(encoding="utf-8")
    data: Any = yaml.safe_load(text)
    found: dict[str, Outcome] = {}
    for code, body in data["outcomes"].items():
        needs = body.get("needs")
        if needs not in (None, "promise", "callback"):
            raise ValueError(f"call_outcomes.yaml: {code}.needs={needs!r}")
        found[str(code)] = Outcome(
            str(code),
            str(body["label"]),
            bool(body["reached"]),
            bool(body["effective"]),
            str(body["contact"]),
            needs,
            frozenset(str(use) for use in body.get("for", ("phone_call", "prescription_review"))),
        )
    return found


def call_outcomes() -> Mapping[str, Outcome]:
    """The outcomes of a call (those recorded for ``phone_call``): the campaigns' list."""
    return {code: item for code, item in load_outcomes().items() if "phone_call" in item.uses}


def check_outcome(code: str) -> Outcome:
    """The outcome ``code`` names; a ``DomainError`` listing the known codes otherwise."""
    found = load_outcomes().get(code)
    if found is None:
        raise DomainError("outcome", code, f"issue inconnue ; une valeur parmi {', '.join(load_outcomes())}")
    return found


@cache
def scripts() -> Mapping[str, str]:
    """The operators' script per trigger (``call_scripts.yaml``)."""
    text = resources.files("recouvre.service").joinpath("call_scripts.yaml").read_text(encoding="utf-8")
    data: Any = yaml.safe_load(text)
    return {str(key): str(value) for key, value in data["scripts"].items()}


# Target lists -----------------------------------------------------------------------------------


def _targets(
    session: Session, organism_id: int, trigger: str, start: date, end: date
) -> list[tuple[int, int, date]]:
    """(debtor id, claim id, triggered on) at ``trigger`` between ``start`` and ``end``, one per
    debtor (his oldest triggering claim)."""
    rows: Sequence[Any]
    if trigger == "new_claim_without_rights":
        rows = session.execute(
            select(ClaimRow.debtor_id, ClaimRow.id, ClaimRow.established_on)
            .join(DebtorRow, DebtorRow.id == ClaimRow.debtor_id)
            .where(
                ClaimRow.organism_id == organism_id,
                ClaimRow.established_on.between(start, end),
                DebtorRow.receives_benefits.is_(False),
            )
            .order_by(ClaimRow.established_on, ClaimRow.id)
        ).all()
    elif trigger in ("default_m1", "default_m2"):
        count = 1 if trigger == "default_m1" else 2
        events = session.execute(
            select(ClaimRow.debtor_id, ClaimRow.id, ClaimEventRow.occurred_on, ClaimEventRow.data)
            .join(ClaimRow, ClaimRow.id == ClaimEventRow.claim_id)
            .where(
                ClaimRow.organism_id == organism_id,
                ClaimEventRow.kind == "default_step",
                ClaimEventRow.occurred_on.between(start, end),
            )
            .order_by(ClaimEventRow.occurred_on, ClaimRow.id)
        ).all()
        rows = [
            (d, c, o) for d, c, o, data in events if isinstance(data, dict) and data.get("defaults") == count
        ]
    elif trigger == "end_of_rights":
        rows = session.execute(
            select(ClaimRow.debtor_id, ClaimRow.id, func.max(MovementRow.booked_on))
            .join(DebtorRow, DebtorRow.id == ClaimRow.debtor_id)
            .join(MovementRow, MovementRow.claim_id == ClaimRow.id)
            .where(
                ClaimRow.organism_id == organism_id,
                DebtorRow.receives_benefits.is_(False),
                MovementRow.kind == MovementKind.WITHHOLDING.value,
                MovementRow.booked_on <= end,
            )
            .group_by(ClaimRow.debtor_id, ClaimRow.id)
            .having(func.max(MovementRow.booked_on) >= start - timedelta(days=END_OF_RIGHTS_DAYS))
            .order_by(ClaimRow.id)
        ).all()
        rows = [
            (d, c, last) for d, c, last in rows if repository.load_ledger(session, c, until=end).balance > 0
        ]
    else:
        raise DomainError("trigger", trigger, f"une valeur parmi {', '.join(TRIGGERS)}")
    chosen: dict[int, tuple[int, int, date]] = {}
    for debtor_id, claim_id, on in rows:
        chosen.setdefault(debtor_id, (debtor_id, claim_id, on))
    return list(chosen.values())


@dataclass(frozen=True)
class CampaignView:
    id: int
    organism: str
    trigger: str
    period_from: date
    period_to: date
    name: str
    created_by: str
    targets: int


def _view(row: CampaignRow, organism: str, targets: int) -> CampaignView:
    return CampaignView(
        row.id, organism, row.trigger, row.period_from, row.period_to, row.name, row.created_by, targets
    )


def create_campaign(
    services: Services,
    organism: str,
    trigger: str,
    period_from: date,
    period_to: date,
    *,
    by: str,
    name: str = "",
) -> CampaignView:
    """Build a campaign's call list at ``trigger`` over the period (inside the caller's act)."""
    if trigger not in TRIGGERS:
        raise DomainError("trigger", trigger, f"une valeur parmi {', '.join(TRIGGERS)}")
    if period_to < period_from:
        raise DomainError("period", period_to.isoformat(), "se termine avant de commencer")
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        row = CampaignRow(
            organism_id=organism_id,
            trigger=trigger,
            period_from=period_from,
            period_to=period_to,
            name=(name or f"{TRIGGERS[trigger]} du {period_from:%d/%m/%Y} au {period_to:%d/%m/%Y}")[:200],
            created_by=by[:100],
            created_at=services.clock(),
        )
        session.add(row)
        session.flush()
        targets = _targets(session, organism_id, trigger, period_from, period_to)
        session.add_all(
            CampaignTargetRow(
                campaign_id=row.id,
                debtor_id=debtor_id,
                claim_id=claim_id,
                triggered_on=on,
                status=TO_CALL,
                attempts=0,
                reached=False,
                note="",
            )
            for debtor_id, claim_id, on in targets
        )
        return _view(row, organism, len(targets))


def _campaign(session: Session, services: Services, organism: str, campaign_id: int) -> CampaignRow:
    organism_id, _ = services.organism(session, organism)
    row = session.get(CampaignRow, campaign_id)
    if row is None or row.organism_id != organism_id:
        raise NotFound("campaign", campaign_id, f"campagne introuvable dans {organism}")
    return row


def list_campaigns(services: Services, organism: str) -> list[CampaignView]:
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        counts = dict(
            session.execute(
                select(CampaignTargetRow.campaign_id, func.count())
                .join(CampaignRow, CampaignRow.id == CampaignTargetRow.campaign_id)
                .where(CampaignRow.organism_id == organism_id)
                .group_by(CampaignTargetRow.campaign_id)
            ).all()
        )
        rows = session.scalars(
            select(CampaignRow).where(CampaignRow.organism_id == organism_id).order_by(CampaignRow.id.desc())
        )
        return [_view(row, organism, int(counts.get(row.id, 0))) for row in rows]


def campaign(services: Services, organism: str, campaign_id: int) -> CampaignView:
    with services.db.unit_of_work() as session:
        row = _campaign(session, services, organism, campaign_id)
        count = session.scalar(
            select(func.count()).select_from(CampaignTargetRow).where(CampaignTargetRow.campaign_id == row.id)
        )
        return _view(row, organism, int(count or 0))


# Call lists -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimLine:
    ref: str
    balance: int
    established_on: date


@dataclass(frozen=True)
class CallLine:
    """A line of the call list, with what the operator needs to know before calling."""

    id: int
    debtor_ref: str
    debtor_name: str
    phone: str | None
    receives_benefits: bool
    claim_ref: str
    triggered_on: date
    status: str
    attempts: int
    outcome: str | None
    callback_on: date | None
    called_on: date | None
    note: str
    claims: tuple[ClaimLine, ...]
    total: int
    last_contacts: tuple[str, ...]


def call_list(
    services: Services, organism: str, campaign_id: int, on: date, *, include_done: bool = False
) -> tuple[CampaignView, list[CallLine], str]:
    """The lines to call on ``on`` (not yet called, or a callback due), the debtor's context
    (claims and balances, the last contacts) and the campaign's script."""
    with services.db.unit_of_work() as session:
        row = _campaign(session, services, organism, campaign_id)
        query = (
            select(CampaignTargetRow, DebtorRow, ClaimRow.ref)
            .join(DebtorRow, DebtorRow.id == CampaignTargetRow.debtor_id)
            .join(ClaimRow, ClaimRow.id == CampaignTargetRow.claim_id)
            .where(CampaignTargetRow.campaign_id == row.id)
            .order_by(CampaignTargetRow.triggered_on, CampaignTargetRow.id)
        )
        lines: list[CallLine] = []
        for target, debtor, claim_ref in session.execute(query).all():
            due = target.status == TO_CALL or (
                target.status == CALLBACK and target.callback_on is not None and target.callback_on <= on
            )
            if not (due or include_done):
                continue
            claims = []
            for claim_id, ref, established in session.execute(
                select(ClaimRow.id, ClaimRow.ref, ClaimRow.established_on)
                .where(ClaimRow.debtor_id == debtor.id, ClaimRow.established_on <= on)
                .order_by(ClaimRow.established_on, ClaimRow.ref)
            ):
                balance = repository.load_ledger(session, claim_id, until=on).balance
                if balance > 0:
                    claims.append(ClaimLine(ref, balance, established))
            contacts = session.execute(
                select(ClaimEventRow.occurred_on, ClaimEventRow.data)
                .join(ClaimRow, ClaimRow.id == ClaimEventRow.claim_id)
                .where(
                    ClaimRow.debtor_id == debtor.id,
                    ClaimEventRow.kind == "contact",
                    ClaimEventRow.occurred_on <= on,
                )
                .order_by(ClaimEventRow.occurred_on.desc(), ClaimEventRow.id.desc())
                .limit(3)
            ).all()
            last = tuple(
                f"{when:%d/%m/%Y} : {data.get('outcome', '')} {data.get('note', '')}".strip()
                for when, data in contacts
                if isinstance(data, dict)
            )
            lines.append(
                CallLine(
                    id=target.id,
                    debtor_ref=debtor.ref,
                    debtor_name=debtor.name,
                    phone=debtor.phone,
                    receives_benefits=debtor.receives_benefits,
                    claim_ref=claim_ref,
                    triggered_on=target.triggered_on,
                    status=target.status,
                    attempts=target.attempts,
                    outcome=target.outcome,
                    callback_on=target.callback_on,
                    called_on=target.called_on,
                    note=target.note,
                    claims=tuple(claims),
                    total=sum(claim.balance for claim in claims),
                    last_contacts=last,
                )
            )
        view = campaign(services, organism, campaign_id)
    return view, lines, scripts().get(row.trigger, "")


@dataclass(frozen=True)
class TargetFacts:
    """What the door needs about a line before a call is recorded."""

    campaign_id: int
    target_id: int
    debtor_ref: str
    claim_ref: str
    status: str


def target_facts(services: Services, organism: str, campaign_id: int, target_id: int) -> TargetFacts:
    with services.db.unit_of_work() as session:
        row = _campaign(session, services, organism, campaign_id)
        found = session.execute(
            select(CampaignTargetRow, DebtorRow.ref, ClaimRow.ref)
            .join(DebtorRow, DebtorRow.id == CampaignTargetRow.debtor_id)
            .join(ClaimRow, ClaimRow.id == CampaignTargetRow.claim_id)
            .where(CampaignTargetRow.id == target_id, CampaignTargetRow.campaign_id == row.id)
        ).first()
        if found is None:
            raise NotFound("call", target_id, f"n'est pas une ligne de la campagne {campaign_id}")
        target, debtor_ref, claim_ref = found
        return TargetFacts(row.id, target.id, debtor_ref, claim_ref, target.status)


def record_call(
    services: Services,
    target_id: int,
    outcome: Outcome,
    on: date,
    *,
    by: str,
    callback_on: date | None = None,
    note: str = "",
) -> None:
    """Record a call's outcome on its line (inside the caller's act)."""
    if len(note) > MAX_NOTE:
        raise DomainError("note", f"{len(note)} characters", f"at most {MAX_NOTE}")
    with services.db.unit_of_work() as session:
        target = session.get(CampaignTargetRow, target_id)
        assert target is not None
        if target.status == CALLED:
            raise DomainError("call", target_id, "déjà appelé, avec une issue")
        if on < target.triggered_on:
            raise DomainError(
                "on", on.isoformat(), f"avant le déclenchement ({target.triggered_on.isoformat()})"
            )
        target.attempts += 1
        target.outcome = outcome.code
        target.reached = target.reached or outcome.reached
        target.called_on = on
        target.called_by = by[:100]
        target.note = note
        if outcome.needs == "callback":
            if callback_on is None or callback_on <= on:
                raise DomainError("callback_on", callback_on, "une date de rappel postérieure à l'appel")
            target.status, target.callback_on = CALLBACK, callback_on
        elif outcome.reached:
            target.status, target.callback_on = CALLED, None
        else:
            # Not reached: called again later (the next day), until the operator gives up.
            target.status, target.callback_on = CALLBACK, on + timedelta(days=1)


def close_unreached(services: Services, campaign_id: int) -> int:
    """Stop calling the lines not reached (end of campaign): they stay unreached in the KPIs."""
    with services.db.unit_of_work() as session:
        count = 0
        for target in session.scalars(
            select(CampaignTargetRow).where(
                CampaignTargetRow.campaign_id == campaign_id, CampaignTargetRow.status != CALLED
            )
        ):
            target.status = CALLED
            count += 1
        return count


# KPIs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpis:
    on: date
    targets: int
    called: int
    reached: int
    effective: int
    formal_notices: int
    previous_targets: int
    previous_formal_notices: int

    @property
    def reached_rate(self) -> float | None:
        return self.reached / self.targets if self.targets else None

    @property
    def effective_rate(self) -> float | None:
        return self.effective / self.reached if self.reached else None

    @property
    def formal_notices_change(self) -> float | None:
        """The change in formal notices per line against the same population a year earlier."""
        if not self.targets or not self.previous_targets or not self.previous_formal_notices:
            return None
        now = self.formal_notices / self.targets
        before = self.previous_formal_notices / self.previous_targets
        return now / before - 1


def _formal_notices(session: Session, claim_ids: Sequence[int], start: date, end: date) -> int:
    if not claim_ids:
        return 0
    count = session.scalar(
        select(func.count(func.distinct(LetterClaimRow.claim_id)))
        .join(LetterRow, LetterRow.id == LetterClaimRow.letter_id)
        .where(
            LetterClaimRow.claim_id.in_(list(claim_ids)),
            LetterRow.type == FORMAL_NOTICE,
            LetterRow.issued_on.between(start, end),
        )
    )
    return int(count or 0)


def previous_population(
    session: Session, organism_id: int, trigger: str, start: date, end: date
) -> list[tuple[int, int, date]]:
    """The lines a campaign at ``trigger`` from ``start`` to ``end`` would have (debtor id, claim
    id, triggered on): the population the formal notices are compared with a year earlier."""
    return _targets(session, organism_id, trigger, start, end)


def formal_notices_of(session: Session, claim_ids: Sequence[int], start: date, end: date) -> int:
    """How many of ``claim_ids`` received a formal notice from ``start`` to ``end``."""
    return _formal_notices(session, claim_ids, start, end)


def kpis(services: Services, organism: str, campaign_id: int, on: date) -> Kpis:
    with services.db.unit_of_work() as session:
        row = _campaign(session, services, organism, campaign_id)
        targets = list(
            session.scalars(select(CampaignTargetRow).where(CampaignTargetRow.campaign_id == row.id))
        )
        effective = 0
        for target in targets:
            if not target.reached or target.called_on is None:
                continue
            money = session.scalar(
                select(func.count())
                .select_from(MovementRow)
                .where(
                    MovementRow.claim_id == target.claim_id,
                    MovementRow.kind.in_(MONEY),
                    MovementRow.booked_on.between(target.called_on, on),
                )
            )
            plan = session.scalar(
                select(func.count())
                .select_from(PlanRow)
                .where(PlanRow.claim_id == target.claim_id, PlanRow.agreed_on.between(target.called_on, on))
            )
            if money or plan:
                effective += 1
        notices = _formal_notices(session, [t.claim_id for t in targets], row.period_from, on)
        year = relativedelta(years=1)
        previous = _targets(
            session, row.organism_id, row.trigger, row.period_from - year, row.period_to - year
        )
        previous_notices = _formal_notices(
            session, [claim_id for _, claim_id, _ in previous], row.period_from - year, on - year
        )
        return Kpis(
            on=on,
            targets=len(targets),
            called=sum(1 for t in targets if t.attempts > 0),
            reached=sum(1 for t in targets if t.reached),
            effective=effective,
            formal_notices=notices,
            previous_targets=len(previous),
            previous_formal_notices=previous_notices,
        )
