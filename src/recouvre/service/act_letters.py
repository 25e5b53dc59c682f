"""The letters of the claim-life acts, put in the outbox by the acts themselves: the appeal's
acknowledgment and decision (PM242, RULES.md §7), the write-off decision for the file (RULES.md
§5). Each letter records in its data what it must state; the templates
(``letters/templates/fr/<type>.html``) print it, and a letter missing a mandatory mention is not
rendered (``letters.render.REQUIRED``).

Only for French organisms (the ``fr`` templates; RULES.md §7 and §5 are French law).

Data keys read by ``letters.context.read_terms``: ``effective_on`` (the date of receipt or of the
decision), ``deadline`` (the date by which the board must decide, after which its silence is an
implicit rejection), ``appeal_deadline`` (the last day of the next remedy), ``authority``,
``decision``, ``motive`` (the reasons). Others are read by the templates from ``letter.data``:
``stage``, ``route`` (``board`` or ``administrative``), ``next_remedy``, ``court``.
"""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from recouvre.domain.launch import ADMINISTRATIVE_APPEAL_BENEFITS
from recouvre.domain.model import Benefit, Country
from recouvre.domain.money import Cents
from recouvre.storage import repository
from recouvre.storage.claim_life_tables import AppealRow
from recouvre.storage.repository import LetterDraft
from recouvre.storage.tables import ClaimRow

ACKNOWLEDGMENT = "appeal_acknowledgment"
DECISION = "appeal_decision"
WRITE_OFF = "write_off_decision"


def _route_of(row: ClaimRow) -> str:
    """``administrative`` (RAPO, then the tribunal administratif: RSA, APL, PPA — RULES.md §7.2)
    or ``board`` (CRA, then the pôle social of the tribunal judiciaire — §7.1)."""
    return "administrative" if Benefit(row.benefit) in ADMINISTRATIVE_APPEAL_BENEFITS else "board"


def _amicable_authority(row: ClaimRow, route: str) -> str:
    """Who decides the amicable stage: the CRA, or for RSA the président du conseil départemental
    (CASF L262-47, RULES.md §7.2); for APL and PPA, the organism (RULES.md §7.2 names no other)."""
    if route == "board":
        return "board"
    return "departement" if row.benefit == Benefit.RSA.value else "organism"


def _court(route: str) -> str:
    return "tribunal_administratif" if route == "administrative" else "pole_social"


def acknowledge(
    session: Session, row: ClaimRow, appeal: AppealRow, court_months: int | None, country: Country
) -> None:
    """The acknowledgment of an amicable appeal received from the debtor: its date of receipt, the
    date by which the decision is due and the implicit-rejection rule (R142-6), the next remedy
    (the court) and its deadline (two months after the decision or the implicit rejection)."""
    if appeal.stage != "amicable" or appeal.filed_by != "debtor" or country is not Country.FR:
        return
    route = _route_of(row)
    implicit = appeal.implicit_rejection_on
    data: dict[str, object] = {
        "stage": appeal.stage,
        "route": route,
        "authority": _amicable_authority(row, route),
        "effective_on": appeal.filed_on.isoformat(),
        "court": _court(route),
        "court_months": court_months,
        "suspends": appeal.suspends,
    }
    if implicit is not None:
        data["deadline"] = implicit.isoformat()
        if court_months is not None:
            data["appeal_deadline"] = (implicit + relativedelta(months=court_months)).isoformat()
    repository.insert_letters(
        session,
        [
            LetterDraft(
                key=f"{appeal.key}:letter:acknowledgment",
                organism_id=row.organism_id,
                debtor_id=row.debtor_id,
                type=ACKNOWLEDGMENT,
                issued_on=appeal.filed_on,
                claim_ids=(row.id,),
                data=data,
            )
        ],
    )


def decided(
    session: Session,
    row: ClaimRow,
    appeal: AppealRow,
    reasons: str,
    new_principal: Cents | None,
    country: Country,
) -> None:
    """The decision on an appeal of the debtor: who decided (the board, the département, the
    court), the outcome and its reasons, the next remedy with its deadline and its court."""
    if appeal.filed_by != "debtor" or appeal.decided_on is None or country is not Country.FR:
        return
    route = _route_of(row)
    amicable = appeal.stage == "amicable"
    data: dict[str, object] = {
        "stage": appeal.stage,
        "route": route,
        "authority": _amicable_authority(row, route) if amicable else _court(route),
        "decision": appeal.outcome,
        "motive": reasons,
        "effective_on": appeal.decided_on.isoformat(),
        "filed_on": appeal.filed_on.isoformat(),
        "court": _court(route) if amicable else "cour_appel",
    }
    if new_principal is not None:
        data["new_principal_cents"] = new_principal
    if amicable and appeal.court_deadline is not None:
        data["appeal_deadline"] = appeal.court_deadline.isoformat()
    repository.insert_letters(
        session,
        [
            LetterDraft(
                key=f"{appeal.key}:letter:decision",
                organism_id=row.organism_id,
                debtor_id=row.debtor_id,
                type=DECISION,
                issued_on=appeal.decided_on,
                claim_ids=(row.id,),
                data=data,
            )
        ],
    )


def write_off(
    session: Session,
    row: ClaimRow,
    key: str,
    on: date,
    amount: Cents,
    authority: str,
    reasons: str,
    by: str,
    country: Country,
) -> None:
    """The write-off decision, kept in the debtor's file (CSS L133-3; R-ANV-1: the debt survives).
    French organisms only: the CNSS has no template for it (no sourced wording)."""
    if country is not Country.FR:
        return
    repository.insert_letters(
        session,
        [
            LetterDraft(
                key=f"{key}:letter",
                organism_id=row.organism_id,
                debtor_id=row.debtor_id,
                type=WRITE_OFF,
                issued_on=on,
                claim_ids=(row.id,),
                data={
                    "effective_on": on.isoformat(),
                    "authority": authority,
                    "motive": reasons,
                    "amount_cents": amount,
                    "decided_by": by,
                },
            )
        ],
    )
