"""`recouvre payments withhold FILE --organism CODE [-o OUT]`: withholding on a monthly benefit run.

The payment file (CSV or Parquet, one row per debtor × benefit, see
``recouvre.adapters.payment_files``) is read and checked whole first, unknown debtors
included: any problem refuses the whole file (line, column, value, reason on stderr,
exit 1, nothing written). The debtors are then processed in chunks (``--chunk``, 5,000
by default), one transaction per chunk, on one process per core (``--workers``) or, on
PostgreSQL, as jobs of the ``recouvre worker`` processes (``--jobs``; by default when a worker
is alive), one run id after the other, with a progress bar; the withholding file is written
in file order under a temporary name and moved into place at the end.

Replaying a file (same run ids) books nothing new: debtors already done are reported
as such, with what was decided the first time, so the output file is the same. If a
run is interrupted, the chunks already committed stay booked and running the same
file again completes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from recouvre.adapters.imports import ImportProblem, Table, TableError, read_table
from recouvre.adapters.payment_files import (
    FilePayment,
    WithholdingWriter,
    default_output,
    parse_payments,
)
from recouvre.cli.common import batch_actor, console, currency, fail, refused, services
from recouvre.cli.imports import organism_or_fail, refuse_file
from recouvre.domain.model import DomainError
from recouvre.domain.money import Cents, format_money
from recouvre.service import BatchRejected, Services, commands, registry
from recouvre.service.batch import default_workers
from recouvre.service.commands.explanations import issue_statements
from recouvre.service.withholding import (
    PaymentBatch,
    QueuedBatchRejected,
    WithholdingOutcome,
    withhold_batches,
)

CHUNK = 5_000

app = typer.Typer(
    help="Paiements de prestations : retenues sur prestations (plan personnalisé de remboursement).",
    no_args_is_help=True,
)


@app.callback()
def payments() -> None:
    """Paiements de prestations et retenues."""


FileArgument = Annotated[
    Path,
    typer.Argument(
        exists=True,
        dir_okay=False,
        readable=True,
        help="Fichier des paiements du mois, CSV ou Parquet : "
        "debtor, benefit, regular, arrears, after_rent_debt_clearance, run_id, paid_on",
    ),
]
OrganismOption = Annotated[
    str, typer.Option("--organism", help="Code de l'organisme, créé par 'recouvre organisms add'")
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        dir_okay=False,
        help="Fichier des retenues (défaut : FICHIER.withholding.csv ; Parquet si .parquet)",
    ),
]
ChunkOption = Annotated[int, typer.Option("--chunk", min=1, help="Débiteurs par transaction")]
WorkersOption = Annotated[
    int | None, typer.Option("--workers", min=1, help="Processus de calcul (par défaut : un par cœur)")
]
JobsOption = Annotated[
    bool | None,
    typer.Option(
        "--jobs/--no-jobs",
        help="PostgreSQL : confier les lots aux « recouvre worker » (par défaut : oui si un worker "
        "est actif, sinon dans ce processus ; aussi RECOUVRE_JOBS=1 ou 0)",
    ),
]


@dataclass
class _Totals:
    debtors: int = 0
    gross: Cents = 0
    withheld: Cents = 0
    net: Cents = 0
    already_done: int = 0

    def add(self, outcomes: Sequence[WithholdingOutcome]) -> None:
        for outcome in outcomes:
            self.debtors += 1
            self.gross += outcome.gross
            self.withheld += outcome.withheld
            self.net += outcome.net
            self.already_done += outcome.already_done


@app.command("withhold")
def withhold(
    ctx: typer.Context,
    file: FileArgument,
    organism: OrganismOption,
    output: OutputOption = None,
    chunk: ChunkOption = CHUNK,
    workers: WorkersOption = None,
    jobs: JobsOption = None,
) -> None:
    """Apply the withholdings on a monthly benefit payment file and write the withholding file."""
    found = services(ctx)
    organism_or_fail(found, organism)
    who = batch_actor(ctx)
    target = output or default_output(file)
    if target.resolve() == file.resolve():
        raise fail(
            f"le fichier des retenues ne peut pas remplacer le fichier des paiements ({escape(str(file))})"
        )
    if target.exists() and not target.is_file():
        # The file is written aside, then renamed onto the target: a device such as /dev/null
        # (or a directory) would be replaced by a plain file.
        raise fail(f"--output doit désigner un fichier ordinaire, pas {escape(str(target))}")
    table = _read(file)
    known = registry.known_debtors(found, organism, _debtor_refs(table))
    batch, problems = parse_payments(table, known_debtors=known)
    if problems:
        raise refuse_file(file, problems)
    totals = _Totals()

    def run() -> tuple[Path, int]:
        with (
            WithholdingWriter(target) as writer,
            Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            ) as progress,
        ):
            task = progress.add_task(f"{organism} : retenues", total=len(batch.items))
            for chunks in _runs(batch.items, chunk):
                before = totals.debtors

                def queued(done: int, chunks: list[list[int]] = chunks, before: int = before) -> None:
                    progress.update(task, completed=before + sum(len(part) for part in chunks[:done]))

                for _, outcomes in _apply(
                    found,
                    organism,
                    file,
                    batch.lines,
                    batch.items,
                    chunks,
                    totals.debtors,
                    workers,
                    jobs,
                    queued,
                ):
                    writer.write(outcomes)
                    totals.add(outcomes)
                    progress.update(task, completed=totals.debtors)
            return writer.commit(), writer.rows

    with refused():
        written, rows = commands.run_batch(
            found,
            who,
            "withholding.run",
            organism=organism,
            subject=f"retenues {file.name}",
            on=None,
            run=run,
            describe=lambda _: {
                "debtors": totals.debtors,
                "gross": totals.gross,
                "withheld": totals.withheld,
                "net": totals.net,
                "already_done": totals.already_done,
            },
        )
    _summary(file, totals, written, rows, currency(found, organism))
    # The explanation reaches the debtor: a statement when his monthly withholding changed.
    for day in sorted({item.payment.paid_on for item in batch.items}):
        with refused():
            count = issue_statements(found, who, organism, day)
        if count:
            console.print(
                f"{count} relevé(s) « votre retenue mensuelle change » à envoyer (paiement du {day})."
            )


def _read(file: Path) -> Table:
    try:
        return read_table(file)
    except TableError as error:
        raise refuse_file(file, error.problems) from None


def _debtor_refs(table: Table) -> set[str]:
    return {ref for row in table.rows if (ref := row.get("debtor")) is not None}


def _runs(items: Sequence[FilePayment], size: int) -> list[list[list[int]]]:
    """Item indexes grouped by run id (file order), each run cut into chunks of ``size``."""
    runs: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        runs.setdefault(item.run_id, []).append(index)
    return [
        [indexes[start : start + size] for start in range(0, len(indexes), size)] for indexes in runs.values()
    ]


def _apply(
    found: Services,
    organism: str,
    file: Path,
    lines: Sequence[tuple[int, ...]],
    items: Sequence[FilePayment],
    chunks: Sequence[Sequence[int]],
    done_before: int,
    workers: int | None,
    jobs: bool | None = False,
    queued: Callable[[int], None] | None = None,
) -> Iterator[tuple[Sequence[int], list[WithholdingOutcome]]]:
    """The chunks of one run, withheld on several processes; each chunk's indexes with its outcomes."""
    run_id = items[chunks[0][0]].run_id
    batches = (PaymentBatch(run_id, tuple(items[index].payment for index in indexes)) for indexes in chunks)
    done = finished = 0
    try:
        for outcomes in withhold_batches(
            found, organism, batches, workers=workers or default_workers(), jobs=jobs, progress=queued
        ):
            done += len(outcomes)
            yield chunks[finished], outcomes
            finished += 1
    except BatchRejected as error:
        indexes = chunks[error.batch if isinstance(error, QueuedBatchRejected) else finished]
        located = [
            ImportProblem(
                lines[indexes[problem.index]][0] if 0 <= problem.index < len(indexes) else 0,
                problem.field,
                str(problem.value),
                problem.reason,
            )
            for problem in error.problems
        ]
        if done_before + done:
            console.print(
                f"{done_before + done} débiteurs déjà traités restent enregistrés ; "
                "corrigez le fichier et relancez-le : ils ne seront pas retenus deux fois.",
                highlight=False,
            )
        raise refuse_file(file, sorted(located)) from None
    except DomainError as error:
        raise fail(escape(str(error))) from None


def _summary(file: Path, totals: _Totals, written: Path, rows: int, code: str) -> None:
    console.print(
        f"{escape(file.name)} : {totals.debtors} débiteurs, brut {format_money(totals.gross, code)}, "
        f"retenu {format_money(totals.withheld, code)}, net versé {format_money(totals.net, code)} ; "
        f"{totals.already_done} déjà traités",
        highlight=False,
        soft_wrap=True,
    )
    if totals.debtors and totals.already_done == totals.debtors:
        console.print(
            "Rien de nouveau : ce passage avait déjà été appliqué.", highlight=False, soft_wrap=True
        )
    console.print(
        f"Fichier des retenues : {escape(str(written))} ({rows} lignes)", highlight=False, soft_wrap=True
    )
