"""Money in: payment references, bank credits and SEPA direct-debit mandates (pure rules).

Sources:

* ISO 11649 (structured creditor reference): ``RF`` + 2 check digits (ISO 7064 mod 97-10 over
  the reference followed by ``RF``) + 1 to 21 letters or digits; checked with python-stdnum
  ``stdnum.iso11649``. SCENARIOS.md "Money in (normative)": every claim has one, printed on its
  letters; a bank credit quoting it books a ``payment`` (channel ``transfer``) on the claim; a
  reference that is malformed, fails its check digits or names no claim of the organism books
  nothing and goes to the unmatched queue.
* SEPA Core Direct Debit rulebook (RULES.md §12): a signed mandate with a unique mandate
  reference (RUM) of 1 to 35 characters; a mandate lapses 36 months after its last collection
  (or its signature when never used); IBAN ISO 13616, checked with ISO 7064 mod 97-10
  (python-stdnum ``stdnum.iban``, which also checks each country's BBAN format).
* SCENARIOS.md: ``direct_debit_run`` collects every plan instalment due that day on claims whose
  debtor has a mandate, capped at the balance; ``direct_debit_return`` reverses the claim's last
  direct-debit payment, of the same amount (that instalment then counts as unpaid).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from stdnum import iban as std_iban
from stdnum import iso11649
from stdnum.exceptions import ValidationError
from stdnum.iso7064 import mod_97_10

from recouvre.domain.model import DomainError
from recouvre.domain.money import Cents

REFERENCE_BODY_MAX = 21
"""Characters after ``RF`` and the check digits (ISO 11649)."""
MANDATE_LAPSE_MONTHS = 36
"""A SEPA mandate not used for 36 months lapses (SEPA Core rulebook; RULES.md §12)."""
RUM_MAX = 35
_RUM = re.compile(r"^[A-Za-z0-9+?/:().,' -]{1,35}$")
"""The SEPA character set allowed in a mandate reference (EPC guidance: Latin letters, digits
and ``/ - ? : ( ) . , ' +`` and space)."""
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _with_check_digits(body: str) -> str:
    return f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"


def readable_reference(organism: str, claim_ref: str) -> str:
    """The claim's reference as letters have printed it since the first release: the last 21
    letters and digits of the organism's code followed by the claim's number."""
    upper = f"{organism}{claim_ref}".upper()
    body = "".join(char for char in upper if char.isascii() and char.isalnum())[-REFERENCE_BODY_MAX:]
    return _with_check_digits(body) if body else hashed_reference(organism, claim_ref, -1)


def hashed_reference(organism: str, claim_ref: str, attempt: int) -> str:
    """A reference derived from a digest of the organism and the claim (20 base-36 characters
    after a ``Z``): used when the readable one is already another claim's (two numbers that
    differ only by punctuation, or long numbers sharing their last characters)."""
    digest = int.from_bytes(
        hashlib.sha256(f"{organism}\x1f{claim_ref}\x1f{attempt}".encode()).digest(), "big"
    )
    chars = []
    for _ in range(REFERENCE_BODY_MAX - 1):
        digest, rest = divmod(digest, 36)
        chars.append(_BASE36[rest])
    return _with_check_digits("Z" + "".join(chars))


def candidate_references(organism: str, claim_ref: str, attempts: int = 5) -> list[str]:
    """The references a claim may get, in order of preference: the first one no other claim of
    the organism holds is the claim's (stable: stored once chosen)."""
    return [readable_reference(organism, claim_ref)] + [
        hashed_reference(organism, claim_ref, attempt) for attempt in range(attempts)
    ]


def compact_reference(text: str) -> str:
    """The reference without spaces, in capitals (how a bank statement may quote it)."""
    return iso11649.compact(text)


def reference_problem(text: str) -> str | None:
    """Why ``text`` is not a valid creditor reference (French, for the accountant), or ``None``."""
    compact = compact_reference(text)
    if not compact:
        return "référence absente"
    if not compact.startswith("RF"):
        return "ne commence pas par RF (référence ISO 11649 attendue)"
    if len(compact) < 5 or len(compact) > 4 + REFERENCE_BODY_MAX:
        return "longueur incorrecte (RF, 2 chiffres de contrôle et 1 à 21 caractères)"
    if not compact[2:4].isdigit() or not compact[4:].isalnum() or not compact.isascii():
        return "caractères non autorisés"
    try:
        iso11649.validate(compact)
    except ValidationError:
        return "chiffres de contrôle faux"
    return None


def format_reference(reference: str) -> str:
    """Groups of four characters, as printed on letters (``RF18 5390 0754 7034``)."""
    return iso11649.format(reference)


# SEPA mandates -----------------------------------------------------------------------------------


def checked_iban(value: str, field: str = "iban") -> str:
    """The IBAN in its compact form, or a ``DomainError`` naming the field (in French)."""
    compact = std_iban.compact(value or "")
    if not compact:
        raise DomainError(field, value, "IBAN absent")
    try:
        return str(std_iban.validate(compact))
    except ValidationError as error:
        raise DomainError(field, value, f"IBAN invalide ({_iban_reason(error)})") from None


def _iban_reason(error: ValidationError) -> str:
    name = type(error).__name__
    return {
        "InvalidChecksum": "clé de contrôle fausse",
        "InvalidLength": "longueur incorrecte pour ce pays",
        "InvalidFormat": "format incorrect",
        "InvalidComponent": "code pays ou compte inconnu",
    }.get(name, "non conforme à la norme ISO 13616")


def masked_iban(iban: str) -> str:
    """Only the country, check digits and last four characters: ``FR76 **** **** 1234``."""
    compact = std_iban.compact(iban)
    return f"{compact[:4]} **** **** {compact[-4:]}" if len(compact) > 8 else "****"


def checked_rum(value: str) -> str:
    """A unique mandate reference (RUM): 1 to 35 SEPA characters."""
    if not _RUM.match(value or ""):
        raise DomainError(
            "rum",
            value,
            f"référence unique de mandat (RUM) : 1 à {RUM_MAX} lettres, chiffres ou / - ? : ( ) . , ' +",
        )
    return value


def default_rum(organism: str, debtor_ref: str, signed_on: date) -> str:
    """The RUM the organism gives a mandate: organism, debtor, signature date (at most 35)."""
    body = re.sub(r"[^A-Za-z0-9-]", "", f"{organism}-{debtor_ref}")[: RUM_MAX - 9]
    return f"{body}-{signed_on:%Y%m%d}"


@dataclass(frozen=True)
class MandateFacts:
    signed_on: date
    last_collected_on: date | None
    revoked_on: date | None


def mandate_lapses_on(facts: MandateFacts) -> date:
    """The day a mandate lapses: 36 months after its last collection, or after its signature
    when nothing was ever collected (SEPA Core rulebook)."""
    last = facts.last_collected_on or facts.signed_on
    return last + relativedelta(months=MANDATE_LAPSE_MONTHS)


def mandate_usable(facts: MandateFacts, on: date) -> bool:
    """Whether a collection may be made on ``on`` under this mandate."""
    if facts.signed_on > on:
        return False
    if facts.revoked_on is not None and facts.revoked_on <= on:
        return False
    return on < mandate_lapses_on(facts)


def instalment_due_on(first_due: date, on: date) -> bool:
    """Whether an instalment of a plan starting ``first_due`` falls due on ``on`` (the same day
    each month; the month's last day when that day does not exist)."""
    if on < first_due:
        return False
    months = (on.year - first_due.year) * 12 + on.month - first_due.month
    return first_due + relativedelta(months=months) == on


def collection_amount(monthly: Cents, balance: Cents) -> Cents:
    """The instalment, capped at the balance (SCENARIOS.md ``direct_debit_run``)."""
    return max(min(monthly, balance), 0)


# Pre-notification and collection files -----------------------------------------------------------

END_TO_END_MAX = 35


def prenotified_in_time(notified_on: date | None, due_on: date, days: int) -> bool:
    """Whether a collection due on ``due_on`` was pre-notified at least ``days`` days before
    (policy ``sepa.prenotification_days``: the SEPA Core rulebook's 14 days unless agreed
    otherwise, RULES.md §12)."""
    return notified_on is not None and (due_on - notified_on).days >= days


def end_to_end_id(claim_id: int, due_on: date) -> str:
    """The collection's end-to-end id (at most 35 characters), quoted back by the bank's returns
    and rejects (pain.002, camt.054): it names the claim and the due date."""
    return f"RCV-{claim_id}-{due_on:%Y%m%d}"


def parse_end_to_end_id(text: str) -> tuple[int, date] | None:
    match = re.fullmatch(r"RCV-(\d{1,18})-(\d{8})", text.strip())
    if match is None:
        return None
    try:
        day = date(int(match.group(2)[:4]), int(match.group(2)[4:6]), int(match.group(2)[6:]))
    except ValueError:
        return None
    return int(match.group(1)), day


def sequence_type(last_collected_on: date | None) -> str:
    """SEPA sequence type: ``FRST`` for a mandate's first collection, ``RCUR`` afterwards."""
    return "FRST" if last_collected_on is None else "RCUR"
