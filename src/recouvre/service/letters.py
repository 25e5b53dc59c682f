"""The outbox: letters decided by the procedures, rendered to PDF, sent, delivered or returned.

Procedures (the notification at establishment, the monthly cycle) only record letters; their
PDFs are made here, apart, so that the cycle's time never depends on rendering. A print batch
renders in worker processes, each with its own connection to the database (rendering is
CPU-bound), writes ``<out_dir>/<type>/<id>.pdf`` and marks the letters ``sent``.

Each status change is appended to ``data["history"]`` ({status, on[, note]}, the first entry
being the generation), so a returned letter keeps when it was issued, sent and returned.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from recouvre.domain.errors import NotFound
from recouvre.domain.model import Country, Organism
from recouvre.letters.context import LetterContext
from recouvre.letters.render import render_pdf
from recouvre.letters.status import LetterStatus, transition_error
from recouvre.service.context import Services, refuse
from recouvre.service.letter_context import letter_context
from recouvre.service.letter_queries import (
    OutboxEntry,
    letter_organism,
    letters_with_status,
    outbox,
    set_statuses,
    to_print,
)
from recouvre.storage.database import Database
from recouvre.storage.tables import LetterRow, OrganismRow

CHUNK = 16
"""Letters per task sent to a worker: few enough to keep the workers evenly busy."""


def list_letters(
    services: Services,
    organism: str,
    status: LetterStatus | str | None = None,
    type: str | None = None,
    on: date | None = None,
    limit: int | None = None,
) -> list[OutboxEntry]:
    """The organism's letters, by issue date: all, or those with ``status``, ``type``, issued ``on``."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        return outbox(
            session,
            organism_id,
            status=None if status is None else LetterStatus(status).value,
            type=type,
            issued_on=on,
            limit=limit,
        )


def _history(letter: LetterRow) -> list[dict[str, object]]:
    data = dict(letter.data or {})
    recorded = data.get("history")
    if isinstance(recorded, list) and recorded:
        return [dict(entry) for entry in recorded if isinstance(entry, dict)]
    return [{"status": LetterStatus.GENERATED.value, "on": letter.issued_on.isoformat()}]


def _changed(letter: LetterRow, status: LetterStatus, on: date, note: str | None) -> dict[str, Any]:
    entry: dict[str, object] = {"status": status.value, "on": on.isoformat()}
    if note:
        entry["note"] = note
    data = {**(letter.data or {}), "history": [*_history(letter), entry]}
    return {"id": letter.id, "status": status.value, "status_on": on, "data": data}


def mark(
    services: Services, letter_id: int, status: LetterStatus | str, on: date, note: str | None = None
) -> bool:
    """Record that letter ``letter_id`` was sent, delivered or returned on ``on``.

    Allowed: generated → sent → delivered | returned. Anything else is refused (and the refusal
    recorded). Marking again the status and date it already has changes nothing and returns
    False. ``note`` qualifies the change, e.g. why a letter came back ("NPAI", "non réclamé").
    """
    target = LetterStatus(status)
    with services.db.unit_of_work() as session:
        found = letter_organism(session, letter_id)
        if found is None:
            raise NotFound("letter", letter_id, "courrier introuvable")
        letter, organism = found
        current = LetterStatus(letter.status)
        if current is target and letter.status_on == on:
            return False
        subject = f"letter {letter_id}"
        reason = transition_error(current, target)
        if reason is not None:
            raise refuse(services, organism, on, "letter_status", subject, reason)
        since = letter.status_on or letter.issued_on
        if on < since:
            message = f"cannot become {target.value} on {on.isoformat()}, before {since.isoformat()}"
            raise refuse(services, organism, on, "letter_status", subject, message)
        set_statuses(session, [_changed(letter, target, on, note)])
        return True


def _context(services: Services, session: Session, letter_id: int) -> LetterContext:
    letter = session.get(LetterRow, letter_id)
    if letter is None:
        raise NotFound("letter", letter_id, "courrier introuvable")
    row = session.get(OrganismRow, letter.organism_id)
    if row is None:  # pragma: no cover - a foreign key forbids it
        raise NotFound("organism", letter.organism_id, "organisme inconnu")
    organism = Organism(code=row.code, country=Country(row.country), name=row.name)
    return letter_context(session, letter_id, services.policy(organism))


def render(services: Services, letter_id: int) -> bytes:
    """The PDF of letter ``letter_id``, as of its issue date; its status does not change."""
    with services.db.unit_of_work() as session:
        context = _context(services, session, letter_id)
    return render_pdf(context)


# -- print batches --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Printed:
    id: int
    type: str
    path: Path


