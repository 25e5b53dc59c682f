"""A payment batch staged for the job queue (``queued_payment_batches``) gives back exactly the
payments of the file: what a worker withholds on is what the command read."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from recouvre.domain.withholding import BenefitPayment
from recouvre.service.withholding import _payment_data, _payment_of

amounts = st.dictionaries(st.sampled_from(["AF", "AL", "APL", "RSA", "PA"]), st.integers(0, 10**9))


@given(
    st.text(min_size=1, max_size=20),
    st.dates(date(2000, 1, 1), date(2100, 12, 31)),
    amounts,
    amounts,
    st.booleans(),
)
def test_a_staged_payment_comes_back_whole(
    debtor: str, paid_on: date, regular: dict[str, int], arrears: dict[str, int], cleared: bool
) -> None:
    payment = BenefitPayment(debtor, paid_on, regular, arrears, cleared)
    staged = json.loads(json.dumps(_payment_data(payment)))  # as stored in a JSON column
    back = _payment_of(staged)
    assert back == payment and back.gross == payment.gross
    assert back.after_rent_debt_clearance is cleared
