"""Users, sign-in and API tokens.

* A password is stored only as its argon2id hash; it is never logged, echoed nor audited.
* Failed sign-ins are throttled per client address and per name, known or not, with growing
  delays and never a lock (``recouvre.security.throttle``, ``recouvre.security.settings``); a
  throttled attempt is refused before any hashing. Unknown, disabled and wrong-password attempts
  get the same answer and cost the same argon2 verification (against a decoy hash for a name
  without a usable one); at most ``ARGON2_CONCURRENCY`` verifications run at once.
* A token is 256 random bits shown once to its holder; the database keeps its SHA-256 only
  (a fast hash is enough for a value that cannot be guessed), with an expiry.

Every change (a user added, disabled; a sign-in, a failed one) is appended to the audit trail
in the same transaction as the change itself.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from recouvre.domain.errors import NotFound
from recouvre.domain.model import DomainError
from recouvre.security.authorization import Actor, MandateGrant
from recouvre.security.roles import default_roles
from recouvre.security.settings import (
    ARGON2_CONCURRENCY,
    ARGON2_WAIT_SECONDS,
    MIN_PASSWORD_LENGTH,
    TOKEN_BYTES,
    TOKEN_LIFETIME,
)
from recouvre.security.throttle import Throttled
from recouvre.service import trail
from recouvre.service.context import Services
from recouvre.storage import repository
from recouvre.storage.back_office_tables import (
    ApiTokenRow,
    MandateRow,
    UserActivationRow,
    UserChangeRow,
    UserRow,
)

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
AGENCY_ROLE = "collection_agency"
AGENCY_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
"""An agency's code, as its contract names it (``agencies.code``)."""
SYSTEM_ROLE = "system"
DEBTOR_ROLE = "debtor"
"""The role of a debtor signed in to his own space (``service.debtor_space``): never a user's."""
"""The role of the batch runs' account (``roles.yaml``): never given to a user."""
SYSTEM_ACTOR = Actor(user="system", roles=frozenset({SYSTEM_ROLE}))
"""Who acts when a batch run is started at the command line without ``--as``."""
MAX_PASSWORD_LENGTH = 1024
UNUSABLE_PASSWORD = "!"
"""The password hash of an account whose holder has not set his password yet: matches nothing."""
ACTIVATION_LIFETIME = timedelta(hours=72)
"""How long a one-time activation link is valid."""
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


SIGN_IN_REFUSED = "nom d'utilisateur ou mot de passe incorrect"
"""The one answer to an unknown name, a wrong password and a disabled account."""


class SignInRefused(Exception):
    """Wrong name or password, or disabled account: the same ``reason`` for all (safe to show)."""

    def __init__(self, reason: str = SIGN_IN_REFUSED) -> None:
        self.reason = reason
        super().__init__(reason)


class SignInThrottled(Exception):
    """Too many failures from this address or on this name: retry after ``retry_after`` seconds.
    Raised before any hashing; the same for known and unknown names."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        self.reason = "trop de tentatives de connexion"
        super().__init__(self.reason)


class SignInBusy(Exception):
    """Every password-verification slot stayed taken: retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: int = 1) -> None:
        self.retry_after = retry_after
        self.reason = "service de connexion saturé"
        super().__init__(self.reason)


ARGON2_SLOTS = threading.BoundedSemaphore(ARGON2_CONCURRENCY)
"""Per process: argon2 verifications running at once (each takes a core and tens of MiB)."""


class Unauthenticated(Exception):
    """No valid token: missing, unknown, expired, revoked, or its user disabled."""


ARGON2_TIME_COST: Final = 2
ARGON2_MEMORY_KIB: Final = 19_456
ARGON2_LANES: Final = 1
"""argon2id with 19 MiB of memory, 2 passes and 1 lane: the first configuration of OWASP's
Password Storage Cheat Sheet ("Argon2id", minimum configuration), about 25 ms of one core here.
argon2-cffi's default (RFC 9106's low-memory option: 64 MiB, 3 passes, 4 lanes) costs 200 ms of
CPU per check: fifty people signing in at the start of the day then held the other requests
for seconds on a 2-core server (issue 15, load). Hashes made with other parameters still verify
and are rewritten with these at the next successful sign-in (``check_needs_rehash``)."""


