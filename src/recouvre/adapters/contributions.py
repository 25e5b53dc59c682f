"""Reading a file of contributions due (CNSS) into claims and their due dates.

One row per employer and period declared (the "bordereau de déclaration des salaires" gives the
contributions of a month, payable by the employer — employer and employee shares — at their due
date; dahir 1-72-184 art. 26, RULES.md §11.1). Columns:

* ``employer`` (required): the employer's affiliation number, the debtor's ``ref`` (import the
  employers first, with ``recouvre import debtors``);
* ``ice`` (optional): the employer's Identifiant commun de l'entreprise, 15 digits whose last
  two are a check (ISO 7064 mod 97-10, python-stdnum ``stdnum.ma.ice``); when the employer's
  ICE is recorded, it must be the same (a file naming the wrong company is refused);
* ``period`` (required): the month of the wages declared, ``YYYY-MM``;
* ``amount`` (required): the contributions due, in dirhams, ``1234.56``;
* ``due_on`` (required): the due date, ``YYYY-MM-DD``, after the period's end; unpaid at that
  date, the contribution bears the late-payment surcharges the monthly cycle books;
* ``ref`` (optional): the claim's reference, by default ``COT-<employer>-<period>``.

Each row is one ``CONTRIB`` claim whose single line is dated at the due date, established and
notified on that date (the declaration is the employer's own; the "avis de débit" follows it),
with a ``contribution_due`` at ``due_on``. Every problem of the file is listed (line, column,
value, reason); any problem refuses the whole file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from recouvre.adapters.imports import Batch, Cells, ImportProblem, Table, check_columns
from recouvre.domain.days import supported
from recouvre.domain.model import Benefit, Claim, Creditor, DomainError, Responsibility, UndueLine

CONTRIBUTION_COLUMNS: Final = ("employer", "ice", "period", "amount", "due_on", "ref")
CONTRIBUTION_REQUIRED: Final = ("employer", "period", "amount", "due_on")
PERIOD: Final = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class ContributionDue:
    """A contribution declared: the claim it is, and the date from which surcharges run."""

    claim: Claim
    due_on: date


def period_start(text: str) -> date | None:
    """The first day of a ``YYYY-MM`` period, or ``None`` when it is not one."""
    found = PERIOD.fullmatch(text)
    if found is None:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    if not 1 <= month <= 12:
        return None
    start = date(year, month, 1)
    return start if supported(start) else None


def _period_end(start: date) -> date:
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def parse_contributions(
    table: Table, organism: str, employers: Mapping[str, str | None] | None = None
) -> tuple[Batch[ContributionDue], list[ImportProblem]]:
    """Contributions due of ``organism``, one row each, with every problem found.

    ``employers``: the known employers (affiliation number → recorded ICE or ``None``); an
    employer outside it is reported, and so is an ICE that is not the recorded one."""
    problems = list(table.problems)
    header, readable = check_columns(
        table.columns, CONTRIBUTION_COLUMNS, CONTRIBUTION_REQUIRED, "des cotisations dues"
    )
    problems.extend(header)
    batch: Batch[ContributionDue] = Batch([], [])
    if not readable:
        return batch, sorted(problems)
    seen: dict[tuple[str, str], int] = {}
    for row in table.rows:
        cells = Cells(row, problems)
        employer = cells.ref("employer", required=True)
        ice = cells.identifier("ice")
        period_text = cells.text("period", required=True)
        start = None if period_text is None else period_start(period_text)
        if period_text is not None and start is None:
            cells.problem("period", "période invalide ; attendu AAAA-MM (ex. 2026-01)")
        amount = cells.amount("amount", required=True, positive=True)
        due_on = cells.day("due_on")
        if due_on is None and row.get("due_on") is None:
            cells.problem("due_on", "obligatoire")
        ref = cells.ref("ref")
        if employer is not None and employers is not None:
            if employer not in employers:
                cells.problem(
                    "employer", "employeur inconnu dans cet organisme (importez d'abord les débiteurs)"
                )
            elif ice is not None and employers[employer] is not None and employers[employer] != ice:
                cells.problem("ice", f"ne correspond pas à l'ICE enregistré pour l'employeur {employer}")
        if start is not None and due_on is not None and due_on <= _period_end(start):
            cells.problem(
                "due_on", f"antérieure ou égale à la fin de la période ({_period_end(start).isoformat()})"
            )
        if employer is not None and period_text is not None and start is not None:
            first = seen.setdefault((employer, period_text), row.line)
            if first != row.line:
                cells.problem("period", f"déjà déclarée ligne {first} pour l'employeur {employer}")
        if cells.failed:
            continue
        assert employer is not None and period_text is not None and amount is not None and due_on is not None
        try:
            claim = Claim(
                ref=ref or f"COT-{employer}-{period_text}",
                organism=organism,
                debtor_ref=employer,
                benefit=Benefit.CONTRIB,
                creditor=Creditor.OWN,
                responsibility=Responsibility.DEBTOR_ERROR,
                lines=(UndueLine(due_on, amount),),
                established_on=due_on,
                notified_on=due_on,
                detected_on=due_on,
                reason=f"cotisations de la période {period_text}",
            )
        except DomainError as error:
            cells.problem(error.field.removeprefix("claim."), error.reason, error.value)
            continue
        batch.items.append(ContributionDue(claim, due_on))
        batch.lines.append((row.line,))
    return batch, sorted(problems)
