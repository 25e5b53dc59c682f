"""Enforcement titles: the contrainte (PM241 procedure 6), the payment injunction (procedure 7)
and the CNSS's "état de produits" — their states, the acts that move them, the opposition window.

Pure rules: no I/O, no clock; every date is a parameter. Sources:

* **Contrainte** — CSS L161-1-5 and R133-3 (RULES.md §2.2, R-CONTR-1): issued (signed) by the
  director or an agent he mandates after a formal notice left unanswered; notified by any means
  giving proof of the date of receipt, or served by a commissaire de justice; the debtor may
  oppose it within 15 days (``contrainte.opposition_days``) before the pôle social of the
  tribunal judiciaire (the tribunal administratif for RSA, APL and the prime d'activité: CE
  10/07/2019 n° 415427); without opposition it has all the effects of a judgment (CPCE L111-3 6°),
  from the day after the window. Not for ALS (Cass. 2e civ. 23/09/2021 n° 20-10.532) nor for
  social-action loans, which are not benefits (RULES.md §2.2, §3.4).
* **Payment injunction** — CPC 1405 to 1416: the request to the court (1407), the order (1409),
  its service (1411), opposition within one month of the service (1416,
  ``injunction.opposition_months``), after which the order is enforceable (1422). Used for
  social-action loans and ALS claims (RULES.md §3.4, SEED-LR procedure 7).
* **Interruption of prescription** — the service of a title is an enforcement act and the
  request to the court a court action: both interrupt prescription like a delivered registered
  letter (C. civ. 2241 and 2244; SCENARIOS.md "Enforcement titles").
* A title annulled by the court does not stop a new recovery action while the claim is not
  time-barred (RULES.md §2.2, "autonomie de la contrainte"): a new title may be drafted.

A title's state at a date is derived from its acts dated on or before it: an unopposed title
served on S becomes ``enforceable`` on the day after its opposition window, with no act.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from recouvre.domain.defaults import add_months


class TitleKind(StrEnum):
    CONTRAINTE = "contrainte"
    INJUNCTION = "injunction"
    ETAT_DE_PRODUITS = "etat_de_produits"
    """The CNSS's own enforceable title (RULES.md §11.2): enforceable as soon as it is issued."""


class TitleState(StrEnum):
    NONE = "none"
    DRAFTED = "drafted"
    """Drafted from the review task, awaiting the signature (contrainte) or the filing (injunction);
    not yet a title: the scenario check reads it ``none``."""
    ISSUED = "issued"
    FILED = "filed"
    GRANTED = "granted"
    SERVED = "served"
    OPPOSED = "opposed"
    ENFORCEABLE = "enforceable"
    ANNULLED = "annulled"


class TitleAct(StrEnum):
    DRAFTED = "drafted"
    ISSUED = "issued"
    """Contrainte: signed by the director or a mandated agent, and sent to the debtor."""
    FILED = "filed"
    GRANTED = "granted"
    SERVED = "served"
    OPPOSED = "opposed"
    HEARING = "hearing"
    """A hearing date set by the court (no change of state)."""
    DECIDED = "decided"
    ANNULLED = "annulled"
    """Withdrawn or annulled by the organism (the director), e.g. an irregular draft."""
    ENFORCEABLE = "enforceable"
    """The CNSS's état de produits: enforceable on issue."""


class Outcome(StrEnum):
    REJECTED = "rejected"
    """The opposition is rejected: the title is enforceable."""
    UPHELD = "upheld"
    """The opposition is upheld: the title is annulled."""
    REDUCED = "reduced"
    """The title stands for a reduced principal: enforceable for that amount."""


class ServiceVia(StrEnum):
    BAILIFF = "bailiff"
    REGISTERED_LETTER = "registered_letter"


CONTRAINTE_EXCLUDED = frozenset({"ALS", "LOAN"})
"""Benefits whose claims cannot be recovered by a contrainte (RULES.md §2.2 scope limits)."""
INJUNCTION_ONLY = CONTRAINTE_EXCLUDED
"""Benefits whose claims go to a payment injunction (SCENARIOS.md, RULES.md §3.4)."""
ADMINISTRATIVE_COURT = frozenset({"RSA", "APL", "PPA"})
"""Benefits whose contrainte is opposed before the tribunal administratif (CE 10/07/2019)."""

TERMINAL = frozenset({TitleState.ENFORCEABLE, TitleState.ANNULLED})


@dataclass(frozen=True)
class ActRecord:
    """One dated act on a title (``outcome`` for a decision)."""

    act: TitleAct
    on: date
    outcome: Outcome | None = None


def allowed_kind(kind: TitleKind, benefit: str) -> str | None:
    """``None`` when a title of ``kind`` may be used for a claim of ``benefit``; else why not (French)."""
    if kind is TitleKind.CONTRAINTE and benefit == "ALS":
        return (
            "pas de contrainte pour un indu d'ALS (Cass. 2e civ. 23/09/2021 n° 20-10.532) : "
            "la voie est l'injonction de payer"
        )
    if kind is TitleKind.CONTRAINTE and benefit in CONTRAINTE_EXCLUDED:
        return (
            "pas de contrainte pour un prêt d'action sociale, qui n'est pas une prestation "
            "(CSS L161-1-5) : la voie est l'injonction de payer"
        )
    if kind is TitleKind.INJUNCTION and benefit not in INJUNCTION_ONLY:
        return (
            f"l'injonction de payer est réservée aux prêts d'action sociale et à l'ALS ; "
            f"une créance {benefit} se recouvre par contrainte"
        )
    return None