@cache
def hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_LANES)


@cache
def _decoy_hash() -> str:
    """A hash to verify against when the name is unknown, so both cases take the same time."""
    return hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return hasher().hash(password)


def password_matches(stored: str, password: str) -> bool:
    try:
        return hasher().verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def aware(moment: datetime) -> datetime:
    """SQLite gives timestamps back without their zone: they were written in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@dataclass(frozen=True)
class UserView:
    username: str
    full_name: str
    roles: tuple[str, ...]
    organism: str | None
    agency: str | None
    active: bool
    locked_until: datetime | None
    created_at: datetime
    disabled: bool = False

    def audit(self) -> dict[str, object]:
        return {
            "username": self.username,
            "roles": list(self.roles),
            "organism": self.organism,
            "agency": self.agency,
            "active": self.active,
        }


def _view(row: UserRow) -> UserView:
    return UserView(
        username=row.username,
        full_name=row.full_name,
        roles=tuple(sorted(row.roles)),
        organism=row.organism,
        agency=row.agency,
        active=row.active,
        locked_until=None if row.locked_until is None else aware(row.locked_until),
        created_at=aware(row.created_at),
        disabled=row.disabled_at is not None,
    )


def _user_row(session: Session, username: str) -> UserRow:
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    if row is None:
        raise NotFound("user", username, "utilisateur inconnu")
    return row


def check_password(password: str, username: str) -> None:
    """Length rules only (ANSSI): at least ``MIN_PASSWORD_LENGTH`` characters, not the name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError("password", "(hidden)", f"au moins {MIN_PASSWORD_LENGTH} caractères")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise DomainError("password", "(hidden)", f"au plus {MAX_PASSWORD_LENGTH} caractères")
    if password.strip().lower() == username.lower():
        raise DomainError("password", "(hidden)", "doit être différent de l'identifiant")


def check_user(
    session: Session, username: str, roles: Iterable[str], organism: str | None, agency: str | None
) -> tuple[str, ...]:
    if not NAME.match(username):
        raise DomainError(
            "username",
            username,
            "de 1 à 64 caractères parmi a-z 0-9 . _ -, commençant par une lettre ou un chiffre",
        )
    known = default_roles().roles
    chosen = tuple(sorted(set(roles)))
    if not chosen:
        raise DomainError("roles", [], f"au moins un rôle parmi {', '.join(sorted(known))}")
    for role in chosen:
        if role not in known:
            raise DomainError("roles", role, f"rôle inconnu ; un rôle parmi {', '.join(sorted(known))}")
        if role == SYSTEM_ROLE:
            raise DomainError(
                "roles", role, "le rôle des traitements par lots n'est donné à aucun utilisateur"
            )
        if role == DEBTOR_ROLE:
            raise DomainError(
                "roles",
                role,
                "un débiteur se connecte à son espace avec un code à usage unique, pas comme utilisateur",
            )
    if username == SYSTEM_ACTOR.user:
        raise DomainError("username", username, "réservé au compte des traitements par lots")
    if AGENCY_ROLE in chosen:
        if agency is None or not AGENCY_CODE.match(agency):  # the code of an agency's contract
            raise DomainError(
                "agency", agency, "un compte d'agence de recouvrement nomme son agence (A-Z a-z 0-9 . _ -)"
            )
        if len(chosen) > 1:
            raise DomainError(
                "roles",
                list(chosen),
                "le rôle d'agence de recouvrement ne se combine avec aucun rôle interne",
            )
    elif agency is not None:
        raise DomainError("agency", agency, "seul un compte d'agence de recouvrement appartient à une agence")
    conflicts = default_roles().conflicts(frozenset(chosen))
    if conflicts:
        raise DomainError("roles", list(chosen), "rôles incompatibles : " + " ; ".join(conflicts))
    if organism is not None and repository.organism_id(session, organism) is None:
        raise NotFound("organism", organism, "organisme inconnu")
    return chosen


