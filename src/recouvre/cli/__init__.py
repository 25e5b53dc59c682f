"""The `recouvre` command line: operators' entry point, a thin layer over the service layer."""

from __future__ import annotations

import getpass
import os
import sys
from datetime import date
from pathlib import Path

import typer

from recouvre.cli import (
    agencies,
    audit,
    bank,
    campaigns,
    chores,
    claim_life,
    cycle,
    explain,
    french,
    generate,
    imports,
    indicators,
    letters,
    network,
    operations,
    organisms,
    outbox,
    payments,
    policy,
    prescription,
    scenario,
    serve,
    simulate,
    summary,
    third_party,
    titles,
    users,
    worker,
)
from recouvre.cli import cnss as cnss_cli
from recouvre.cli.common import LAST_STATE, CliState, default_policy_dir, errors
from recouvre.service.failures import database_failure

app = typer.Typer(
    name="recouvre",
    help="Recouvre : recouvrement des indus et des cotisations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def options(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None, "--db", envvar="RECOUVRE_DB", help="Database URL (default sqlite:///recouvre.db)"
    ),
    policy_dir: Path | None = typer.Option(
        None, "--policy-dir", envvar="RECOUVRE_POLICY_DIR", help="Folder of organism policy overrides"
    ),
    user: str | None = typer.Option(
        None,
        "--as",
        envvar="RECOUVRE_USER",
        help="Who acts: an active user (users list); batch runs default to the system account",
    ),
) -> None:
    ctx.obj = CliState(db_url=db, policy_dir=policy_dir or default_policy_dir(), user=user or None)


app.add_typer(organisms.app, name="organisms")
app.add_typer(policy.app, name="policy")
app.add_typer(imports.app, name="import")
app.add_typer(scenario.app, name="scenario")
app.add_typer(cycle.app, name="cycle")
app.add_typer(payments.app, name="payments")
app.add_typer(explain.app, name="explain")
app.add_typer(letters.app, name="letters")
app.add_typer(prescription.app, name="prescription")
app.add_typer(users.app, name="users")
app.add_typer(audit.app, name="audit")
app.add_typer(network.app, name="network")
app.add_typer(claim_life.remission_app, name="remission")
app.add_typer(claim_life.write_off_app, name="write-off")
app.add_typer(claim_life.over_indebtedness_app, name="over-indebtedness")
app.add_typer(claim_life.appeal_app, name="appeal")
app.add_typer(titles.app, name="titles")
app.add_typer(cnss_cli.seizure_app, name="seizure")
app.add_typer(cnss_cli.amnesty_app, name="amnesty")
app.add_typer(cnss_cli.facility_app, name="facility")
app.add_typer(agencies.app, name="agencies")
app.add_typer(third_party.app, name="third-party")
app.add_typer(third_party.satd_app, name="satd")
app.add_typer(outbox.app, name="outbox")
app.add_typer(campaigns.app, name="campaign")
app.add_typer(bank.app, name="bank")
app.command("generate")(generate.generate)
app.command("summary")(summary.summary)
app.command("indicators")(indicators.indicators)
app.command("simulate")(simulate.simulate_command)
app.command("serve")(serve.serve)
app.command("backup")(operations.backup)
app.command("restore")(operations.restore)
app.command("ready")(operations.ready)
app.command("worker")(worker.worker)
app.command("chores")(chores.chores)
french.apply(app)  # the help in French (cli/french.py)


READ_ONLY = frozenset(
    {
        "audit show",
        "audit verify",
        "cycle status",
        "explain withholding",
        "letters list",
        "letters render",
        "organisms list",
        "policy show",
        "prescription show",
        "ready",
        "remission list",
        "scenario run",
        "serve",
        "summary",
        "indicators",
        "network show",
        "users list",
    }
)
SECRET_OPTIONS = ("--password",)


def _command_path(argv: list[str]) -> str:
    words: list[str] = []
    skip = False
    for token in argv:
        if skip:
            skip = False
            continue
        if token in ("--db", "--policy-dir", "--as"):
            skip = True
            continue
        if token.startswith("-"):
            if words:
                break
            continue
        words.append(token)
        if len(words) == 2:
            break
    return " ".join(words)


def _redacted(argv: list[str]) -> list[str]:
    shown: list[str] = []
    hide_next = False
    for token in argv:
        if hide_next:
            shown.append("***")
            hide_next = False
        elif token.startswith(SECRET_OPTIONS):
            shown.append(token.split("=", 1)[0] + ("=***" if "=" in token else ""))
            hide_next = "=" not in token
        else:
            shown.append(token)
    return shown


def _option(argv: list[str], name: str) -> str:
    for index, token in enumerate(argv):
        if token == name and index + 1 < len(argv):
            return argv[index + 1]
        if token.startswith(name + "="):
            return token.split("=", 1)[1]
    return ""


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def audit_cli_command(argv: list[str], exit_code: int) -> None:
    """Record an operator's command that may have changed something in the audit trail.

    Who (``RECOUVRE_OPERATOR`` or the system user), when, what (the command and its
    arguments, secrets hidden), why (``--why``), and how it ended (the exit code).
    """
    path = _command_path(argv)
    opened = LAST_STATE[-1].opened if LAST_STATE else None
    if not path or path in READ_ONLY or path.split(" ")[0] in READ_ONLY or opened is None:
        return
    from recouvre.service import trail

    operator = os.environ.get("RECOUVRE_OPERATOR") or getpass.getuser()
    entry = trail.Entry(
        actor=f"cli:{operator}",
        action=f"cli.{path.replace(' ', '.')}",
        outcome="done" if exit_code == 0 else "refused",
        organism=_option(argv, "--organism") or None,
        subject=path,
        on=_day(_option(argv, "--date") or _option(argv, "--on")),
        why=_option(argv, "--why") or _option(argv, "--reason"),
        before={"argv": _redacted(argv)},
        after={"exit_code": exit_code},
    )
    try:
        trail.record(opened, entry)
    except Exception as error:  # the command's own outcome stands; say the record failed
        errors.print(f"[bold red]audit[/]: the command was not recorded in the audit trail: {error}")


def main() -> None:
    argv = sys.argv[1:]
    try:
        try:
            app()
        except Exception as error:
            failure = database_failure(error)
            if failure is None:
                raise
            errors.print(f"[bold red]erreur[/]: {failure.message}", highlight=False)
            raise SystemExit(failure.exit_code) from None
    except SystemExit as ended:
        code = ended.code if isinstance(ended.code, int) else (0 if ended.code is None else 1)
        audit_cli_command(argv, code)
        raise