def opposition_end(kind: TitleKind, served_on: date, *, days: int, months: int) -> date:
    """The last day the debtor may oppose a title served on ``served_on`` (included).

    Contrainte: S + ``days`` (CSS R133-3, 15 days). Payment injunction: S + ``months``, the same
    day of the month or the month's last day when that day does not exist (CPC 1416, one month).
    """
    if kind is TitleKind.INJUNCTION:
        return add_months(served_on, months)
    return served_on + timedelta(days=days)


def served_on(acts: Sequence[ActRecord]) -> date | None:
    found = [record.on for record in acts if record.act is TitleAct.SERVED]
    return found[-1] if found else None


@dataclass(frozen=True)
class Derived:
    """A title's state at a date, and since when."""

    state: TitleState
    since: date | None


def state_on(acts: Sequence[ActRecord], on: date, window_end: date | None) -> Derived:
    """The title's state at the end of ``on``, from its acts (in order) and the end of its
    opposition window (``None`` while it is not served): served and not opposed by the window's
    end, it is enforceable from the next day."""
    state, since = TitleState.NONE, None
    for record in acts:
        if record.on > on:
            break
        since = record.on
        if record.act is TitleAct.DECIDED:
            state = TitleState.ANNULLED if record.outcome is Outcome.UPHELD else TitleState.ENFORCEABLE
        elif record.act is TitleAct.HEARING:
            continue
        else:
            state = TitleState(record.act.value)
    if state is TitleState.SERVED and window_end is not None and on > window_end:
        return Derived(TitleState.ENFORCEABLE, window_end + timedelta(days=1))
    return Derived(state, since)


NEXT: dict[TitleKind, dict[TitleAct, frozenset[TitleState]]] = {
    TitleKind.CONTRAINTE: {
        TitleAct.ISSUED: frozenset({TitleState.DRAFTED}),
        TitleAct.SERVED: frozenset({TitleState.ISSUED}),
        TitleAct.OPPOSED: frozenset({TitleState.SERVED}),
        TitleAct.HEARING: frozenset({TitleState.OPPOSED}),
        TitleAct.DECIDED: frozenset({TitleState.OPPOSED}),
        TitleAct.ANNULLED: frozenset({TitleState.DRAFTED, TitleState.ISSUED, TitleState.SERVED}),
    },
    TitleKind.INJUNCTION: {
        TitleAct.FILED: frozenset({TitleState.DRAFTED}),
        TitleAct.GRANTED: frozenset({TitleState.FILED}),
        TitleAct.SERVED: frozenset({TitleState.GRANTED}),
        TitleAct.OPPOSED: frozenset({TitleState.SERVED}),
        TitleAct.HEARING: frozenset({TitleState.FILED, TitleState.OPPOSED}),
        TitleAct.DECIDED: frozenset({TitleState.OPPOSED}),
        TitleAct.ANNULLED: frozenset(
            {TitleState.DRAFTED, TitleState.FILED, TitleState.GRANTED, TitleState.SERVED}
        ),
    },
    TitleKind.ETAT_DE_PRODUITS: {},
}
"""Which state each act may follow (a new title is drafted only when none is current)."""

STATE_LABELS = {
    TitleState.NONE: "aucun titre",
    TitleState.DRAFTED: "projet à signer",
    TitleState.ISSUED: "décernée",
    TitleState.FILED: "requête déposée",
    TitleState.GRANTED: "ordonnance rendue",
    TitleState.SERVED: "signifiée",
    TitleState.OPPOSED: "frappée d'opposition",
    TitleState.ENFORCEABLE: "exécutoire",
    TitleState.ANNULLED: "annulée",
}
ACT_LABELS = {
    TitleAct.DRAFTED: "projet rédigé",
    TitleAct.ISSUED: "signée et décernée",
    TitleAct.FILED: "requête déposée au tribunal",
    TitleAct.GRANTED: "ordonnance d'injonction rendue",
    TitleAct.SERVED: "signifiée / notifiée",
    TitleAct.OPPOSED: "opposition formée",
    TitleAct.HEARING: "audience fixée",
    TitleAct.DECIDED: "décision du tribunal",
    TitleAct.ANNULLED: "annulée",
    TitleAct.ENFORCEABLE: "titre exécutoire",
}
KIND_LABELS = {
    TitleKind.CONTRAINTE: "contrainte",
    TitleKind.INJUNCTION: "injonction de payer",
    TitleKind.ETAT_DE_PRODUITS: "état de produits",
}


def check_act(
    kind: TitleKind, current: Derived, act: TitleAct, on: date, window_end: date | None
) -> str | None:
    """``None`` when ``act`` may follow the title's ``current`` state on ``on``; else why not (French)."""
    label = KIND_LABELS[kind]
    if current.since is not None and on < current.since:
        return f"acte daté du {on.isoformat()}, antérieur au dernier acte ({current.since.isoformat()})"
    if act is TitleAct.OPPOSED and current.state is TitleState.ENFORCEABLE and window_end is not None:
        return (
            f"opposition hors délai : le délai d'opposition à la {label} a expiré le {window_end.isoformat()}"
        )
    allowed = NEXT[kind].get(act, frozenset())
    if current.state not in allowed:
        return (
            f"{ACT_LABELS[act]} impossible : la {label} est {STATE_LABELS[current.state]}"
            if current.state is not TitleState.NONE
            else f"{ACT_LABELS[act]} impossible : aucune {label} en cours"
        )
    if act is TitleAct.OPPOSED and window_end is not None and on > window_end:
        return f"opposition hors délai : le délai expirait le {window_end.isoformat()}"
    return None
