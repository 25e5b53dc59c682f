"""Users, passwords, sign-in lock, tokens; and the `recouvre users` commands."""

from __future__ import annotations

from datetime import timedelta

import pytest
import typer
from argon2 import PasswordHasher
from sqlalchemy import select, update
from typer.testing import CliRunner

from recouvre.cli import users as users_cli
from recouvre.cli.common import CliState
from recouvre.domain.model import DomainError
from recouvre.security.settings import ACCOUNT_FREE_FAILURES, ACCOUNT_MAX_DELAY, TOKEN_LIFETIME
from recouvre.service import NotFound, Services, accounts, trail
from recouvre.storage.back_office_tables import ApiTokenRow, UserRow

from .conftest import ORG, PASSWORD, Clock


def test_passwords_are_stored_as_argon2id_with_the_recommended_costs(
    services: Services, clock: Clock
) -> None:
    accounts.add_user(services, "alice", PASSWORD, ["case_worker"], organism=ORG, by="cli:test")
    with services.db.unit_of_work() as session:
        stored = session.scalar(select(UserRow.password_hash).where(UserRow.username == "alice"))
    # OWASP's first Argon2id configuration (accounts.ARGON2_*): 19 MiB, 2 passes, 1 lane.
    assert stored is not None and stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in stored
    assert accounts.sign_in(services, "alice", PASSWORD).username == "alice"


def test_a_hash_made_with_other_costs_still_signs_in_and_is_rewritten(
    services: Services, clock: Clock
) -> None:
    accounts.add_user(services, "bob", PASSWORD, ["case_worker"], organism=ORG, by="cli:test")
    older = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(PASSWORD)
    with services.db.unit_of_work() as session:
        session.execute(update(UserRow).where(UserRow.username == "bob").values(password_hash=older))
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in(services, "bob", "pas le bon mot de passe")
    with services.db.unit_of_work() as session:
        assert session.scalar(select(UserRow.password_hash).where(UserRow.username == "bob")) == older
    assert accounts.sign_in(services, "bob", PASSWORD).username == "bob"
    with services.db.unit_of_work() as session:
        stored = session.scalar(select(UserRow.password_hash).where(UserRow.username == "bob"))
    assert stored is not None and stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    clock.advance(timedelta(seconds=5))
    assert accounts.sign_in(services, "bob", PASSWORD).username == "bob"


@pytest.mark.usefixtures("cheap")
def test_user_checks_name_the_field(services: Services, clock: Clock) -> None:
    cases = [
        (("Bad Name", PASSWORD, ["case_worker"]), {}, "username"),
        (("bob", "court", ["case_worker"]), {}, "password"),
        (("bob", "bob", ["case_worker"]), {}, "password"),
        (("bob", PASSWORD, []), {}, "roles"),
        (("bob", PASSWORD, ["chef"]), {}, "roles"),
        (("bob", PASSWORD, ["collection_agency"]), {}, "agency"),
        (("bob", PASSWORD, ["collection_agency", "case_worker"]), {"agency": "acme"}, "roles"),
        (("bob", PASSWORD, ["case_worker"]), {"agency": "acme"}, "agency"),
    ]
    for args, kwargs, field in cases:
        with pytest.raises(DomainError) as raised:
            accounts.add_user(services, *args, by="t", **kwargs)  # type: ignore[arg-type]
        assert raised.value.field == field, (args, kwargs)
        assert "court" not in str(raised.value)
    with pytest.raises(NotFound):
        accounts.add_user(services, "bob", PASSWORD, ["case_worker"], organism="CAF-99", by="t")
    accounts.add_user(services, "bob", PASSWORD, ["case_worker"], by="t")
    with pytest.raises(DomainError, match="existe déjà"):
        accounts.add_user(services, "bob", PASSWORD, ["manager"], by="t")


