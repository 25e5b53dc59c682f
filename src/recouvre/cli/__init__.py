"""The `recouvre` command line: operators' entry point, a thin layer over the service layer."""

from __future__ import annotations

from pathlib import Path

import typer

from recouvre.cli import (
    audit,
    claim_life,
    cycle,
    explain,
    generate,
    imports,
    letters,
    organisms,
    payments,
    policy,
    prescription,
    scenario,
    serve,
    simulate,
    summary,
    users,
)
from recouvre.cli.common import CliState, default_policy_dir

app = typer.Typer(
    name="recouvre",
    help="Recouvre : recouvrement des indus et des cotisations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
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
) -> None:
    ctx.obj = CliState(db_url=db, policy_dir=policy_dir or default_policy_dir())


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
app.add_typer(claim_life.remission_app, name="remission")
app.add_typer(claim_life.write_off_app, name="write-off")
app.add_typer(claim_life.over_indebtedness_app, name="over-indebtedness")
app.add_typer(claim_life.appeal_app, name="appeal")
app.command("generate")(generate.generate)
app.command("summary")(summary.summary)
app.command("simulate")(simulate.simulate_command)
app.command("serve")(serve.serve)


def main() -> None:
    app()
