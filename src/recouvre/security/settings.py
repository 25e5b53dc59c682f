"""Security settings: fixed by the installation's code, not dated policy (they rule sign-in, not
recovery, and nothing is computed for a past date with them).

Sign-in is throttled, never locked (``recouvre.security.throttle``): a hard lock after a few
failures let anyone lock anyone out, and only named accounts locked, which told who exists.

* Per client address: after ``ADDRESS_FREE_FAILURES`` failures, each failure
  closes the address for a window that doubles from ``THROTTLE_BASE_DELAY`` up to
  ``ADDRESS_MAX_DELAY`` (a guesser from one address is soon down to one try an hour).
* Per account name, known or not (the same bookkeeping, so that unknown names look the same):
  after ``ACCOUNT_FREE_FAILURES``, doubling windows bounded by the short ``ACCOUNT_MAX_DELAY``,
  so failures from other addresses delay the holder of the name by seconds, never lock them out.
  A successful sign-in clears the name's count.
* A key with no failure for ``THROTTLE_MEMORY`` is forgotten; at most ``THROTTLE_MAX_KEYS`` are
  kept (the oldest go first), so the bookkeeping itself cannot exhaust memory.
* While a window is open the attempt is refused (429 with ``Retry-After``) without hashing.
* At most ``ARGON2_CONCURRENCY`` password verifications run at once per process (argon2 is slow
  and memory-hungry on purpose); an attempt waits ``ARGON2_WAIT_SECONDS`` for a slot, then is
  refused as busy (503 with ``Retry-After``) without counting as a failure.
* A request body is at most ``MAX_BODY_BYTES`` (refused with 413 before it is read further).
* An API token lives ``TOKEN_LIFETIME`` from its issue (a working day), unless revoked sooner
  (``DELETE /api/v1/auth/token``, or the user is disabled).
* A password has at least ``MIN_PASSWORD_LENGTH`` characters (ANSSI recommends length over
  composition rules); it is stored only as its argon2id hash (argon2-cffi's RFC 9106 defaults).
"""

from __future__ import annotations

from datetime import timedelta

ADDRESS_FREE_FAILURES = 5
ACCOUNT_FREE_FAILURES = 3
THROTTLE_BASE_DELAY = timedelta(seconds=1)
ADDRESS_MAX_DELAY = timedelta(hours=1)
ACCOUNT_MAX_DELAY = timedelta(seconds=30)
THROTTLE_MEMORY = timedelta(hours=24)
THROTTLE_MAX_KEYS = 100_000
ARGON2_CONCURRENCY = 2
"""The machine has two cores; more parallel hashes only queue in memory."""
ARGON2_WAIT_SECONDS = 2.0
MAX_BODY_BYTES = 1024 * 1024
"""1 MiB for every route (no route uploads files; the pages' forms have their own 64 KiB)."""
TOKEN_LIFETIME = timedelta(hours=8)
MIN_PASSWORD_LENGTH = 12
TOKEN_BYTES = 32
"""256 bits of randomness per token (``secrets.token_urlsafe``)."""