def _new_user(
    session: Session,
    username: str,
    roles: Iterable[str],
    full_name: str,
    organism: str | None,
    agency: str | None,
    password_hash: str,
    *,
    active: bool,
    at: datetime,
) -> UserRow:
    """A new account row, its roles checked (``check_user``); an existing name is refused."""
    chosen = check_user(session, username, roles, organism, agency)
    if session.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
        raise DomainError("username", username, "existe déjà")
    row = UserRow(
        username=username,
        full_name=full_name[:200],
        password_hash=password_hash,
        roles=list(chosen),
        organism=organism,
        agency=agency,
        active=active,
        failed_sign_ins=0,
        created_at=at,
    )
    session.add(row)
    session.flush()
    return row


def add_user(
    services: Services,
    username: str,
    password: str,
    roles: Iterable[str],
    *,
    full_name: str = "",
    organism: str | None = None,
    agency: str | None = None,
    by: str,
    why: str = "",
) -> UserView:
    """Create a user; an existing name is refused (accounts are never silently replaced)."""
    check_password(password, username)
    digest = hash_password(password)
    with trail.unit_of_work(services) as session:
        row = _new_user(
            session, username, roles, full_name, organism, agency, digest, active=True, at=services.clock()
        )
        view = _view(row)
        trail.append(
            session,
            trail.Entry(
                by, "users.add", organism=organism, subject=f"user {username}", why=why, after=view.audit()
            ),
            services.clock(),
        )
        return view


@dataclass(frozen=True)
class Activation:
    """A one-time link, shown once to whoever hands it to the user (the database keeps its hash)."""

    token: str
    expires_at: datetime

    @property
    def link(self) -> str:
        return f"/activer/{self.token}"


@dataclass(frozen=True)
class UserChangeView:
    id: int
    username: str
    kind: str
    roles: tuple[str, ...]
    previous_roles: tuple[str, ...] | None
    status: str
    proposed_by: str
    proposed_at: datetime
    why: str
    decided_by: str | None
    decided_at: datetime | None

    def audit(self) -> dict[str, object]:
        return {
            "change": self.id,
            "username": self.username,
            "kind": self.kind,
            "roles": list(self.roles),
            "previous_roles": None if self.previous_roles is None else list(self.previous_roles),
            "status": self.status,
            "proposed_by": self.proposed_by,
            "decided_by": self.decided_by,
        }


@dataclass(frozen=True)
class Administered:
    """The outcome of an act of user administration: the user, the change (when one was
    proposed or decided) and the activation link (when one was issued, shown once)."""

    user: UserView
    change: UserChangeView | None = None
    activation: Activation | None = None


def _change_view(row: UserChangeRow, username: str) -> UserChangeView:
    return UserChangeView(
        id=row.id,
        username=username,
        kind=row.kind,
        roles=tuple(row.roles),
        previous_roles=None if row.previous_roles is None else tuple(row.previous_roles),
        status=row.status,
        proposed_by=row.proposed_by,
        proposed_at=aware(row.proposed_at),
        why=row.why,
        decided_by=row.decided_by,
        decided_at=None if row.decided_at is None else aware(row.decided_at),
    )


def _pending_row(session: Session, user: UserRow) -> UserChangeRow | None:
    return session.scalar(
        select(UserChangeRow).where(UserChangeRow.user_id == user.id, UserChangeRow.status == PENDING)
    )


ACTIVATION_TOKEN_PREFIX: Final = "rca_"
API_TOKEN_PREFIX: Final = "rct_"


def new_token(prefix: str) -> str:
    """A random secret behind a readable prefix: the prefix tells an activation link from an
    API token (and lets secret scanners spot a leaked one), and it keeps the token from starting
    with ``-``, which a command line would read as an option (1 URL-safe token in 64 did)."""
    return prefix + secrets.token_urlsafe(TOKEN_BYTES)


def _issue_activation(session: Session, user: UserRow, now: datetime) -> Activation:
    """A new one-time link for ``user``; the links issued before stop working."""
    session.execute(
        update(UserActivationRow)
        .where(UserActivationRow.user_id == user.id, UserActivationRow.used_at.is_(None))
        .values(used_at=now)
    )
    token = new_token(ACTIVATION_TOKEN_PREFIX)
    expires = now + ACTIVATION_LIFETIME
    session.add(
        UserActivationRow(user_id=user.id, token_hash=token_digest(token), created_at=now, expires_at=expires)
    )
    session.flush()
    return Activation(token, expires)


