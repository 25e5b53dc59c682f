"""Mandates: powers the director delegates to a named user for a period (RULES.md "Roles":
only the directeur represents the body in court and mandates agents to sign contraintes and
payment injunctions and to represent it).

A mandate is valid from ``valid_from`` to ``valid_until`` (both included) unless revoked: a
revocation on day D ends it from D on. Nothing is deleted: a revoked mandate stays, with who
revoked it, so that an act signed under it can be checked later. Each grant and revocation is
appended to the audit trail in its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from recouvre.domain.errors import NotFound
from recouvre.domain.model import DomainError
from recouvre.security.roles import default_roles
from recouvre.service import trail
from recouvre.service.context import Services
from recouvre.storage.back_office_tables import MandateRow, UserRow


@dataclass(frozen=True)
class MandateView:
    id: int
    username: str
    organism: str | None
    power: str
    valid_from: date
    valid_until: date
    granted_by: str
    why: str
    revoked_on: date | None
    revoked_by: str | None

    def valid_on(self, on: date) -> bool:
        if self.revoked_on is not None and self.revoked_on <= on:
            return False
        return self.valid_from <= on <= self.valid_until

    def audit(self) -> dict[str, object]:
        return {
            "id": self.id,
            "user": self.username,
            "power": self.power,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "revoked_on": self.revoked_on,
        }


def _view(row: MandateRow, user: UserRow) -> MandateView:
    return MandateView(
        id=row.id,
        username=user.username,
        organism=user.organism,
        power=row.power,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        granted_by=row.granted_by,
        why=row.why,
        revoked_on=row.revoked_on,
        revoked_by=row.revoked_by,
    )


def grant_mandate(
    services: Services,
    username: str,
    power: str,
    valid_from: date,
    valid_until: date,
    *,
    by: str,
    why: str,
) -> MandateView:
    powers = default_roles().mandates
    if power not in powers:
        raise DomainError("power", power, f"une valeur parmi {', '.join(sorted(powers))}")
    if valid_until < valid_from:
        raise DomainError(
            "valid_until", valid_until.isoformat(), f"avant le début de validité ({valid_from.isoformat()})"
        )
    if not why.strip():
        raise DomainError("why", why, "un mandat donne son motif")
    with trail.unit_of_work(services) as session:
        user = session.scalar(select(UserRow).where(UserRow.username == username))
        if user is None:
            raise NotFound("user", username, "utilisateur inconnu")
        if not user.active:
            raise DomainError("user", username, "est désactivé")
        if user.agency is not None:
            raise DomainError(
                "user", username, "un compte d'agence ne peut pas détenir un mandat de l'organisme"
            )
        row = MandateRow(
            user_id=user.id,
            power=power,
            valid_from=valid_from,
            valid_until=valid_until,
            granted_by=by,
            granted_at=services.clock(),
            why=why,
        )
        session.add(row)
        session.flush()
        view = _view(row, user)
        trail.append(
            session,
            trail.Entry(
                by,
                "mandates.grant",
                organism=user.organism,
                subject=f"user {username}",
                on=valid_from,
                why=why,
                after=view.audit(),
            ),
            services.clock(),
        )
        return view


def revoke_mandate(services: Services, mandate_id: int, on: date, *, by: str, why: str) -> MandateView:
    if not why.strip():
        raise DomainError("why", why, "une révocation donne son motif")
    with trail.unit_of_work(services) as session:
        found = session.execute(
            select(MandateRow, UserRow)
            .join(UserRow, UserRow.id == MandateRow.user_id)
            .where(MandateRow.id == mandate_id)
        ).first()
        if found is None:
            raise NotFound("mandate", mandate_id, "mandat introuvable")
        row, user = found
        if row.revoked_on is not None:
            raise DomainError("mandate", mandate_id, f"déjà révoqué le {row.revoked_on.isoformat()}")
        before = _view(row, user).audit()
        row.revoked_on = on
        row.revoked_by = by
        session.flush()
        view = _view(row, user)
        trail.append(
            session,
            trail.Entry(
                by,
                "mandates.revoke",
                organism=user.organism,
                subject=f"user {user.username}",
                on=on,
                why=why,
                before=before,
                after=view.audit(),
            ),
            services.clock(),
        )
        return view


def get_mandate(services: Services, mandate_id: int) -> MandateView:
    with services.db.unit_of_work() as session:
        found = session.execute(
            select(MandateRow, UserRow)
            .join(UserRow, UserRow.id == MandateRow.user_id)
            .where(MandateRow.id == mandate_id)
        ).first()
        if found is None:
            raise NotFound("mandate", mandate_id, "mandat introuvable")
        row, user = found
        return _view(row, user)


def list_mandates(
    services: Services, *, username: str | None = None, organism: str | None = None
) -> list[MandateView]:
    """Every mandate (revoked ones included), of one user or of one organism's users."""
    query = select(MandateRow, UserRow).join(UserRow, UserRow.id == MandateRow.user_id)
    if username is not None:
        query = query.where(UserRow.username == username)
    if organism is not None:
        query = query.where(UserRow.organism == organism)
    with services.db.unit_of_work() as session:
        return [_view(row, user) for row, user in session.execute(query.order_by(MandateRow.id))]
