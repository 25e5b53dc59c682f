"""Sign-in throttling: growing delays per client address and per account name, in memory.

An attempt first *reserves* a failure on each of its keys (atomically, under a lock), so that a
burst of parallel attempts is counted before any of them has been hashed; a success gives the
address's reservation back and clears the name's count. While a key's window is open, the attempt
is refused at once: no database read, no argon2.

The state lives in the process (``Services.throttle``), not in the database: nothing to write per
attempt (an attacker's flood costs no I/O), no migration, and the lock is a plain mutex. The
trade-off: a restart forgets the counts, and with several worker processes each keeps its own
(``recouvre serve`` runs one). A key store shared by workers (the database, Redis) is the next
step if the API is ever run with several workers.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from recouvre.security import settings


@dataclass
class _Count:
    failures: int
    last: datetime
    open_until: datetime


@dataclass(frozen=True)
class Rule:
    free: int
    base: timedelta
    cap: timedelta

    def window(self, failures: int) -> timedelta:
        """How long the key stays closed after ``failures`` failures in a row: not at all below
        ``free``, then ``base``, doubling with each further failure, up to ``cap``."""
        if failures < self.free:
            return timedelta(0)
        delay: timedelta = min(self.base * (2 ** min(failures - self.free, 40)), self.cap)
        return delay


ADDRESS_RULE = Rule(settings.ADDRESS_FREE_FAILURES, settings.THROTTLE_BASE_DELAY, settings.ADDRESS_MAX_DELAY)
ACCOUNT_RULE = Rule(settings.ACCOUNT_FREE_FAILURES, settings.THROTTLE_BASE_DELAY, settings.ACCOUNT_MAX_DELAY)


class Throttled(Exception):
    """Too many failures from this address or on this name: retry after ``retry_after`` s."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"retry after {retry_after} s")


@dataclass(frozen=True)
class Reservation:
    keys: tuple[tuple[str, Rule], ...]


class SignInThrottle:
    def __init__(
        self, max_keys: int = settings.THROTTLE_MAX_KEYS, memory: timedelta = settings.THROTTLE_MEMORY
    ) -> None:
        self._counts: OrderedDict[str, _Count] = OrderedDict()
        self._lock = threading.Lock()
        self._max_keys = max_keys
        self._memory = memory

    def _current(self, key: str, now: datetime) -> _Count | None:
        count = self._counts.get(key)
        if count is not None and now - count.last >= self._memory:
            del self._counts[key]
            return None
        return count

    def reserve(self, now: datetime, *, address: str | None, account: str) -> Reservation:
        """Count this attempt as a failure on each key, or raise ``Throttled`` if one is closed."""
        keys: list[tuple[str, Rule]] = [(f"account:{account[:64].lower()}", ACCOUNT_RULE)]
        if address is not None:
            keys.append((f"address:{address[:100]}", ADDRESS_RULE))
        return self._reserve(now, keys)

    def _reserve(self, now: datetime, keys: list[tuple[str, Rule]]) -> Reservation:
        with self._lock:
            wait = timedelta(0)
            for key, _ in keys:
                count = self._current(key, now)
                if count is not None and count.open_until > now:
                    wait = max(wait, count.open_until - now)
            if wait > timedelta(0):
                raise Throttled(max(1, math.ceil(wait.total_seconds())))
            for key, rule in keys:
                count = self._current(key, now)
                failures = 1 if count is None else count.failures + 1
                self._counts[key] = _Count(failures, now, now + rule.window(failures))
                self._counts.move_to_end(key)
            while len(self._counts) > self._max_keys:
                self._counts.popitem(last=False)
        return Reservation(tuple(keys))

    def hit(self, now: datetime, key: str, rule: Rule) -> None:
        """Count one use of ``key`` (a request, not a failure), or raise ``Throttled`` while it is
        closed: past ``rule.free`` uses, each further one waits longer (the debtor space's codes)."""
        self._reserve(now, [(key[:120], rule)])

    def release(self, reservation: Reservation, *, succeeded: bool) -> None:
        """Give back the attempt: it did not fail (busy), or it succeeded (the name is cleared)."""
        with self._lock:
            for key, rule in reservation.keys:
                count = self._counts.get(key)
                if count is None:
                    continue
                if succeeded and key.startswith("account:"):
                    del self._counts[key]
                    continue
                count.failures = max(0, count.failures - 1)
                count.open_until = count.last + rule.window(count.failures)

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()
