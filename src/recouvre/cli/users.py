"""`recouvre users add | roles | approve | activate | list | disable`: the accounts of the back
office and the API.

Nobody chooses another person's password: ``users add`` creates an inactive account and, unless a
financial role (``roles.yaml``) makes it wait for a director's approval (``users approve``),
prints a one-time activation link; the user sets his own password with it (the page
``/activer/TOKEN``, ``POST /api/v1/auth/activate`` or ``users activate TOKEN``). A password is
read from a hidden prompt (asked twice) or, for scripts, from the first line of standard input
(``--password-stdin``); never from the command line. Each change is an authorised command of the
user named by ``--as``, in the audit trail under that user.

Bootstrap of an empty installation: the ``system`` account adds the first user (no ``--as``),
and approves (no ``--as``) while no active user may approve — the first director.
"""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from recouvre.cli.common import actor, attempt, console, fail, services, state
from recouvre.security.authorization import Actor
from recouvre.service import accounts, commands

app = typer.Typer(help="Utilisateurs du back office et de l'API.", no_args_is_help=True)


def _adder(ctx: typer.Context) -> Actor:
    """The user named by ``--as``; nobody named in an installation without users: the system
    account adds the first one (bootstrap)."""
    if not state(ctx).user and not accounts.has_users(services(ctx)):
        return accounts.SYSTEM_ACTOR
    return actor(ctx)


def _approver(ctx: typer.Context) -> Actor:
    """The user named by ``--as``; nobody named while no active user may approve: the system
    account approves (the first director of an installation)."""
    if not state(ctx).user and not accounts.may_approve_exists(services(ctx)):
        return accounts.SYSTEM_ACTOR
    return actor(ctx)


def _show(done: accounts.Administered) -> None:
    user = done.user
    change = done.change
    if change is not None and change.status == accounts.PENDING:
        state_ = "en attente d'approbation par un directeur"
    elif change is not None and change.status == accounts.REJECTED:
        state_ = "rejeté"
    elif user.active:
        state_ = "actif"
    else:
        state_ = "à activer par l'utilisateur"
    console.print(f"{user.username} : {state_} ({', '.join(user.roles)})", highlight=False)
    if done.activation is not None:
        # plain echo (no wrapping): scripts read the token from this line
        typer.echo(f"jeton d'activation : {done.activation.token}")
        typer.echo(
            f"lien à remettre à l'utilisateur : {done.activation.link} "
            f"(usage unique, expire le {done.activation.expires_at.isoformat(timespec='minutes')})"
        )


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Mot de passe", hide_input=True, confirmation_prompt=True))


@app.command("add")
def add(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="Identifiant (a-z 0-9 . _ -)"),
    role: list[str] = typer.Option(..., "--role", help="Rôle (répétable), voir roles.yaml"),
    organism: str | None = typer.Option(None, "--organism", help="Organisme de rattachement (défaut : tous)"),
    agency: str | None = typer.Option(None, "--agency", help="Agence, pour le rôle collection_agency"),
    full_name: str = typer.Option("", "--name", help="Nom et prénom"),
    why: str = typer.Option("", "--why", help="Motif (piste d'audit)"),
) -> None:
    """Propose a user (no password: the user sets it with a one-time link); with a financial
    role, the account waits for a director's approval (users approve)."""
    who = _adder(ctx)
    done = attempt(
        lambda: commands.add_user(
            services(ctx),
            who,
            username,
            role,
            full_name=full_name,
            organism=organism,
            agency=agency,
            why=why,
        )
    )
    _show(done)


@app.command("roles")
def roles(
    ctx: typer.Context,
    username: str = typer.Argument(...),
    role: list[str] = typer.Option(..., "--role", help="Nouveaux rôles (répétable), voir roles.yaml"),
    why: str = typer.Option("", "--why", help="Motif (piste d'audit)"),
) -> None:
    """Change a user's roles; a financial role given or taken away waits for approval."""
    who = actor(ctx)
    _show(attempt(lambda: commands.change_roles(services(ctx), who, username, role, why=why)))


@app.command("approve")
def approve(
    ctx: typer.Context,
    username: str = typer.Argument(...),
    reject: bool = typer.Option(False, "--reject", help="Rejeter au lieu d'approuver"),
    why: str = typer.Option("", "--why", help="Motif (piste d'audit)"),
) -> None:
    """Approve (or reject) the pending creation or change of roles of a user (a director, not
    whoever proposed it); approving a creation prints the one-time activation link."""
    who = _approver(ctx)
    _show(attempt(lambda: commands.decide_user(services(ctx), who, username, approve=not reject, why=why)))


@app.command("activate")
def activate(
    ctx: typer.Context,
    token: str = typer.Argument(..., help="Jeton d'activation (usage unique)"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Lire le mot de passe sur la première ligne de l'entrée standard"
    ),
) -> None:
    """Set one's own password with a one-time activation link; the account opens."""
    password = _password(password_stdin)
    try:
        user = attempt(lambda: commands.activate_user(services(ctx), token, password))
    except accounts.Unauthenticated as error:
        raise fail(str(error)) from None
    console.print(f"{user.username} : activé", highlight=False)


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List the users, their roles and state."""
    table = Table("identifiant", "nom", "rôles", "organisme", "agence", "état", "verrouillé jusqu'à")
    for user in accounts.list_users(services(ctx)):
        table.add_row(
            user.username,
            user.full_name,
            ", ".join(user.roles),
            user.organism or "tous",
            user.agency or "",
            "actif" if user.active else ("désactivé" if user.disabled else "à activer / en attente"),
            "" if user.locked_until is None else user.locked_until.isoformat(timespec="minutes"),
        )
    console.print(table)


@app.command("disable")
def disable(
    ctx: typer.Context,
    username: str = typer.Argument(...),
    why: str = typer.Option("", "--why", help="Motif (piste d'audit)"),
) -> None:
    """Disable a user: sign-in refused, tokens revoked; past acts stay attributed."""
    who = actor(ctx)
    user = attempt(lambda: commands.disable_user(services(ctx), who, username, why=why))
    console.print(f"{user.username} : désactivé", highlight=False)
