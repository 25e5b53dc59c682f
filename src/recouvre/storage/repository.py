"""Queries and bulk writes over the schema, used only by the service layer.

Functions take the unit of work's ``Session`` and speak in domain values, so the
service layer never builds SQL and the domain never sees a row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any, Final, TypeVar, cast, overload

from sqlalchemy import JSON, Boolean, ColumnElement, Date, DateTime, Row, Table, any_, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import Executable

from recouvre.domain.ledger import Ledger, Movement, MovementKind
from recouvre.domain.model import (
    Benefit,
    Claim,
    Country,
    Creditor,
    DatedValue,
    Debtor,
    DebtorKind,
    Organism,
    Responsibility,
    UndueLine,
)
from recouvre.storage.database import json_text
from recouvre.storage.tables import (
    Base,
    ClaimEventRow,
    ClaimLineRow,
    ClaimRow,
    ClaimStateRow,
    DebtorQuotientRow,
    DebtorRow,
    LetterClaimRow,
    LetterRow,
    MovementRow,
    OrganismRow,
    RefusalRow,
    TaskRow,
)

CHUNK = 5_000
T = TypeVar("T")


def _returning(table: Table, natural_key: str) -> Any:
    """A batch insert that returns (natural key, id) in the order of the rows given."""
    return table.insert().returning(table.c[natural_key], table.c.id, sort_by_parameter_order=True)


def core(mapped: type[Base]) -> Table:
    """The Core table of a mapped class: batch inserts go through Core, without the ORM's
    per-row bookkeeping (several times faster on large batches)."""
    return cast(Table, mapped.__table__)


def one_of(session: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN (values)`` with the values in ONE parameter: a JSON array read by
    ``json_each`` on SQLite, an array compared with ``= ANY`` on PostgreSQL.

    Rendering thousands of placeholders (an expanding ``IN``) costs more than running the
    query; one parameter keeps the statement cached and its cost independent of the count.
    """
    listed = list(values)
    if session.get_bind().dialect.name == "sqlite":
        each = func.json_each(literal(json_text(listed))).table_valued("value")
        return cast("ColumnElement[bool]", column.in_(select(each.c.value)))
    return cast("ColumnElement[bool]", column == any_(literal(listed, ARRAY(column.type))))


def raw_rows(session: Session, statement: Executable, params: dict[str, Any] | None = None) -> list[Any]:
    """The rows of a ``SELECT`` as the driver gives them: tuples, no SQLAlchemy result processing.

    For the batch steps' largest reads, where turning a million values into Python types one by
    one costs more than the query. The statement is compiled (and cached) by SQLAlchemy as usual;
    values come raw: on SQLite a date is its ISO text, so read dates with ``as_date``.
    """
    result = session.connection().execute(statement, params or {})
    try:
        return cast("list[Any]", result.cursor.fetchall())
    finally:
        result.close()


@overload
def as_date(value: date | str) -> date: ...
@overload
def as_date(value: None) -> None: ...
def as_date(value: date | str | None) -> date | None:
    """A date read by ``raw_rows``: PostgreSQL's driver gives a ``date``, SQLite its ISO text."""
    if value is None or isinstance(value, date):
        return value
    found = _ISO_DATES.get(value)
    if found is None:
        if len(_ISO_DATES) > 100_000:
            _ISO_DATES.clear()
        found = _ISO_DATES[value] = date.fromisoformat(value)
    return found


_ISO_DATES: dict[str, date] = {}
"""The dates read so far: a batch reads a few thousand distinct dates a million times."""


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Organisms --------------------------------------------------------------------------------------


def organism_id(session: Session, code: str) -> int | None:
    return session.scalar(select(OrganismRow.id).where(OrganismRow.code == code))


def get_organism(session: Session, code: str) -> Organism | None:
    row = session.scalar(select(OrganismRow).where(OrganismRow.code == code))
    return None if row is None else Organism(code=row.code, country=Country(row.country), name=row.name)


def organism_with_id(session: Session, code: str) -> tuple[int, Organism] | None:
    """The organism ``code`` and its id, in one statement."""
    row = session.scalar(select(OrganismRow).where(OrganismRow.code == code))
    if row is None:
        return None
    return row.id, Organism(code=row.code, country=Country(row.country), name=row.name)


