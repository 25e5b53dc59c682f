"""The batch check of the ledger's invariants (``check_postings``) and ``Ledger.post`` agree.

The batch steps write prepared movement rows without ``Ledger.post``; ``check_postings`` must
accept exactly the rows ``Ledger.post`` would book, in the same order, with the same sequence
numbers and signed amounts, and refuse the others.
"""

from __future__ import annotations

import contextlib
import pickle
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from recouvre.domain.ledger import (
    INCREASING,
    Ledger,
    LedgerError,
    LedgerHead,
    MovementKind,
    MovementRequest,
    PostingProblem,
    PostingsRefused,
    check_postings,
)

DAY = date(2026, 1, 1)


Row = tuple[str, int, int, str, int, int, date, str | None, None, str]


def row(
    key: str, claim: int, sequence: int, kind: str, amount: int, signed: int, reverses: str | None = None
) -> Row:
    """A movement row as a batch step prepares it (``POSTING_FIELDS``, then channel and note)."""
    return (key, claim, sequence, kind, amount, signed, DAY, reverses, None, "")


def test_good_rows_pass_and_update_the_head() -> None:
    heads = {1: LedgerHead(10_000, 1), 2: LedgerHead(500, 3)}
    rows = [
        row("a", 1, 2, "withholding", 4_000, -4_000),
        row("b", 1, 3, "surcharge", 300, 300),
        row("c", 2, 4, "withholding", 500, -500),
    ]
    assert check_postings(heads, rows) == []
    assert (heads[1].total, heads[1].count, heads[2].total, heads[2].count) == (6_300, 3, 0, 4)


def test_each_invariant_refuses_its_row() -> None:
    heads = {1: LedgerHead(10_000, 1), 2: LedgerHead(0, 0)}
    rows = [
        row("over", 1, 2, "withholding", 10_001, -10_001),  # beyond the balance (invariant 4)
        row("gap", 1, 3, "surcharge", 100, 100),  # sequence 3 after 1: a gap
        row("sign", 1, 2, "surcharge", 100, -100),  # the signed amount contradicts the kind
        row("zero", 1, 2, "payment", 0, 0),  # amounts are positive
        row("first", 2, 1, "payment", 100, -100),  # the first movement is 'established' (invariant 5)
        row("again", 1, 2, "established", 100, 100),  # established once
        row("refund", 1, 2, "refund", 100, 100),  # no credit to refund
        row("nobody", 9, 1, "payment", 100, -100),  # no ledger read for this claim
        row("rev", 1, 2, "reversal", 100, -100, "unknown"),  # names no movement
        row("ok", 1, 2, "payment", 100, -100),
        row("ok", 1, 3, "payment", 100, -100),  # the same key twice (invariant 2)
    ]
    problems = check_postings(heads, rows)
    assert [(problem.key, problem.field) for problem in problems] == [
        ("over", "movement.amount"),
        ("gap", "movement.sequence"),
        ("sign", "movement.signed"),
        ("zero", "movement.amount"),
        ("first", "movement.kind"),
        ("again", "movement.kind"),
        ("refund", "movement.amount"),
        ("nobody", "claim_id"),
        ("rev", "movement.reverses"),
        ("ok", "movement.key"),
    ]
    assert heads[1].count == 2  # only the good row was taken


def test_a_reversal_of_a_row_of_the_same_batch_is_checked_like_the_ledger() -> None:
    heads = {1: LedgerHead(10_000, 1)}
    rows = [
        row("p", 1, 2, "payment", 3_000, -3_000),
        row("p:rev", 1, 3, "reversal", 3_000, 3_000, "p"),
        row("p:rev2", 1, 4, "reversal", 3_000, 3_000, "p"),  # already reversed
    ]
    [problem] = check_postings(heads, rows)
    assert (problem.key, problem.reason) == ("p:rev2", "déjà contre-passé")


def test_refused_postings_cross_processes_whole() -> None:
    error = PostingsRefused("run R1", [PostingProblem(0, 1, "k", "movement.amount", 5, "too much")])
    again = pickle.loads(pickle.dumps(error))
    assert (
        isinstance(again, PostingsRefused) and again.problems == error.problems and str(again) == str(error)
    )
    assert "run R1" in str(error) and "too much" in str(error)


KINDS = [kind for kind in MovementKind if kind is not MovementKind.ESTABLISHED]
operation = st.tuples(
    st.sampled_from([*KINDS, MovementKind.ESTABLISHED]),
    st.integers(min_value=-5, max_value=2_000_000),
    st.integers(min_value=0, max_value=40),  # which earlier movement a reversal or a reused key names
    st.booleans(),  # reuse an earlier key
)


