"""`recouvre users add | list | disable`: the accounts of the back office and the API.

A password is read from a hidden prompt (asked twice) or, for scripts, from the first line of
standard input (``--password-stdin``); never from the command line, where it would stay in the
shell history and the process list. Each change is an authorised command of the user named by
``--as`` (``users.manage``), in the audit trail under that user; the first user of an empty
installation is added by the ``system`` account (bootstrap).
"""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from recouvre.cli.common import actor, attempt, console, services, state
from recouvre.security.authorization import Actor
from recouvre.service import accounts, commands

app = typer.Typer(help="Utilisateurs du back office et de l'API.", no_args_is_help=True)


def _adder(ctx: typer.Context) -> Actor:
    """The user named by ``--as``; nobody named in an installation without users: the system
    account adds the first one (bootstrap)."""
    if not state(ctx).user and not accounts.has_users(services(ctx)):
        return accounts.SYSTEM_ACTOR
    return actor(ctx)


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
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Lire le mot de passe sur la première ligne de l'entrée standard"
    ),
    why: str = typer.Option("", "--why", help="Motif (piste d'audit)"),
) -> None:
    """Create a user with roles (the password is stored as its argon2 hash only)."""
    who = _adder(ctx)
    password = _password(password_stdin)
    user = attempt(
        lambda: commands.add_user(
            services(ctx),
            who,
            username,
            password,
            role,
            full_name=full_name,
            organism=organism,
            agency=agency,
            why=why,
        )
    )
    console.print(f"{user.username} : créé ({', '.join(user.roles)})", highlight=False)


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
            "actif" if user.active else "désactivé",
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
