"""Security settings: fixed by the installation's code, not dated policy (they rule sign-in, not
recovery, and nothing is computed for a past date with them).

* ``MAX_FAILED_SIGN_INS`` failed sign-ins in a row lock the account for ``LOCK_DURATION``;
  a successful sign-in resets the count. While locked, even the right password is refused.
* An API token lives ``TOKEN_LIFETIME`` from its issue (a working day), unless revoked sooner
  (``DELETE /api/v1/auth/token``, or the user is disabled).
* A password has at least ``MIN_PASSWORD_LENGTH`` characters (ANSSI recommends length over
  composition rules); it is stored only as its argon2id hash (argon2-cffi's RFC 9106 defaults).
"""

from __future__ import annotations

from datetime import timedelta

MAX_FAILED_SIGN_INS = 5
LOCK_DURATION = timedelta(minutes=15)
TOKEN_LIFETIME = timedelta(hours=8)
MIN_PASSWORD_LENGTH = 12
TOKEN_BYTES = 32
"""256 bits of randomness per token (``secrets.token_urlsafe``)."""