def _requests(
    operations: list[tuple[MovementKind, int, int, bool]], ledger: Ledger, prefix: str
) -> list[MovementRequest]:
    """Requests from drawn operations; reversals and reused keys name movements of ``ledger``."""
    known = list(ledger)
    requests: list[MovementRequest] = []
    for index, (kind, amount, pick, reuse) in enumerate(operations):
        target = known[pick % len(known)]
        key = target.key if reuse else f"{prefix}{index}"
        reverses = target.key if kind is MovementKind.REVERSAL else None
        if kind is MovementKind.REVERSAL and pick % 3:
            amount = target.amount
        requests.append(MovementRequest(key, kind, amount, DAY + timedelta(days=index), reverses=reverses))
    return requests


def _signed(request: MovementRequest) -> int:
    """The signed effect a batch step gives a row by its kind (a reversal: what it cancels)."""
    return request.amount if request.kind in INCREASING else -request.amount


@settings(max_examples=300, deadline=None)
@given(
    principal=st.integers(min_value=1, max_value=10**9),
    history=st.lists(operation, max_size=15),
    batch=st.lists(operation, min_size=1, max_size=15),
)
def test_the_batch_check_agrees_with_ledger_post(
    principal: int,
    history: list[tuple[MovementKind, int, int, bool]],
    batch: list[tuple[MovementKind, int, int, bool]],
) -> None:
    """From any ledger, a batch passes ``check_postings`` iff ``Ledger.post`` books every one of
    its requests as a new movement, in order; the rows passed are the movements it booked."""
    ledger = Ledger()
    ledger.post(MovementRequest("k0", MovementKind.ESTABLISHED, principal, DAY))
    for index, operation_drawn in enumerate(history):
        for request in _requests([operation_drawn], ledger, f"h{index}:"):
            with contextlib.suppress(LedgerError):
                ledger.post(request)
    head = LedgerHead.of(ledger)
    requests = _requests(batch, ledger, "b")
    # The rows a batch step prepares: the next sequence and the signed effect by the kind.
    expected: list[tuple[object, ...]] = []
    all_booked = True
    sequence, rows = len(ledger), list[Row]()
    for request in requests:
        try:
            movement, new = ledger.post(request)
        except LedgerError:
            all_booked, movement, new = False, None, False
        if movement is not None and new:
            expected.append((movement.key, movement.sequence, movement.signed))
        else:
            all_booked = False
        sequence += 1
        signed = (
            request.amount
            if request.kind
            in {
                MovementKind.ESTABLISHED,
                MovementKind.INDEMNITY,
                MovementKind.SURCHARGE,
                MovementKind.REFUND,
                MovementKind.COSTS,  # SCENARIOS.md "Movement kinds": costs (+)
            }
            else -request.amount
        )
        if request.kind is MovementKind.REVERSAL and movement is not None:
            signed = movement.signed
        rows.append(
            row(request.key, 1, sequence, request.kind.value, request.amount, signed, request.reverses)
        )
    problems = check_postings({1: head}, rows)
    assert (problems == []) == all_booked
    if all_booked:
        assert [(r[0], r[2], r[5]) for r in rows] == expected
        assert (head.total, head.count) == (ledger.total, len(ledger))


@settings(max_examples=300, deadline=None)
@given(
    principal=st.integers(min_value=1, max_value=10**9), batch=st.lists(operation, min_size=1, max_size=20)
)
def test_row_by_row_the_check_accepts_what_ledger_post_books(
    principal: int, batch: list[tuple[MovementKind, int, int, bool]]
) -> None:
    """One row at a time against a head of the same ledger: accepted iff ``Ledger.post`` books it
    anew with that sequence and signed amount (a replay books nothing: a batch row would)."""
    ledger = Ledger()
    ledger.post(MovementRequest("k0", MovementKind.ESTABLISHED, principal, DAY))
    for index, operation_drawn in enumerate(batch):
        [request] = _requests([operation_drawn], ledger, f"b{index}:")
        head = LedgerHead.of(ledger)
        try:
            movement, new = ledger.post(request)
            booked = new
        except LedgerError:
            movement, booked = None, False
        sequence, signed = (
            (movement.sequence, movement.signed) if booked and movement else (len(ledger) + 1, 0)
        )
        if not booked:  # a row as a batch would prepare it, with the effect the kind gives
            signed = (
                request.amount
                if request.kind.value in {"established", "indemnity", "surcharge", "refund"}
                else -request.amount
            )
        problems = check_postings(
            {1: head},
            [row(request.key, 1, sequence, request.kind.value, request.amount, signed, request.reverses)],
        )
        assert (problems == []) == booked, (request, problems)
