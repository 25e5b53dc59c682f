"""``authorize(actor, action, on, subject)``: may this person do this, on this, on that day?

A pure function of its arguments and the roles file: the facts about the subject (who
established the claim, where it is placed, who proposed the decision) are loaded beforehand by
``recouvre.service.subjects``, so the rule is testable without a database. The checks, in
order, each refusing with its reason:

1. the action is one of the roles file's (else a programming error, ``ValueError``);
2. a role of the actor grants it, or a mandate of the actor valid on ``on`` does (a mandate is
   valid from ``valid_from`` to ``valid_until`` included, unless revoked on or before ``on``);
3. organism scope: a user attached to an organism acts only on that organism;
4. debtor scope: a debtor signed in to his own space does only the actions the roles file lets
   debtors do, and only on his own file and claims;
5. agency scope: a user attached to an agency (collection company, bailiff) does only the
   actions the roles file lets agencies do, and only on files placed with that agency on ``on``;
6. separation ordonnateur / comptable: whoever established a claim may not book its recovery
   nor write it off;
7. maker-checker: a decision proposed by one person is taken by another.

``on`` is the day the act is done (the API passes the clock's date), never a business date the
user types: nobody can backdate their way into a mandate or a placement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from recouvre.security.roles import RolePolicy, default_roles


class Forbidden(PermissionError):
    """The actor may not do the action on the subject; ``reason`` says why (in French)."""

    def __init__(self, action: str, reason: str) -> None:
        self.action = action
        self.reason = reason
        super().__init__(f"action={action!r}: {reason}")


@dataclass(frozen=True)
class MandateGrant:
    power: str
    valid_from: date
    valid_until: date
    revoked_on: date | None = None

    def valid_on(self, on: date) -> bool:
        if self.revoked_on is not None and self.revoked_on <= on:
            return False
        return self.valid_from <= on <= self.valid_until


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user (``user``), or the operator at the command line (``cli:…``)."""

    user: str
    roles: frozenset[str]
    organism: str | None = None
    """The organism the user works for; ``None``: every organism (network level)."""
    agency: str | None = None
    """The collection agency the user works for; ``None`` for the organism's own staff."""
    mandates: tuple[MandateGrant, ...] = ()
    debtor: str | None = None
    """A debtor signed in to his own space (``/debiteur/``): his reference; he acts only on his
    own file (``Subject.owner``), and only the actions the roles file lets debtors do."""


@dataclass(frozen=True)
class Subject:
    """What an action bears on, with the facts the rules need."""

    organism: str | None = None
    claim: str | None = None
    debtor: str | None = None
    established_by: str | None = None
    """Who established the claim (``claim_authors``), when known."""
    placed_with: frozenset[str] = field(default_factory=frozenset)
    """The agencies the claim (or one of the debtor's claims) is placed with on the day."""
    proposed_by: str | None = None
    """Who proposed the decision being taken."""
    owner: str | None = None
    """The reference of the debtor the claim (or the file) belongs to, when known: a debtor in his
    own space acts only when it is his (not shown in ``describe``)."""

    def describe(self) -> str:
        parts = [
            part
            for part in (
                self.organism,
                f"débiteur {self.debtor}" if self.debtor else None,
                f"créance {self.claim}" if self.claim else None,
            )
            if part
        ]
        return " ".join(parts)


NOTHING = Subject()


def may(actor: Actor, action: str, on: date, policy: RolePolicy) -> bool:
    """Whether a role or a valid mandate gives the actor ``action`` (check 2 alone)."""
    if action in policy.granted(actor.roles):
        return True
    powers = policy.powers_for(action)
    return any(grant.power in powers and grant.valid_on(on) for grant in actor.mandates)


def authorize(
    actor: Actor, action: str, on: date, subject: Subject = NOTHING, *, policy: RolePolicy | None = None
) -> None:
    """Return when the actor may do ``action`` on ``subject`` on ``on``; raise ``Forbidden`` otherwise."""
    rules = policy or default_roles()
    if action not in rules.actions:
        raise ValueError(f"action={action!r}: not in the roles file")
    if not may(actor, action, on, rules):
        held = ", ".join(sorted(actor.roles)) or "aucun rôle"
        raise Forbidden(action, f"{rules.actions[action]} : non permis à {actor.user} ({held})")
    if actor.organism is not None and subject.organism is not None and subject.organism != actor.organism:
        raise Forbidden(action, f"{actor.user} travaille pour {actor.organism}, pas pour {subject.organism}")
    if actor.debtor is not None:
        if action not in rules.debtor_may:
            raise Forbidden(action, f"{rules.actions[action]} : non permis dans l'espace débiteur")
        if (subject.claim or subject.debtor) and subject.owner != actor.debtor:
            raise Forbidden(action, f"{subject.describe()} : pas le dossier du débiteur {actor.debtor}")
    if actor.agency is not None:
        if action not in rules.agency_may:
            raise Forbidden(action, f"{rules.actions[action]} : non permis à une agence")
        if (subject.claim or subject.debtor) and actor.agency not in subject.placed_with:
            raise Forbidden(action, f"dossier non confié à l'agence {actor.agency} au {on.isoformat()}")
    if action in rules.claim_author_may_not and subject.established_by == actor.user:
        raise Forbidden(
            action,
            f"{actor.user} a constaté la créance {subject.claim} : séparation ordonnateur / comptable",
        )
    if action in rules.second_person and subject.proposed_by == actor.user:
        raise Forbidden(action, f"{actor.user} a proposé cette décision : une autre personne la prend")
