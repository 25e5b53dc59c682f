"""`recouvre users add | list | disable`: the accounts of the back office and the API.

A password is read from a hidden prompt (asked twice) or, for scripts, from the first line of
standard input (``--password-stdin``); never from the command line, where it would stay in the
shell history and the process list. Each change is in the audit trail, by ``cli:<operator>``.
"""

from __future__ import annotations

import getpass
import sys

import typer
from rich.table import Table

from recouvre.cli.common import console, fail, services
from recouvre.domain.model import DomainError
from recouvre.service import accounts

app = typer.Typer(help="Utilisateurs du back office et de l'API.", no_args_is_help=True)


def operator(by: str | None) -> str:
    """Who acts at the command line: ``--by``, else the system account."""
    if by:
        return f"cli:{by}"
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:operator"


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
    by: str | None = typer.Option(None, "--by", help="Qui agit (défaut : le compte système)"),
    why: str = typer.Option("", "--why", help="Motif (piste d'audit)"),
) -> None:
    """Create a user with roles (the password is stored as its argon2 hash only)."""
    password = _password(password_stdin)
    try:
        user = accounts.add_user(
            services(ctx),
            username,
            password,
            role,
            full_name=full_name,
            organism=organism,
            agency=agency,
            by=operator(by),
            why=why,
        )
    except DomainError as error:
        raise fail(str(error)) from None
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
    by: str | None = typer.Option(None, "--by", help="Qui agit (défaut : le compte système)"),
    why: str = typer.Option("", "--why", help="Motif (piste d'audit)"),
) -> None:
    """Disable a user: sign-in refused, tokens revoked; past acts stay attributed."""
    try:
        user = accounts.disable_user(services(ctx), username, by=operator(by), why=why)
    except DomainError as error:
        raise fail(str(error)) from None
    console.print(f"{user.username} : désactivé", highlight=False)