def propose_user(
    services: Services,
    username: str,
    roles: Iterable[str],
    *,
    full_name: str = "",
    organism: str | None = None,
    agency: str | None = None,
    by: str,
    why: str = "",
) -> Administered:
    """Create an inactive account without a password. With a financial role (``roles.yaml``)
    the creation waits for another person's approval (``approve_change``); otherwise the
    one-time activation link is issued at once. Audited by the caller's act (``door.act``)."""
    now = services.clock()
    with services.db.unit_of_work() as session:
        row = _new_user(
            session, username, roles, full_name, organism, agency, UNUSABLE_PASSWORD, active=False, at=now
        )
        chosen = tuple(row.roles)
        approval = default_roles().needs_approval(frozenset(chosen))
        change = UserChangeRow(
            user_id=row.id,
            kind="create",
            roles=list(chosen),
            previous_roles=None,
            status=PENDING if approval else APPROVED,
            proposed_by=by,
            proposed_at=now,
            why=why,
        )
        session.add(change)
        session.flush()
        activation = None if approval else _issue_activation(session, row, now)
        return Administered(_view(row), _change_view(change, username), activation)


def propose_roles(
    services: Services, username: str, roles: Iterable[str], *, by: str, why: str = ""
) -> Administered:
    """Change a user's roles: at once when no financial role is given or taken away, else a
    pending change that another person approves (``approve_change``)."""
    now = services.clock()
    with services.db.unit_of_work() as session:
        row = _user_row(session, username)
        chosen = check_user(session, username, roles, row.organism, row.agency)
        if _pending_row(session, row) is not None:
            raise DomainError("username", username, "une modification de ce compte attend déjà une décision")
        previous = tuple(sorted(row.roles))
        if previous == chosen:
            raise DomainError("roles", list(chosen), "ce sont déjà les rôles de l'utilisateur")
        approval = default_roles().needs_approval(frozenset(chosen) ^ frozenset(previous))
        change = UserChangeRow(
            user_id=row.id,
            kind="roles",
            roles=list(chosen),
            previous_roles=list(previous),
            status=PENDING if approval else APPROVED,
            proposed_by=by,
            proposed_at=now,
            why=why,
        )
        session.add(change)
        if not approval:
            row.roles = list(chosen)
        session.flush()
        return Administered(_view(row), _change_view(change, username))


def pending_change(services: Services, username: str) -> UserChangeView:
    with services.db.unit_of_work() as session:
        row = _user_row(session, username)
        change = _pending_row(session, row)
        if change is None:
            raise NotFound("user change", username, "aucune modification en attente pour ce compte")
        return _change_view(change, username)


def decide_change(
    services: Services, username: str, *, approve: bool, by: str, why: str = ""
) -> Administered:
    """Approve or reject the pending change of ``username``; approving a creation issues the
    one-time activation link (shown to the approver, who hands it to the user)."""
    now = services.clock()
    with services.db.unit_of_work() as session:
        row = _user_row(session, username)
        change = _pending_row(session, row)
        if change is None:
            raise NotFound("user change", username, "aucune modification en attente pour ce compte")
        change.status = APPROVED if approve else REJECTED
        change.decided_by = by
        change.decided_at = now
        change.decision_why = why
        activation: Activation | None = None
        if approve and change.kind == "create":
            activation = _issue_activation(session, row, now)
        elif approve:
            conflicts = default_roles().conflicts(frozenset(change.roles))
            if conflicts:  # the roles file may have changed since the proposal
                raise DomainError("roles", change.roles, "rôles incompatibles : " + " ; ".join(conflicts))
            row.roles = list(change.roles)
        elif change.kind == "create" and row.disabled_at is None:
            row.disabled_at = now  # a rejected creation: the account never opens
        session.flush()
        return Administered(_view(row), _change_view(change, username), activation)


def reissue_activation(services: Services, username: str) -> Administered:
    """A new one-time link for an approved account not activated yet (the former one lapsed)."""
    now = services.clock()
    with services.db.unit_of_work() as session:
        row = _user_row(session, username)
        created = session.scalar(
            select(UserChangeRow).where(UserChangeRow.user_id == row.id, UserChangeRow.kind == "create")
        )
        if row.active or row.disabled_at is not None or created is None or created.status != APPROVED:
            raise DomainError("username", username, "seul un compte approuvé et jamais activé reçoit un lien")
        return Administered(_view(row), _change_view(created, username), _issue_activation(session, row, now))