@pytest.mark.usefixtures("cheap")
def test_repeated_failures_are_throttled_never_locked(services: Services, clock: Clock) -> None:
    accounts.add_user(services, "alice", PASSWORD, ["case_worker"], by="t")
    for _ in range(ACCOUNT_FREE_FAILURES):
        with pytest.raises(accounts.SignInRefused, match="incorrect"):
            accounts.sign_in(services, "alice", "pas le bon mot de passe")
    # the name's window is open: even the right password waits, without being checked
    with pytest.raises(accounts.SignInThrottled) as throttled:
        accounts.sign_in(services, "alice", PASSWORD)
    assert 1 <= throttled.value.retry_after <= ACCOUNT_MAX_DELAY.total_seconds()
    clock.advance(ACCOUNT_MAX_DELAY)
    assert accounts.sign_in(services, "alice", PASSWORD).locked_until is None
    # a success clears the name's count: the free failures are free again
    for _ in range(ACCOUNT_FREE_FAILURES):
        with pytest.raises(accounts.SignInRefused, match="incorrect"):
            accounts.sign_in(services, "alice", "faux")
    clock.advance(ACCOUNT_MAX_DELAY)
    accounts.sign_in(services, "alice", PASSWORD)
    with pytest.raises(accounts.SignInRefused, match="incorrect"):
        accounts.sign_in(services, "nobody", PASSWORD)
    outcomes = [(row.actor, row.outcome) for row in trail.show(services, 100, action="auth.sign_in")]
    assert ("nobody", "denied") in outcomes and ("alice", "done") in outcomes


@pytest.mark.usefixtures("cheap")
def test_tokens_expire_are_revoked_and_stored_hashed(services: Services, clock: Clock) -> None:
    accounts.add_user(services, "alice", PASSWORD, ["case_worker"], organism=ORG, by="t")
    issued = accounts.issue_token(services, "alice", PASSWORD)
    assert issued.token.startswith(accounts.API_TOKEN_PREFIX)
    with services.db.unit_of_work() as session:
        stored = list(session.scalars(select(ApiTokenRow.token_hash)))
    assert stored == [accounts.token_digest(issued.token)] and issued.token not in stored
    actor = accounts.actor_from_token(services, issued.token)
    assert actor.user == "alice" and actor.organism == ORG
    assert accounts.revoke_token(services, issued.token) is True
    with pytest.raises(accounts.Unauthenticated, match="révoqué"):
        accounts.actor_from_token(services, issued.token)
    second = accounts.issue_token(services, "alice", PASSWORD)
    clock.advance(TOKEN_LIFETIME)
    with pytest.raises(accounts.Unauthenticated, match="expiré"):
        accounts.actor_from_token(services, second.token)
    third = accounts.issue_token(services, "alice", PASSWORD)
    accounts.disable_user(services, "alice", by="t", why="départ")
    with pytest.raises(accounts.Unauthenticated):
        accounts.actor_from_token(services, third.token)
    with pytest.raises(accounts.SignInRefused, match="incorrect"):
        accounts.sign_in(services, "alice", PASSWORD)
    with pytest.raises(accounts.Unauthenticated, match="inconnu"):
        accounts.actor_from_token(services, "n'importe quoi")


def test_tokens_never_start_with_a_dash_that_a_command_line_reads_as_an_option() -> None:
    """A bare URL-safe token began with ``-`` one time in 64: ``users activate -Xy…`` then
    failed as an unknown option (exit 2). Every token starts with its kind's prefix."""
    for prefix in (accounts.ACTIVATION_TOKEN_PREFIX, accounts.API_TOKEN_PREFIX):
        tokens = [accounts.new_token(prefix) for _ in range(500)]
        assert all(token.startswith(prefix) and len(token) > len(prefix) + 40 for token in tokens)
        assert len(set(tokens)) == len(tokens)
    assert not accounts.ACTIVATION_TOKEN_PREFIX.startswith("-")
    assert not accounts.API_TOKEN_PREFIX.startswith("-")


# The `recouvre users` commands --------------------------------------------------------------------