@dataclass(frozen=True)
class Failed:
    id: int
    type: str
    reason: str


@dataclass(frozen=True)
class PrintReport:
    organism: str
    on: date
    out_dir: Path
    selected: int
    printed: tuple[Printed, ...]
    failed: tuple[Failed, ...]
    marked: int
    """How many letters became ``sent`` (those printed from ``generated``)."""

    @property
    def by_type(self) -> dict[str, int]:
        return dict(sorted(Counter(item.type for item in self.printed).items()))


def letter_path(out_dir: Path, letter_type: str, letter_id: int) -> Path:
    return out_dir / letter_type / f"{letter_id}.pdf"


def _write(path: Path, content: bytes) -> None:
    """Write atomically: a killed batch never leaves half a PDF under the final name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


Outcome = tuple[int, str, str | None]
"""(letter id, type, None when written or the reason it failed)."""


def _print_chunk(services: Services, letters: Sequence[tuple[int, str]], out_dir: Path) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for letter_id, letter_type in letters:
        try:
            _write(letter_path(out_dir, letter_type, letter_id), render(services, letter_id))
        except Exception as error:  # one bad letter must not stop the batch: it is reported
            outcomes.append((letter_id, letter_type, f"{type(error).__name__}: {error}"))
        else:
            outcomes.append((letter_id, letter_type, None))
    return outcomes


_worker: Services | None = None


def _start_worker(
    url: str, schema: str | None, policy_dir: Path | None, policy_values: Mapping[str, Any] | None
) -> None:
    global _worker
    _worker = Services(
        Database(url, schema=schema, migrate=False), policy_dir=policy_dir, policy_values=policy_values
    )


def _worker_chunk(letters: Sequence[tuple[int, str]], out_dir: Path) -> list[Outcome]:
    if _worker is None:  # pragma: no cover - the pool's initializer sets it
        raise RuntimeError("worker not started")
    return _print_chunk(_worker, letters, out_dir)


def print_batch(
    services: Services,
    organism: str,
    on: date,
    out_dir: Path,
    workers: int = 2,
    status: LetterStatus | str = LetterStatus.GENERATED,
    type: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PrintReport:
    """Render the organism's letters with ``status`` issued on or before ``on`` and mark them sent.

    Files go to ``out_dir/<type>/<id>.pdf``, rendered by ``workers`` processes (1: in this
    process). Letters printed from ``generated`` become ``sent`` on ``on``; asking for another
    status reprints those letters without changing them. A second run prints nothing new, since
    the letters are no longer ``generated``. ``progress(done, total)`` is called as letters
    are written. A letter that fails to render is reported and stays as it was.
    """
    wanted = LetterStatus(status)
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        letters = to_print(session, organism_id, on, wanted.value, type)
    total = len(letters)
    outcomes: list[Outcome] = []
    if progress is not None:
        progress(0, total)
    parts = [letters[start : start + CHUNK] for start in range(0, total, CHUNK)]
    if workers <= 1 or total <= 1:
        for part in parts:
            outcomes.extend(_print_chunk(services, part, out_dir))
            if progress is not None:
                progress(len(outcomes), total)
    elif parts:
        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(parts)),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(services.db.url, services.db.schema, services.policy_dir, services.policy_values),
        )
        with pool:
            futures = [pool.submit(_worker_chunk, part, out_dir) for part in parts]
            for future in as_completed(futures):
                outcomes.extend(future.result())
                if progress is not None:
                    progress(len(outcomes), total)
    outcomes.sort()
    printed = tuple(
        Printed(ident, kind, letter_path(out_dir, kind, ident))
        for ident, kind, error in outcomes
        if not error
    )
    failed = tuple(Failed(ident, kind, error) for ident, kind, error in outcomes if error)
    marked = 0
    if wanted is LetterStatus.GENERATED and printed:
        with services.db.unit_of_work() as session:
            pending = letters_with_status(
                session, [item.id for item in printed], LetterStatus.GENERATED.value
            )
            set_statuses(session, [_changed(letter, LetterStatus.SENT, on, None) for letter in pending])
            marked = len(pending)
    return PrintReport(
        organism=organism,
        on=on,
        out_dir=out_dir,
        selected=total,
        printed=printed,
        failed=failed,
        marked=marked,
    )


__all__ = [
    "Failed",
    "PrintReport",
    "Printed",
    "list_letters",
    "mark",
    "print_batch",
    "render",
]


def organism_of(services: Services, letter_id: int) -> str:
    """The code of the organism that issued letter ``letter_id``."""
    with services.db.unit_of_work() as session:
        found = letter_organism(session, letter_id)
    if found is None:
        raise NotFound("letter", letter_id, "courrier introuvable")
    return found[1]