def activation_user(services: Services, token: str) -> str:
    """The name of the user a valid, unused activation token is for; ``Unauthenticated`` otherwise."""
    with services.db.unit_of_work() as session:
        return _activation(session, token, services.clock())[1].username


def _activation(session: Session, token: str, now: datetime) -> tuple[UserActivationRow, UserRow]:
    found = session.execute(
        select(UserActivationRow, UserRow)
        .join(UserRow, UserRow.id == UserActivationRow.user_id)
        .where(UserActivationRow.token_hash == token_digest(token))
    ).first()
    if found is None:
        raise Unauthenticated("lien d'activation inconnu")
    link, user = found
    if link.used_at is not None:
        raise Unauthenticated("lien d'activation déjà utilisé")
    if aware(link.expires_at) <= now:
        raise Unauthenticated("lien d'activation expiré")
    if user.disabled_at is not None:
        raise Unauthenticated("compte désactivé")
    return link, user


def activate(services: Services, token: str, password: str) -> UserView:
    """The user sets his own password with his one-time link; the account opens. Audited by
    the caller's act (``door.act``) under the user's name."""
    now = services.clock()
    with services.db.unit_of_work() as session:
        link, user = _activation(session, token, now)
        check_password(password, user.username)
    digest = hash_password(password)
    with services.db.unit_of_work() as session:
        link, user = _activation(session, token, now)
        link.used_at = now
        user.password_hash = digest
        user.active = True
        user.failed_sign_ins = 0
        session.flush()
        return _view(user)


def may_approve_exists(services: Services) -> bool:
    """Whether an active user may approve user changes (``users.approve``); while none does,
    the system account approves at the command line (the first director, bootstrap)."""
    policy = default_roles()
    with services.db.unit_of_work() as session:
        for roles in session.scalars(select(UserRow.roles).where(UserRow.active.is_(True))):
            if "users.approve" in policy.granted(frozenset(roles)):
                return True
    return False


def list_users(services: Services) -> list[UserView]:
    with services.db.unit_of_work() as session:
        return [_view(row) for row in session.scalars(select(UserRow).order_by(UserRow.username))]


def get_user(services: Services, username: str) -> UserView:
    with services.db.unit_of_work() as session:
        return _view(_user_row(session, username))


def disable_user(services: Services, username: str, *, by: str, why: str = "") -> UserView:
    """Disable a user and revoke their tokens; their past acts stay attributed to them."""
    with trail.unit_of_work(services) as session:
        row = _user_row(session, username)
        before = _view(row).audit()
        now = services.clock()
        if row.active:
            row.active = False
            row.disabled_at = now
            session.execute(
                update(ApiTokenRow)
                .where(ApiTokenRow.user_id == row.id, ApiTokenRow.revoked_at.is_(None))
                .values(revoked_at=now)
            )
        view = _view(row)
        trail.append(
            session,
            trail.Entry(
                by,
                "users.disable",
                organism=row.organism,
                subject=f"user {username}",
                why=why,
                before=before,
                after=view.audit(),
            ),
            now,
        )
        return view


def _verify_bounded(stored: str, password: str) -> bool:
    """``password_matches`` in one of the ``ARGON2_SLOTS``, waiting at most ``ARGON2_WAIT_SECONDS``."""
    if not ARGON2_SLOTS.acquire(timeout=ARGON2_WAIT_SECONDS):
        raise SignInBusy()
    try:
        return password_matches(stored, password)
    finally:
        ARGON2_SLOTS.release()