@pytest.fixture
def cli(services: Services, clock: Clock, cheap: None) -> tuple[typer.Typer, CliState]:
    app = typer.Typer()
    app.add_typer(users_cli.app, name="users")
    return app, CliState(db_url=None, policy_dir=None, _services=services)


def _run(cli: tuple[typer.Typer, CliState], *args: str, input: str | None = None) -> tuple[int, str]:
    app, state = cli
    result = CliRunner().invoke(app, list(args), obj=state, input=input)
    return result.exit_code, " ".join(result.output.split())


def _token(out: str) -> str:
    token = out.split("jeton d'activation : ")[1].split()[0]
    assert token.startswith(accounts.ACTIVATION_TOKEN_PREFIX), token
    return token


def test_users_commands(cli: tuple[typer.Typer, CliState], services: Services) -> None:
    code, out = _run(cli, "users", "add", "admin", "--role", "administrator")
    assert code == 0, out  # an empty installation: the system account adds the first user
    code, out = _run(cli, "users", "activate", _token(out), "--password-stdin", input=PASSWORD + "\n")
    assert code == 0 and "activé" in out, out
    add_alice = ("users", "add", "alice", "--role", "case_worker", "--organism", ORG)
    code, out = _run(cli, *add_alice)
    assert code == 2 and "--as" in out, "once a user exists, who adds users is named"
    cli[1].user = "admin"
    cli[1]._actor = None
    code, out = _run(cli, *add_alice)
    assert code == 0 and "en attente" in out and "jeton" not in out, out
    code, out = _run(cli, "users", "add", "bob", "--role", "director", "--role", "accountant")
    assert code == 1 and "incompatibles" in out and "agent comptable + directeur" in out, out
    code, out = _run(cli, "users", "add", "bob", "--role", "director")
    assert code == 0 and "en attente" in out, out
    code, out = _run(cli, "users", "approve", "bob")
    assert code == 3 or code == 1, out  # the administrator may not approve
    cli[1].user = None
    cli[1]._actor = None
    code, out = _run(cli, "users", "approve", "bob")  # no director yet: the system approves
    assert code == 0, out
    code, out = _run(cli, "users", "activate", _token(out), "--password-stdin", input=PASSWORD + "\n")
    assert code == 0, out
    code, out = _run(cli, "users", "approve", "alice")
    assert code == 2 and "--as" in out, "once a director is active, who approves is named"
    cli[1].user = "bob"
    cli[1]._actor = None
    code, out = _run(cli, "users", "approve", "alice")
    assert code == 0 and "jeton d'activation" in out, out
    code, out = _run(cli, "users", "activate", _token(out), "--password-stdin", input="abc\n")
    assert code == 1 and "mot de passe" in out and "au moins 12" in out
    code, out = _run(cli, "users", "activate", "x", "--password", PASSWORD)
    assert code == 2, "a password is never a command-line argument"
    cli[1].user = "admin"
    cli[1]._actor = None
    code, out = _run(cli, "users", "add", "carol", "--role", "system")
    assert code == 1 and "n'est donné à aucun utilisateur" in out
    code, out = _run(cli, "users", "list")
    assert code == 0 and "alice" in out and "bob" in out and "actif" in out
    code, out = _run(cli, "users", "disable", "alice", "--why", "départ")
    assert code == 0 and "désactivé" in out
    code, out = _run(cli, "users", "disable", "nobody")
    assert code == 1 and "nobody" in out
    rows = trail.show(services, 30)
    assert [(r.actor, r.action) for r in rows[:1]] == [("admin", "users.disable")]
    first = [r for r in rows if r.action == "users.add" and r.subject == "user admin"]
    assert first[0].actor == "system"
    added = [r for r in rows if r.action == "users.add" and r.subject == "user bob"]
    assert {r.outcome for r in added} == {"refused", "done"}
    assert all(r.actor == "admin" and "password" not in str(r.after) for r in added)
    approved = [r for r in rows if r.action == "users.approve" and r.subject == "user bob"]
    assert approved[0].actor == "system"
