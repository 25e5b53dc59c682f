"""The outbox: listing, status transitions with their history, rendering, print batches, CLI."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from typer.testing import CliRunner

from recouvre.cli.common import CliState
from recouvre.cli.letters import app
from recouvre.domain.errors import NotFound, Refused
from recouvre.letters.render import MissingMention
from recouvre.service.letter_context import letter_context
from recouvre.service.letters import list_letters, mark, print_batch, render
from recouvre.storage import repository
from recouvre.storage.repository import LetterDraft
from recouvre.storage.tables import LetterRow, RefusalRow

from .conftest import FR, ISSUED, MA, NOTIFIED, Portfolio, pdf_text


def _letter(portfolio: Portfolio, letter_id: int) -> LetterRow:
    with portfolio.services.db.unit_of_work() as session:
        row = session.get(LetterRow, letter_id)
        assert row is not None
        return row


# -- context ---------------------------------------------------------------------------------------


def test_context_reads_amounts_at_the_issue_date_and_masks_identifiers(portfolio: Portfolio) -> None:
    ident = portfolio.letters[("FR", "reminder_1", "person")]
    with portfolio.services.db.unit_of_work() as session:
        context = letter_context(session, ident)
    first, fraud = context.claims
    assert (first.ref, first.principal, first.recovered, first.remitted, first.balance) == (
        "IND-001",
        24_100,
        4_100,  # the 10,00 paid on 20 June, after the issue date, is not counted
        5_000,
        15_000,
    )
    assert (fraud.ref, fraud.indemnity, fraud.balance, fraud.appeal_route) == (
        "IND-002",
        6_000,
        66_000,
        "administrative",
    )
    assert context.balance == 81_000
    assert context.organism.currency == "EUR"
    assert context.debtor.nir_masked == "18…46"
    assert context.debtor.iban_masked == "FR…06"
    assert context.terms.defaults == 1
    assert "184127645108946" not in repr(context)


def test_cnss_context_has_dirhams_and_the_surcharge_rates(portfolio: Portfolio) -> None:
    ident = portfolio.letters[("MA", "notification", "legal")]
    with portfolio.services.db.unit_of_work() as session:
        context = letter_context(session, ident)
    assert context.organism.currency == "MAD"
    assert context.organism.name == "Caisse nationale de sécurité sociale"
    assert context.surcharge is not None and str(context.surcharge.first_month) == "3"


def test_a_reversed_payment_no_longer_counts(portfolio: Portfolio) -> None:
    from recouvre.service.payments import reverse

    reverse(portfolio.services, FR, "IND-001", f"{FR}:IND-001:payment:p1", date(2025, 5, 2), "chèque impayé")
    ident = portfolio.letters[("FR", "reminder_1", "person")]
    with portfolio.services.db.unit_of_work() as session:
        first = letter_context(session, ident).claims[0]
    assert (first.recovered, first.balance) == (0, 19_100)


def test_a_previous_debtor_recorded_by_file_number_is_named(portfolio: Portfolio) -> None:
    ident = _insert(portfolio, "change_of_debtor", {"previous_debtor": "7654321", "why": "internal note"})
    text = pdf_text(render(portfolio.services, ident))
    assert "précédemment à la charge de SCI Les Acacias" in text
    assert "internal note" not in text  # the audit reason of the change is not the debtor's business


def test_a_notification_without_its_mentions_is_not_rendered(portfolio: Portfolio) -> None:
    ident = _insert(portfolio, "notification", {})
    with pytest.raises(MissingMention, match="correction_deadline"):
        render(portfolio.services, ident)


def test_unknown_letter(portfolio: Portfolio) -> None:
    with pytest.raises(NotFound):
        render(portfolio.services, 9_999)
    with pytest.raises(NotFound):
        mark(portfolio.services, 9_999, "sent", ISSUED)


def _insert(portfolio: Portfolio, letter_type: str, data: dict[str, object], key: str = "x") -> int:
    with portfolio.services.db.unit_of_work() as session:
        organism_id = repository.organism_id(session, FR)
        assert organism_id is not None
        debtor = repository.debtor_ids(session, organism_id, ["1234567"])["1234567"]
        claim = repository.claim_rows(session, organism_id, ["IND-001"])["IND-001"]
        repository.insert_letters(
            session,
            [
                LetterDraft(
                    key=f"{FR}:1234567:{letter_type}:{key}",
                    organism_id=organism_id,
                    debtor_id=debtor,
                    type=letter_type,
                    issued_on=ISSUED,
                    claim_ids=(claim.id,),
                    data=data,
                )
            ],
        )
        ident = session.scalar(
            select(LetterRow.id).where(LetterRow.key == f"{FR}:1234567:{letter_type}:{key}")
        )
        assert ident is not None
        return ident


# -- rendering -------------------------------------------------------------------------------------


def test_render_is_deterministic(portfolio: Portfolio) -> None:
    ident = portfolio.letters[("FR", "formal_notice", "legal")]
    first = render(portfolio.services, ident)
    assert render(portfolio.services, ident) == first
    assert "Mise en demeure de payer" in pdf_text(first)
    assert _letter(portfolio, ident).status == "generated"  # rendering alone changes nothing


# -- listing and statuses --------------------------------------------------------------------------


def test_list_letters_filters(portfolio: Portfolio) -> None:
    every = list_letters(portfolio.services, FR)
    assert len(every) == 3 + 2 * 7
    assert [entry.type for entry in list_letters(portfolio.services, FR, on=NOTIFIED)] == ["notification"] * 3
    notices = list_letters(portfolio.services, FR, type="formal_notice")
    assert {entry.debtor_ref for entry in notices} == {"1234567", "7654321"}
    person = next(entry for entry in notices if entry.debtor_ref == "1234567")
    assert person.claim_refs == ("IND-001", "IND-002")
    assert person.status == "generated" and person.status_on == ISSUED
    assert list_letters(portfolio.services, FR, status="sent") == []
    assert len(list_letters(portfolio.services, MA, limit=4)) == 4
    with pytest.raises(ValueError):
        list_letters(portfolio.services, FR, status="lost")


def test_allowed_transitions_keep_the_history(portfolio: Portfolio) -> None:
    ident = portfolio.letters[("FR", "formal_notice", "person")]
    assert mark(portfolio.services, ident, "sent", date(2025, 6, 3))
    assert not mark(portfolio.services, ident, "sent", date(2025, 6, 3))  # a replay changes nothing
    assert mark(portfolio.services, ident, "returned", date(2025, 6, 12), note="NPAI")
    row = _letter(portfolio, ident)
    assert (row.status, row.status_on) == ("returned", date(2025, 6, 12))
    assert row.data["history"] == [
        {"status": "generated", "on": "2025-06-02"},
        {"status": "sent", "on": "2025-06-03"},
        {"status": "returned", "on": "2025-06-12", "note": "NPAI"},
    ]
    assert row.data["deadline"] == "2025-07-02"  # the letter's own data is kept

    other = portfolio.letters[("FR", "formal_notice", "legal")]
    mark(portfolio.services, other, "sent", date(2025, 6, 3))
    assert mark(portfolio.services, other, "delivered", date(2025, 6, 5))
    assert _letter(portfolio, other).status == "delivered"


@pytest.mark.parametrize(
    ("path", "target", "message"),
    [
        ((), "delivered", "can only become sent"),
        ((), "returned", "can only become sent"),
        ((), "generated", "can only become sent"),
        (("sent",), "generated", "can only become delivered or returned"),
        (("sent",), "sent", "can only become delivered or returned"),
        (("sent", "delivered"), "returned", "final"),
        (("sent", "returned"), "sent", "final"),
        (("sent", "returned"), "delivered", "final"),
    ],
)
def test_refused_transitions(portfolio: Portfolio, path: tuple[str, ...], target: str, message: str) -> None:
    ident = portfolio.letters[("FR", "reminder_2", "legal")]
    day = date(2025, 6, 3)
    for status in path:
        mark(portfolio.services, ident, status, day)
    before = _letter(portfolio, ident)
    with pytest.raises(Refused, match=message):
        mark(portfolio.services, ident, target, date(2025, 6, 20))
    after = _letter(portfolio, ident)
    assert (after.status, after.status_on, after.data) == (before.status, before.status_on, before.data)
    with portfolio.services.db.unit_of_work() as session:
        refusal = session.scalars(select(RefusalRow).order_by(RefusalRow.id.desc())).first()
    assert refusal is not None and refusal.event == "letter_status" and message in refusal.message


def test_a_status_cannot_be_dated_before_the_previous_one(portfolio: Portfolio) -> None:
    ident = portfolio.letters[("FR", "reminder_1", "legal")]
    with pytest.raises(Refused, match="before 2025-06-02"):
        mark(portfolio.services, ident, "sent", date(2025, 6, 1))


# -- print batches ---------------------------------------------------------------------------------


def test_print_batch_with_two_workers_renders_every_letter_and_marks_them_sent(
    portfolio: Portfolio, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    seen: list[tuple[int, int]] = []
    report = print_batch(
        portfolio.services,
        FR,
        ISSUED,
        out,
        workers=2,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert (report.selected, len(report.printed), report.failed, report.marked) == (17, 17, (), 17)
    assert report.by_type == {
        "change_of_debtor": 2,
        "claims_list": 2,
        "contrainte": 2,
        "formal_notice": 2,
        "notification": 3,
        "remission_decision": 2,
        "reminder_1": 2,
        "reminder_2": 2,
    }
    files = sorted(out.glob("*/*.pdf"))
    assert len(files) == 17
    for item in report.printed:
        assert item.path == out / item.type / f"{item.id}.pdf"
        assert PdfReader(io.BytesIO(item.path.read_bytes())).pages
    assert not list(out.glob("*/.*"))  # no temporary file left
    assert seen[0] == (0, 17) and seen[-1] == (17, 17)
    assert {entry.status for entry in list_letters(portfolio.services, FR)} == {"sent"}
    assert {entry.status_on for entry in list_letters(portfolio.services, FR)} == {ISSUED}
    assert {entry.status for entry in list_letters(portfolio.services, MA)} == {"generated"}

    again = print_batch(portfolio.services, FR, ISSUED, tmp_path / "again", workers=2)
    assert (again.selected, again.printed, again.marked) == (0, (), 0)
    assert not (tmp_path / "again").exists()


def test_print_batch_takes_letters_issued_up_to_the_date_and_can_reprint(
    portfolio: Portfolio, tmp_path: Path
) -> None:
    early = print_batch(portfolio.services, MA, NOTIFIED, tmp_path / "a", workers=1)
    assert [item.type for item in early.printed] == ["notification", "notification"]
    ident = early.printed[0].id
    mark(portfolio.services, ident, "delivered", date(2025, 3, 5))

    reprint = print_batch(portfolio.services, MA, ISSUED, tmp_path / "b", workers=1, status="sent")
    assert [item.type for item in reprint.printed] == ["notification"]  # the delivered one is left alone
    assert reprint.marked == 0

    only = print_batch(portfolio.services, MA, ISSUED, tmp_path / "c", workers=2, type="formal_notice")
    assert [item.type for item in only.printed] == ["formal_notice", "formal_notice"]
    assert only.marked == 2


def test_a_letter_that_fails_to_render_is_reported_and_stays_generated(
    portfolio: Portfolio, tmp_path: Path
) -> None:
    broken = _insert(portfolio, "notification", {"recovery_mode": "payment"})
    report = print_batch(portfolio.services, FR, ISSUED, tmp_path, workers=2, type="notification")
    assert [item.id for item in report.failed] == [broken]
    assert "MissingMention" in report.failed[0].reason
    assert report.marked == len(report.printed) == 3
    assert _letter(portfolio, broken).status == "generated"
    assert not (tmp_path / "notification" / f"{broken}.pdf").exists()

    unknown = _insert(portfolio, "payment_injunction", {})
    report = print_batch(portfolio.services, FR, ISSUED, tmp_path, workers=1, type="payment_injunction")
    assert [(item.id, item.type) for item in report.failed] == [(unknown, "payment_injunction")]
    assert "no template" in report.failed[0].reason and report.marked == 0


# -- CLI -------------------------------------------------------------------------------------------


def _cli(portfolio: Portfolio, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), obj=CliState(db_url=portfolio.db_url, policy_dir=None))
    return result.exit_code, result.output


def test_cli_render_writes_a_valid_pdf(portfolio: Portfolio, tmp_path: Path) -> None:
    ident = portfolio.letters[("FR", "notification", "person")]
    target = tmp_path / "lettre.pdf"
    code, output = _cli(portfolio, "render", str(ident), "-o", str(target))
    assert code == 0, output
    assert f"courrier {ident}" in output
    text = pdf_text(target.read_bytes())
    assert "Notification de dette" in text and "20 jours" in text
    code, output = _cli(portfolio, "render", "9999", "-o", str(tmp_path / "none.pdf"))
    assert code == 1 and "courrier introuvable" in output


def test_cli_print_list_and_mark(portfolio: Portfolio, tmp_path: Path) -> None:
    command = (
        "print",
        "--on",
        "2025-06-02",
        "--organism",
        MA,
        "--out",
        str(tmp_path),
        "--type",
        "contrainte",
    )
    code, output = _cli(portfolio, *command)
    assert code == 0, output
    assert "2 PDF" in output and "2 marqués" in output and "courriers/s" in output
    assert len(list(tmp_path.glob("contrainte/*.pdf"))) == 2

    code, output = _cli(portfolio, *command)
    assert code == 0 and "aucun courrier" in output

    code, output = _cli(portfolio, "list", "--organism", MA, "--type", "contrainte", "--status", "sent")
    assert code == 0, output
    assert output.count("contrainte") == 2 and "envoyé" in output

    ident = portfolio.letters[("MA", "contrainte", "legal")]
    code, output = _cli(portfolio, "mark", str(ident), "delivered", "--on", "2025-06-05")
    assert code == 0 and "distribué le 05/06/2025" in output
    code, output = _cli(portfolio, "mark", str(ident), "returned", "--on", "2025-06-06")
    assert code == 1 and "final" in output

    code, output = _cli(portfolio, "list", "--date", "2025-03-03")
    assert code == 1 and "précisez --organism" in output
    code, output = _cli(portfolio, "list", "--organism", FR, "--date", "2025-03-03", "--limit", "2")
    assert code == 0 and "limitée à 2" in output


def test_cli_print_exits_non_zero_when_a_letter_fails(portfolio: Portfolio, tmp_path: Path) -> None:
    broken = _insert(portfolio, "notification", {})
    code, output = _cli(
        portfolio,
        "print",
        "--on",
        "2025-06-02",
        "--organism",
        FR,
        "--out",
        str(tmp_path),
        "--type",
        "notification",
    )
    assert code == 1
    assert f"échec courrier {broken}" in output
    with_count = select(func.count()).select_from(LetterRow).where(LetterRow.status == "sent")
    with portfolio.services.db.unit_of_work() as session:
        assert session.scalar(with_count) == 3