def list_organisms(session: Session) -> list[Organism]:
    rows = session.scalars(select(OrganismRow).order_by(OrganismRow.code))
    return [Organism(code=row.code, country=Country(row.country), name=row.name) for row in rows]


ORGANISM_ADDED: Final = "recouvre_organism_added"
"""``Session.info`` key set by ``add_organism``: the transaction holds an organism not yet
committed (which no cache outside the transaction may keep)."""


def add_organism(session: Session, organism: Organism) -> int:
    row = OrganismRow(code=organism.code, country=organism.country.value, name=organism.name)
    session.add(row)
    session.flush()
    session.info[ORGANISM_ADDED] = True
    return row.id


# Debtors ----------------------------------------------------------------------------------------

DEBTOR_FIELDS = (
    "kind",
    "name",
    "nir",
    "siren",
    "siret",
    "ice",
    "iban",
    "email",
    "phone",
    "address",
    "receives_benefits",
)


def debtor_ids(session: Session, organism: int, refs: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in chunks(sorted(set(refs))):
        query = select(DebtorRow.ref, DebtorRow.id).where(
            DebtorRow.organism_id == organism, one_of(session, DebtorRow.ref, part)
        )
        found.update({ref: ident for ref, ident in session.execute(query)})
    return found


def debtor_rows(session: Session, organism: int, refs: Iterable[str]) -> dict[str, DebtorRow]:
    found: dict[str, DebtorRow] = {}
    for part in chunks(sorted(set(refs))):
        query = select(DebtorRow).where(DebtorRow.organism_id == organism, DebtorRow.ref.in_(part))
        found.update({row.ref: row for row in session.scalars(query)})
    return found


def debtor_values(debtor: Debtor) -> dict[str, Any]:
    return {
        name: getattr(debtor, name).value if name == "kind" else getattr(debtor, name)
        for name in DEBTOR_FIELDS
    }


def insert_debtors(session: Session, organism: int, debtors: Sequence[Debtor]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for part in chunks(debtors):
        rows = [
            {
                "organism_id": organism,
                "ref": d.ref,
                **debtor_values(d),
            }
            for d in part
        ]
        result = session.connection().execute(
            _returning(core(DebtorRow), "ref"),
            rows,
        )
        ids.update({ref: ident for ref, ident in result})
    return ids


def quotients(session: Session, debtor_ids_: Iterable[int]) -> dict[int, set[tuple[date, int]]]:
    found: dict[int, set[tuple[date, int]]] = {}
    for part in chunks(sorted(set(debtor_ids_))):
        query = select(
            DebtorQuotientRow.debtor_id, DebtorQuotientRow.valid_from, DebtorQuotientRow.value_cents
        ).where(one_of(session, DebtorQuotientRow.debtor_id, part))
        for ident, valid_from, value in session.execute(query):
            found.setdefault(ident, set()).add((valid_from, value))
    return found


def insert_quotients(session: Session, rows: list[dict[str, Any]]) -> None:
    for part in chunks(rows):
        fast_insert(session, DebtorQuotientRow, list(part))


def get_debtor(session: Session, organism: int, ref: str) -> Debtor | None:
    row = session.scalar(select(DebtorRow).where(DebtorRow.organism_id == organism, DebtorRow.ref == ref))
    if row is None:
        return None
    dated = session.execute(
        select(DebtorQuotientRow.valid_from, DebtorQuotientRow.value_cents).where(
            DebtorQuotientRow.debtor_id == row.id
        )
    )
    code = session.scalar(select(OrganismRow.code).where(OrganismRow.id == organism)) or ""
    return Debtor(
        ref=row.ref,
        organism=code,
        kind=DebtorKind(row.kind),
        name=row.name,
        nir=row.nir,
        siren=row.siren,
        siret=row.siret,
        ice=row.ice,
        iban=row.iban,
        email=row.email,
        phone=row.phone,
        address=row.address,
        receives_benefits=row.receives_benefits,
        prp_quotients=tuple(DatedValue(valid_from, value) for valid_from, value in dated),
    )


# Claims -----------------------------------------------------------------------------------------


def claim_rows(session: Session, organism: int, refs: Iterable[str]) -> dict[str, ClaimRow]:
    found: dict[str, ClaimRow] = {}
    for part in chunks(sorted(set(refs))):
        query = select(ClaimRow).where(ClaimRow.organism_id == organism, ClaimRow.ref.in_(part))
        found.update({row.ref: row for row in session.scalars(query)})
    return found


def claim_row(session: Session, organism: int, ref: str) -> ClaimRow | None:
    return session.scalar(select(ClaimRow).where(ClaimRow.organism_id == organism, ClaimRow.ref == ref))


def claim_lines(session: Session, claim_id: int) -> tuple[UndueLine, ...]:
    query = select(ClaimLineRow.paid_on, ClaimLineRow.amount_cents).where(ClaimLineRow.claim_id == claim_id)
    return tuple(
        UndueLine(paid_on, amount)
        for paid_on, amount in session.execute(query.order_by(ClaimLineRow.line_no))
    )


def to_claim(row: ClaimRow, organism_code: str, debtor_ref: str, lines: tuple[UndueLine, ...]) -> Claim:
    return Claim(
        ref=row.ref,
        organism=organism_code,
        debtor_ref=debtor_ref,
        benefit=Benefit(row.benefit),
        creditor=Creditor(row.creditor),
        responsibility=Responsibility(row.responsibility),
        lines=lines,
        established_on=row.established_on,
        notified_on=row.notified_on,
        detected_on=row.detected_on,
        reason=row.reason,
    )


def insert_claims(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for part in chunks(rows):
        result = session.connection().execute(
            _returning(core(ClaimRow), "ref"),
            list(part),
        )
        ids.update({ref: ident for ref, ident in result})
    return ids


def insert_lines(session: Session, rows: list[dict[str, Any]]) -> None:
    for part in chunks(rows):
        fast_insert(session, ClaimLineRow, list(part))


# Ledger -----------------------------------------------------------------------------------------


def _movement(row: MovementRow | Row[Any]) -> Movement:
    return Movement(
        key=row.key,
        kind=MovementKind(row.kind),
        amount=row.amount_cents,
        signed=row.signed_cents,
        booked_on=row.booked_on,
        sequence=row.sequence,
        reverses=row.reverses_key,
        channel=row.channel,
        note=row.note,
    )


def load_ledger(session: Session, claim_id: int, *, until: date | None = None) -> Ledger:
    query = select(MovementRow).where(MovementRow.claim_id == claim_id)
    if until is not None:
        query = query.where(MovementRow.booked_on <= until)
    return Ledger(_movement(row) for row in session.scalars(query.order_by(MovementRow.sequence)))


def load_ledgers(session: Session, claim_ids: Iterable[int], *, until: date) -> dict[int, Ledger]:
    """The ledgers of several claims at the end of ``until``, read together (a claim with no
    movement booked by then has an empty ledger)."""
    ids = sorted(set(claim_ids))
    rows: dict[int, list[Movement]] = {claim_id: [] for claim_id in ids}
    for part in chunks(ids):
        query = (
            select(MovementRow)
            .where(MovementRow.claim_id.in_(part), MovementRow.booked_on <= until)
            .order_by(MovementRow.claim_id, MovementRow.sequence)
        )
        for row in session.scalars(query):
            rows[row.claim_id].append(_movement(row))
    return {claim_id: Ledger(movements) for claim_id, movements in rows.items()}


def insert_movements(
    session: Session, claim_movements: Sequence[tuple[int, Movement]], recorded_at: datetime
) -> None:
    rows = [
        {
            "key": movement.key,
            "claim_id": claim_id,
            "sequence": movement.sequence,
            "kind": movement.kind.value,
            "amount_cents": movement.amount,
            "signed_cents": movement.signed,
            "booked_on": movement.booked_on,
            "reverses_key": movement.reverses,
            "channel": movement.channel,
            "note": movement.note,
            "recorded_at": recorded_at,
        }
        for claim_id, movement in claim_movements
    ]
    fast_insert(session, MovementRow, rows)


MOVEMENT_COLUMNS = (
    "key",
    "claim_id",
    "sequence",
    "kind",
    "amount_cents",
    "signed_cents",
    "booked_on",
    "reverses_key",
    "channel",
    "note",
    "recorded_at",
)
"""The columns of a batch step's movement rows, in order: ``recouvre.domain.ledger.POSTING_FIELDS``
(what ``check_postings`` checks) first."""


def prepared_movements(session: Session, rows: Sequence[Sequence[Any]]) -> Prepared:
    """The ``INSERT`` of a batch step's movement rows (``MOVEMENT_COLUMNS``), already checked."""
    return prepared_insert(session, MovementRow, MOVEMENT_COLUMNS, rows)


def is_integrity_error(error: BaseException) -> bool:
    """A unique (or foreign key) violation, raised by SQLAlchemy or straight from the driver:
    the batch writes run on the driver's own cursor (``Prepared``), whose errors are the DB-API's
    ``IntegrityError`` (PEP 249), a class of each driver's own."""
    return any(kind.__name__ == "IntegrityError" for kind in type(error).__mro__)


def totals_after(session: Session, claim_ids: Iterable[int], on: date) -> dict[int, int]:
    """The signed sum of the movements booked after ``on`` on each claim that has some (read by
    the index on ``booked_on``: a batch dated today finds none)."""
    found: dict[int, int] = {}
    if session.scalar(select(MovementRow.id).where(MovementRow.booked_on > on).limit(1)) is None:
        return found  # a batch dated today: nothing booked later anywhere, one index probe says so
    # SQLite would look each claim's movements up by claim; ``claim_id + 0`` keeps it off that
    # index, so that it reads the few movements booked after ``on`` by the index on the date.
    claim = MovementRow.claim_id + 0 if session.get_bind().dialect.name == "sqlite" else MovementRow.claim_id
    for part in chunks(sorted(set(claim_ids))):
        query = select(MovementRow.claim_id, MovementRow.signed_cents).where(
            MovementRow.booked_on > on, one_of(session, claim, part)
        )
        for claim_id, signed in raw_rows(session, query):
            found[claim_id] = found.get(claim_id, 0) + int(signed)
    return found


def movement_by_key(session: Session, key: str) -> tuple[int, Movement] | None:
    row = session.scalar(select(MovementRow).where(MovementRow.key == key))
    return None if row is None else (row.claim_id, _movement(row))


def ledger_totals(session: Session, organism: int) -> dict[int, int]:
    """Signed total per claim, computed by the database (for checks and reports)."""
    query = (
        select(MovementRow.claim_id, func.sum(MovementRow.signed_cents))
        .join(ClaimRow, ClaimRow.id == MovementRow.claim_id)
        .where(ClaimRow.organism_id == organism)
        .group_by(MovementRow.claim_id)
    )
    return {claim_id: int(total) for claim_id, total in session.execute(query)}


# Events and refusals ----------------------------------------------------------------------------


def add_claim_event(
    session: Session, key: str, claim_id: int, on: date, kind: str, data: dict[str, object]
) -> bool:
    if session.scalar(select(ClaimEventRow.id).where(ClaimEventRow.key == key)) is not None:
        return False
    session.add(ClaimEventRow(key=key, claim_id=claim_id, occurred_on=on, kind=kind, data=data))
    return True


def claim_events(session: Session, claim_id: int, *, until: date | None = None) -> list[ClaimEventRow]:
    query = select(ClaimEventRow).where(ClaimEventRow.claim_id == claim_id)
    if until is not None:
        query = query.where(ClaimEventRow.occurred_on <= until)
    return list(session.scalars(query.order_by(ClaimEventRow.occurred_on, ClaimEventRow.id)))


def claims_events(
    session: Session, claim_ids: Iterable[int], *, until: date
) -> dict[int, list[ClaimEventRow]]:
    """The events of several claims up to ``until``, each claim's in the order of
    ``claim_events``."""
    ids = sorted(set(claim_ids))
    found: dict[int, list[ClaimEventRow]] = {claim_id: [] for claim_id in ids}
    for part in chunks(ids):
        query = (
            select(ClaimEventRow)
            .where(ClaimEventRow.claim_id.in_(part), ClaimEventRow.occurred_on <= until)
            .order_by(ClaimEventRow.claim_id, ClaimEventRow.occurred_on, ClaimEventRow.id)
        )
        for row in session.scalars(query):
            found[row.claim_id].append(row)
    return found


def add_refusal(session: Session, organism: int, on: date, event: str, subject: str, message: str) -> None:
    session.add(
        RefusalRow(organism_id=organism, occurred_on=on, event=event, subject=subject, message=message)
    )


def refusals_on(session: Session, organism: int, on: date) -> list[RefusalRow]:
    query = select(RefusalRow).where(RefusalRow.organism_id == organism, RefusalRow.occurred_on == on)
    return list(session.scalars(query.order_by(RefusalRow.id)))


# Letters and tasks ------------------------------------------------------------------------------


@dataclass(slots=True)
class LetterDraft:
    """A letter a procedure decided; ``key`` makes it unique (debtor, type, cycle)."""

    key: str
    organism_id: int
    debtor_id: int
    type: str
    issued_on: date
    claim_ids: tuple[int, ...]
    cycle: str | None = None
    data: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class TaskDraft:
    key: str
    organism_id: int
    debtor_id: int
    claim_id: int | None
    type: str
    created_on: date
    due_on: date | None = None
    data: dict[str, object] = field(default_factory=dict)


def existing_keys(session: Session, column: Any, keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(sorted(set(keys))):
        found.update(session.scalars(select(column).where(one_of(session, column, part))))
    return found


D = TypeVar("D", LetterDraft, TaskDraft)


def _unknown(session: Session, column: Any, drafts: Sequence[D]) -> list[D]:
    """The drafts whose idempotency key is not recorded yet (a replay records nothing)."""
    known = existing_keys(session, column, (draft.key for draft in drafts))
    return [draft for draft in drafts if draft.key not in known]


def prepared_letters(
    session: Session, drafts: Sequence[LetterDraft], *, numbered: bool = False
) -> list[Prepared]:
    """The statements inserting the letters whose key is new, then their links to the claims
    they cover (run them in this order: a link finds its letter by key, inside the database,
    so that no new id makes a round trip).

    ``numbered`` (SQLite; for a transaction that holds the write lock already, as a cycle shard's
    does once it has recorded its shard): the letters take the ids SQLite would give them (the
    next ones after the largest, read when the statements run), and the links are inserted with
    those ids, without looking each letter up by its key."""
    fresh = _unknown(session, LetterRow.key, drafts)
    names = ("key", "organism_id", "debtor_id", "type", "issued_on", "cycle", "status", "status_on", "data")
    rows = [
        (d.key, d.organism_id, d.debtor_id, d.type, d.issued_on, d.cycle, "generated", d.issued_on, d.data)
        for d in fresh
    ]
    dialect = session.connection().dialect
    if numbered and dialect.name == "sqlite":
        letters = prepared_insert(session, LetterRow, names, rows)
        sql = (
            f"INSERT INTO letters (id, {', '.join(names)}) VALUES ({_placeholders('qmark', len(names) + 1)})"
        )
        numbered_links = [(index, claim_id) for index, d in enumerate(fresh) for claim_id in d.claim_ids]
        return [NumberedLetters(sql, letters.rows, links=numbered_links), Prepared("", ())]
    mark = _placeholders(dialect.paramstyle, 1)
    links = "INSERT INTO letter_claims (letter_id, claim_id) SELECT id, {0} FROM letters WHERE key = {0}"
    return [
        prepared_insert(session, LetterRow, names, rows),
        Prepared(links.format(mark), [(claim_id, d.key) for d in fresh for claim_id in d.claim_ids]),
    ]


def insert_letters(session: Session, drafts: Sequence[LetterDraft]) -> int:
    """Insert the letters whose key is new, with the claims they cover; return how many."""
    letters, links = prepared_letters(session, drafts)
    letters.run(session)
    links.run(session)
    return len(letters.rows)


def prepared_tasks(session: Session, drafts: Sequence[TaskDraft]) -> Prepared:
    """The statement inserting the tasks whose key is new."""
    fresh = _unknown(session, TaskRow.key, drafts)
    names = ("key", "organism_id", "debtor_id", "claim_id", "type", "created_on", "due_on", "status", "data")
    rows = [
        (d.key, d.organism_id, d.debtor_id, d.claim_id, d.type, d.created_on, d.due_on, "open", d.data)
        for d in fresh
    ]
    return prepared_insert(session, TaskRow, names, rows)


def insert_tasks(session: Session, drafts: Sequence[TaskDraft]) -> int:
    """Insert the tasks whose key is new; return how many."""
    tasks = prepared_tasks(session, drafts)
    tasks.run(session)
    return len(tasks.rows)


def letters_on(session: Session, organism: int, on: date) -> list[tuple[LetterRow, list[str], str]]:
    """Letters issued on ``on``: each with the refs of the claims it covers and its debtor's ref."""
    letters = list(
        session.scalars(
            select(LetterRow)
            .where(LetterRow.organism_id == organism, LetterRow.issued_on == on)
            .order_by(LetterRow.id)
        )
    )
    result: list[tuple[LetterRow, list[str], str]] = []
    for letter in letters:
        refs = list(
            session.scalars(
                select(ClaimRow.ref)
                .join(LetterClaimRow, LetterClaimRow.claim_id == ClaimRow.id)
                .where(LetterClaimRow.letter_id == letter.id)
                .order_by(ClaimRow.ref)
            )
        )
        debtor_ref = session.scalar(select(DebtorRow.ref).where(DebtorRow.id == letter.debtor_id)) or ""
        result.append((letter, refs, debtor_ref))
    return result


def tasks_on(session: Session, organism: int, on: date) -> list[tuple[TaskRow, str | None]]:
    query = (
        select(TaskRow, ClaimRow.ref)
        .outerjoin(ClaimRow, ClaimRow.id == TaskRow.claim_id)
        .where(TaskRow.organism_id == organism, TaskRow.created_on == on)
        .order_by(TaskRow.id)
    )
    return [(task, ref) for task, ref in session.execute(query)]


def insert_claim_states(session: Session, rows: list[dict[str, Any]]) -> None:
    for part in chunks(rows):
        session.connection().execute(core(ClaimStateRow).insert(), list(part))


def claim_state(session: Session, claim_id: int) -> ClaimStateRow | None:
    return session.get(ClaimStateRow, claim_id)


def lines_by_claim(session: Session, claim_ids: Iterable[int]) -> dict[int, tuple[UndueLine, ...]]:
    found: dict[int, list[UndueLine]] = {}
    for part in chunks(sorted(set(claim_ids))):
        query = (
            select(ClaimLineRow.claim_id, ClaimLineRow.paid_on, ClaimLineRow.amount_cents)
            .where(ClaimLineRow.claim_id.in_(part))
            .order_by(ClaimLineRow.claim_id, ClaimLineRow.line_no)
        )
        for claim_id, paid_on, amount in session.execute(query):
            found.setdefault(claim_id, []).append(UndueLine(paid_on, amount))
    return {claim_id: tuple(lines) for claim_id, lines in found.items()}


def receiving_debtors(session: Session, debtor_ids: Iterable[int]) -> set[int]:
    """The debtors who still receive benefits (withholding is possible)."""
    found: set[int] = set()
    for part in chunks(sorted(set(debtor_ids))):
        query = select(DebtorRow.id).where(DebtorRow.id.in_(part), DebtorRow.receives_benefits.is_(True))
        found.update(session.scalars(query))
    return found


# Fast batch writes ----------------------------------------------------------------------------


@lru_cache(maxsize=4_096)
def _sqlite_datetime(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


@lru_cache(maxsize=65_536)
def _sqlite_date(value: date) -> str:
    # Cached: a batch writes a few distinct dates on hundreds of thousands of rows, and sqlite3's
    # own adapter lookup costs several times more than this.
    return value.isoformat()


def _converters(table: Table, names: Sequence[str], dialect: str) -> list[tuple[int, Callable[[Any], Any]]]:
    """(position, conversion) of the columns whose values the driver cannot take as they are.

    What SQLAlchemy's types would do: JSON to its text; on SQLite, a date or a datetime to
    SQLAlchemy's text and a boolean to 0/1 (psycopg adapts them itself).
    """
    found: list[tuple[int, Callable[[Any], Any]]] = []
    for position, name in enumerate(names):
        kind = table.c[name].type
        if isinstance(kind, JSON):
            found.append((position, json_text))
        elif dialect == "sqlite" and isinstance(kind, DateTime):
            found.append((position, _sqlite_datetime))
        elif dialect == "sqlite" and isinstance(kind, Date):
            found.append((position, _sqlite_date))
        elif dialect == "sqlite" and isinstance(kind, Boolean):
            found.append((position, int))
    return found


def _driver_rows(
    rows: Iterable[Sequence[Any]], converters: Sequence[tuple[int, Callable[[Any], Any]]]
) -> list[Sequence[Any]]:
    if not converters:
        return list(rows)
    converted: list[Sequence[Any]] = []
    texts: dict[int, str] = {}  # JSON values shared by many rows (an event's data) encoded once
    for row in rows:
        values = list(row)
        for position, convert in converters:
            value = values[position]
            if value is None:
                continue
            if convert is json_text:
                text = texts.get(id(value))
                if text is None:
                    text = texts[id(value)] = json_text(value)
                values[position] = text
            else:
                values[position] = convert(value)
        converted.append(values)
    return converted


def _executemany(session: Session, sql: str, rows: Sequence[Sequence[Any]]) -> int:
    """Run ``sql`` once per row on the unit of work's own DBAPI connection (same transaction);
    return the rows changed. SQLAlchemy's ``exec_driver_sql`` re-checks every row first."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.executemany(sql, rows)
        return int(cursor.rowcount)
    finally:
        cursor.close()


def _placeholders(dialect_paramstyle: str, count: int) -> str:
    mark = "?" if dialect_paramstyle == "qmark" else "%s"
    return ", ".join([mark] * count)


@dataclass(frozen=True)
class Prepared:
    """A driver-level statement with its rows, values already converted: ready to run.

    Batch units prepare what they will write before they take the write lock, so that the
    lock is held for the database's own work only.
    """

    sql: str
    rows: Sequence[Sequence[Any]]
    copy: str | None = None
    """For an ``INSERT`` on PostgreSQL: the ``COPY … FROM STDIN`` that loads the same rows."""

    def run(self, session: Session) -> int:
        """Run the statement once per row in the unit of work; return the rows changed."""
        if not self.rows:
            return 0
        if self.copy is not None and len(self.rows) >= COPY_FROM:
            return _copy(session, self.copy, self.rows)
        return _executemany(session, self.sql, self.rows)


COPY_FROM = 50
"""Rows from which a batch ``INSERT`` on PostgreSQL is sent as one ``COPY`` (ADR 0008): one
statement streams the rows, where ``executemany`` has the server bind and run one per row."""


@dataclass(frozen=True)
class NumberedLetters(Prepared):
    """Letters (their rows without their id) and their links to claims (index of the letter in
    ``rows``, claim id), inserted with the next ids of ``letters`` (SQLite, write lock held:
    the ids ``INTEGER PRIMARY KEY`` would give, one after the largest, in the same order)."""

    links: Sequence[tuple[int, int]] = ()

    def run(self, session: Session) -> int:
        if not self.rows:
            return 0
        cursor = session.connection().connection.cursor()
        try:
            first = int(cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM letters").fetchone()[0])
            cursor.executemany(self.sql, [(first + index, *row) for index, row in enumerate(self.rows)])
            cursor.executemany(
                "INSERT INTO letter_claims (letter_id, claim_id) VALUES (?, ?)",
                [(first + index, claim_id) for index, claim_id in self.links],
            )
        finally:
            cursor.close()
        return len(self.rows)


def _copy(session: Session, copy: str, rows: Sequence[Sequence[Any]]) -> int:
    """``COPY … FROM STDIN`` of ``rows`` on the unit of work's own connection (psycopg 3)."""
    driver: Any = session.connection().connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(copy) as stream:
        write = stream.write_row
        for row in rows:
            write(row)
    return len(rows)


def prepared_insert(
    session: Session, mapped: type[Base], names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> Prepared:
    """``INSERT`` of ``rows`` (each its values in the order of ``names``), converted for the driver."""
    dialect = session.connection().dialect
    table = core(mapped)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)}) "
        f"VALUES ({_placeholders(dialect.paramstyle, len(names))})"
    )
    copy = f"COPY {table.name} ({', '.join(names)}) FROM STDIN" if dialect.name == "postgresql" else None
    return Prepared(sql, _driver_rows(rows, _converters(table, names, dialect.name)), copy)


def prepared_insert_dicts(session: Session, mapped: type[Base], rows: Sequence[dict[str, Any]]) -> Prepared:
    """``prepared_insert`` of rows given as dictionaries (all with the same keys)."""
    if not rows:
        return Prepared("", ())
    names = list(rows[0])
    values_of = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    return prepared_insert(session, mapped, names, list(map(values_of, rows)))


def fast_insert(session: Session, mapped: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows with one driver-level executemany.

    For the batch steps' hottest writes (the monthly cycle's events, letters, tasks): it skips
    SQLAlchemy's per-row parameter processing, converting only the values the driver cannot
    take as they are (``_converters``). Every row must have the same keys.
    """
    prepared_insert_dicts(session, mapped, rows).run(session)


def insert_unless_present(session: Session, mapped: type[Base], values: dict[str, Any]) -> bool:
    """Insert one row unless a row with the same unique key exists; ``True`` when inserted.

    ``INSERT … ON CONFLICT DO NOTHING``: the statement itself takes the write lock, so a batch
    unit that starts its transaction with it never works for nothing on an item already done.
    """
    dialect = session.connection().dialect.name
    statement = (sqlite_insert if dialect == "sqlite" else postgresql_insert)(core(mapped))
    result = session.connection().execute(statement.values(**values).on_conflict_do_nothing())
    return bool(result.rowcount)


def prepared_guarded_update(
    session: Session,
    mapped: type[Base],
    key: str,
    names: Sequence[str],
    changes: Iterable[tuple[Sequence[Any], Sequence[Any], Sequence[Any]]],
) -> Prepared:
    """``UPDATE table SET names = new WHERE names = old AND key = ?`` for many rows (optimistic
    concurrency: a row changed since it was read is not overwritten). ``run`` returns how many
    rows were updated: fewer than given means some had changed.

    ``changes`` groups the rows by change: ``(new values, old values, key values)``, values in
    the order of ``names`` (a batch moves thousands of rows from one state to the same next
    one: each change is converted once). ``NULL`` compares equal to ``NULL``.

    On SQLite a change is ONE statement for all its rows, their keys in one JSON parameter
    (``key IN (SELECT value FROM json_each(?))``, the rows updated set-wise inside the
    database): binding and stepping a statement per row cost four times the update itself.
    PostgreSQL runs one statement per row (its pipeline sends them together).
    """
    dialect = session.connection().dialect
    table = core(mapped)
    width = len(names)
    converters = _converters(table, names, dialect.name)
    everywhere = [(position + offset, convert) for offset in (0, width) for position, convert in converters]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sqlite = dialect.name == "sqlite"
    same = "IS" if sqlite else "IS NOT DISTINCT FROM"
    keyed = f"{key} IN (SELECT value FROM json_each({mark}))" if sqlite else f"{key} = {mark}"
    sql = (
        f"UPDATE {table.name} SET {', '.join(f'{name} = {mark}' for name in names)} WHERE "
        + " AND ".join(f"{name} {same} {mark}" for name in names)
        + f" AND {keyed}"
    )
    rows: list[tuple[Any, ...]] = []
    for new, old, idents in changes:
        (values,) = _driver_rows([(*new, *old)], everywhere)
        change = tuple(values)
        if sqlite:
            rows.append((*change, json_text(list(idents))))
        else:
            rows.extend([(*change, ident) for ident in idents])
    return Prepared(sql, rows)