def sign_in(services: Services, username: str, password: str, *, address: str | None = None) -> UserView:
    """Check a name and password from client ``address`` (``None``: not known, e.g. in-process).

    A throttled attempt raises ``SignInThrottled`` before anything is read or hashed; an unknown
    name, a disabled account and a wrong password all raise the same ``SignInRefused`` after the
    same argon2 verification; every outcome but a throttled one is audited with its real reason.
    """
    username = username[:64]
    try:
        reservation = services.throttle.reserve(services.clock(), address=address, account=username)
    except Throttled as throttled:
        raise SignInThrottled(throttled.retry_after) from None
    succeeded = False
    try:
        with services.db.unit_of_work() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username))
            usable = row is not None and row.active
            stored = row.password_hash if row is not None and usable else _decoy_hash()
        # outside any transaction: hashing is slow on purpose
        matches = _verify_bounded(stored, password) and usable
        now = services.clock()
        with trail.unit_of_work(services) as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username))
            why = ""
            if row is None:
                why = "utilisateur inconnu"
            elif not row.active:
                why = "compte désactivé"
            elif not matches:
                why = "mot de passe incorrect"
            trail.append(
                session,
                trail.Entry(
                    username,
                    "auth.sign_in",
                    outcome="denied" if why else "done",
                    organism=None if row is None else row.organism,
                    subject=f"user {username}",
                    why=why,
                ),
                now,
            )
            if not why and row is not None:
                if hasher().check_needs_rehash(row.password_hash):
                    row.password_hash = hasher().hash(password)
                succeeded = True
                return _view(row)
        raise SignInRefused()
    except SignInBusy:
        services.throttle.release(reservation, succeeded=False)  # not a failure: nothing was checked
        raise
    finally:
        if succeeded:
            services.throttle.release(reservation, succeeded=True)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    user: UserView


def issue_token(
    services: Services, username: str, password: str, *, address: str | None = None
) -> IssuedToken:
    """Sign in and issue a bearer token, shown once (the database keeps its hash only)."""
    user = sign_in(services, username, password, address=address)
    token = new_token(API_TOKEN_PREFIX)
    now = services.clock()
    expires = now + TOKEN_LIFETIME
    with services.db.unit_of_work() as session:
        row = _user_row(session, username)
        session.add(
            ApiTokenRow(token_hash=token_digest(token), user_id=row.id, created_at=now, expires_at=expires)
        )
    return IssuedToken(token, expires, user)


def revoke_token(services: Services, token: str) -> bool:
    with services.db.unit_of_work() as session:
        row = session.scalar(select(ApiTokenRow).where(ApiTokenRow.token_hash == token_digest(token)))
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = services.clock()
        return True


def _actor(session: Session, row: UserRow) -> Actor:
    grants = session.scalars(select(MandateRow).where(MandateRow.user_id == row.id).order_by(MandateRow.id))
    return Actor(
        user=row.username,
        roles=frozenset(row.roles),
        organism=row.organism,
        agency=row.agency,
        mandates=tuple(
            MandateGrant(grant.power, grant.valid_from, grant.valid_until, grant.revoked_on)
            for grant in grants
        ),
    )


def actor_from_token(services: Services, token: str) -> Actor:
    """The active user a valid token belongs to, with roles and mandates."""
    now = services.clock()
    with services.db.unit_of_work() as session:
        found = session.execute(
            select(ApiTokenRow, UserRow)
            .join(UserRow, UserRow.id == ApiTokenRow.user_id)
            .where(ApiTokenRow.token_hash == token_digest(token))
        ).first()
        if found is None:
            raise Unauthenticated("jeton inconnu")
        token_row, user = found
        if token_row.revoked_at is not None:
            raise Unauthenticated("jeton révoqué")
        if aware(token_row.expires_at) <= now:
            raise Unauthenticated("jeton expiré")
        if not user.active:
            raise Unauthenticated("compte désactivé")
        return _actor(session, user)


def actor_of(services: Services, username: str) -> Actor:
    """The actor of an active user (for tests and the web pages' session)."""
    with services.db.unit_of_work() as session:
        row = _user_row(session, username)
        if not row.active:
            raise Unauthenticated("compte désactivé")
        return _actor(session, row)


def acting_user(services: Services, username: str) -> Actor:
    """The actor of the user named at the command line (``--as``): known and active, else
    ``Unauthenticated`` with the reason; the same ``Actor`` as the API builds from a token."""
    with services.db.unit_of_work() as session:
        row = session.scalar(select(UserRow).where(UserRow.username == username))
        if row is None:
            raise Unauthenticated(f"utilisateur inconnu : {username}")
        if not row.active:
            raise Unauthenticated(f"compte désactivé : {username}")
        return _actor(session, row)


def has_users(services: Services) -> bool:
    """Whether any user exists (an empty installation's first user is added by the system)."""
    with services.db.unit_of_work() as session:
        return session.scalar(select(UserRow.id).limit(1)) is not None
