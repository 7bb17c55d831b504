"""The sign-in limits: every attempt is counted before it is tried, in one atomic step, and
each counter backs off exponentially rather than walling a name off.

Counted before, not after: an attempt that is counted only once the IMAP server has
answered lets any number of parallel guesses through the check (40 parallel wrong passwords
for one name all reached the server, with a limit of 5). :meth:`LoginLimiter.attempt` reads,
decides and counts in one transaction (SQLite ``BEGIN IMMEDIATE``; one Lua script in Redis,
:class:`webmail.sessions.redis.RedisLoginLimiter`).

Three counters, as services that are attacked every day keep them (per name and client first,
then softer limits that slow down instead of locking out; OWASP's "device cookies"):

- **the pair**, this account from this client, strict: :attr:`Policy.pair` (after
  ``LOGIN_LIMIT_PER_USER`` = 5 attempts, each next one waits ``LOGIN_BACKOFF_SECONDS`` = 60,
  doubling per attempt up to ``LOGIN_LIMIT_WINDOW_SECONDS`` = 600). The client is the
  browser's device cookie (:data:`DEVICE_COOKIE`, given at a successful sign-in, valid for
  that account only) when it holds one, else the client address.
- **the account**, from any client without its device cookie, soft: after
  ``LOGIN_SOFT_LIMIT_PER_USER`` = 10 attempts a delay of ``LOGIN_SOFT_DELAY_SECONDS`` = 1,
  doubling up to ``LOGIN_SOFT_MAX_DELAY_SECONDS`` = 30. A stranger guessing from many
  addresses is slowed down; the owner's browser, holding the device cookie, is not held.
- **the address**, any account, without a device cookie, soft: after ``LOGIN_LIMIT_PER_IP``
  = 20 attempts the same delays. An office behind one NAT address waits seconds, not ten
  minutes, and colleagues whose browsers signed in before are not held.

A refused attempt is not counted (hammering does not lengthen the wait; a tried one does). A
counter is forgotten ``LOGIN_LIMIT_WINDOW_SECONDS`` after its last attempt. A sign-in that
succeeds forgets its pair and gives its attempt back to the two shared counters (an office
signing in all morning never reaches the address limit); an attempt the server never judged
(it could not be reached) is given back to all three. Counters are keyed by an HMAC with the
app's secret key: no username and no address is stored in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from webmail.sessions.database import database

#: The cookie that makes a browser a known client of one account (see the module docstring).
DEVICE_COOKIE = "webmail_device"
#: How long a device cookie stays valid (seconds): 180 days, renewed at every sign-in.
DEVICE_SECONDS = 180 * 24 * 3600
#: The default limits, as Flask config keys (``create_app(test_config)`` may change them).
DEFAULTS = {
    "LOGIN_LIMIT_PER_USER": 5,
    "LOGIN_BACKOFF_SECONDS": 60,
    "LOGIN_LIMIT_WINDOW_SECONDS": 600,
    "LOGIN_SOFT_LIMIT_PER_USER": 10,
    "LOGIN_LIMIT_PER_IP": 20,
    "LOGIN_SOFT_DELAY_SECONDS": 1,
    "LOGIN_SOFT_MAX_DELAY_SECONDS": 30,
}


@dataclass(frozen=True, slots=True)
class Rule:
    """One counter's rule.

    :ivar free: attempts that need no wait.
    :ivar first_wait: seconds the next attempt waits after the last, once ``free`` are used;
        each further attempt doubles it.
    :ivar max_wait: the longest wait.
    """

    free: int
    first_wait: float
    max_wait: float

    def wait(self, attempts: int) -> float:
        """Seconds an attempt must wait after the last one, ``attempts`` having been counted."""
        if attempts < self.free:
            return 0.0
        return min(self.max_wait, self.first_wait * 2.0 ** min(attempts - self.free, 64))


@dataclass(frozen=True, slots=True)
class Policy:
    """The three rules (see the module docstring) and how long a counter is remembered.

    :ivar pair: this account from this client.
    :ivar account: this account from clients without its device cookie.
    :ivar address: this client address, any account, without a device cookie.
    :ivar memory: seconds after its last attempt that a counter is forgotten.
    """

    pair: Rule
    account: Rule
    address: Rule
    memory: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Policy:
        """The policy of the ``LOGIN_*`` keys of ``config`` (:data:`DEFAULTS` for missing ones)."""

        def get(key: str) -> float:
            return float(config.get(key, DEFAULTS[key]))

        window = get("LOGIN_LIMIT_WINDOW_SECONDS")
        soft = get("LOGIN_SOFT_DELAY_SECONDS"), get("LOGIN_SOFT_MAX_DELAY_SECONDS")
        return cls(
            pair=Rule(int(get("LOGIN_LIMIT_PER_USER")), get("LOGIN_BACKOFF_SECONDS"), window),
            account=Rule(int(get("LOGIN_SOFT_LIMIT_PER_USER")), *soft),
            address=Rule(int(get("LOGIN_LIMIT_PER_IP")), *soft),
            memory=max(window, soft[1]),
        )


@dataclass(frozen=True, slots=True)
class Attempt:
    """One sign-in attempt, as the limiter took it.

    :ivar allowed: it may be tried (and was counted).
    :ivar retry_after: when refused, seconds until it may be tried (else 0).
    :ivar pair: the key of its pair counter.
    :ivar shared: the keys of the account and address counters (none with a device cookie).
    """

    allowed: bool
    retry_after: float
    pair: str
    shared: tuple[str, ...]

    @property
    def retry_seconds(self) -> int:
        """``retry_after`` rounded up, for a ``Retry-After`` header."""
        return max(1, math.ceil(self.retry_after))


class LoginLimiter:
    """The sign-in limits in the instance database (shared by every worker on the machine);
    see the module docstring. Redis: :class:`webmail.sessions.redis.RedisLoginLimiter`."""

    def __init__(self, path: Path, secret_key: str, policy: Policy) -> None:
        self.path = path
        self.policy = policy
        self._secret = hashlib.sha256(b"webmail login limits\0" + secret_key.encode()).digest()
        self._devices = URLSafeTimedSerializer(
            secret_key, salt="webmail device", signer_kwargs={"digest_method": hashlib.sha256}
        )

    def key(self, *parts: str) -> str:
        """The counter key of ``parts``: an HMAC with the secret key (nothing in clear)."""
        joined = "\0".join(parts).encode("utf-8", "surrogatepass")
        return hmac.new(self._secret, joined, hashlib.sha256).hexdigest()[:40]

    def _checks(self, account: str, address: str, device: str | None) -> list[tuple[str, Rule]]:
        if device is not None:
            return [(self.key("pair", account, "device", device), self.policy.pair)]
        return [
            (self.key("pair", account, "address", address), self.policy.pair),
            (self.key("account", account), self.policy.account),
            (self.key("address", address), self.policy.address),
        ]

    def attempt(self, account: str, address: str, device: str | None = None) -> Attempt:
        """Count one attempt to sign in to ``account`` (``Settings.account_name``) from
        ``address``, with the browser's ``device`` (:meth:`device_of`) if it has one, before
        it is tried; or refuse it, uncounted, with the seconds to wait."""
        checks = self._checks(account, address, device)
        retry = self._count(checks)
        keys = tuple(key for key, _ in checks)
        return Attempt(retry <= 0, max(0.0, retry), keys[0], keys[1:])

    def _count(self, checks: Sequence[tuple[str, Rule]]) -> float:
        """In one transaction: the longest wait the counters ask for, or, when none does, count
        the attempt in each and return 0."""
        keys = [key for key, _ in checks]
        with database(self.path) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                now = time.time()  # under the lock: no counter was written later than this
                conn.execute(
                    "DELETE FROM login_counters WHERE last < ?", (now - self.policy.memory,)
                )
                marks = ",".join("?" * len(keys))
                stored = {
                    key: (int(attempts), float(last))
                    for key, attempts, last in conn.execute(
                        f"SELECT key, attempts, last FROM login_counters WHERE key IN ({marks})",
                        keys,
                    )
                }
                retry = 0.0
                for key, rule in checks:
                    attempts, last = stored.get(key, (0, now))
                    wait = rule.wait(attempts)
                    if wait > 0:
                        retry = max(retry, last + wait - now)
                if retry <= 0:
                    conn.executemany(
                        "INSERT INTO login_counters (key, attempts, last) VALUES (?, 1, ?) "
                        "ON CONFLICT(key) DO UPDATE SET attempts = attempts + 1, last = ?",
                        [(key, now, now) for key in keys],
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return retry

    def succeeded(self, attempt: Attempt) -> None:
        """The password was right: forget the pair, give the attempt back to the others."""
        self._settle(forget=(attempt.pair,), give_back=attempt.shared)

    def not_judged(self, attempt: Attempt) -> None:
        """The server never judged the password (unreachable): give the attempt back."""
        self._settle(forget=(), give_back=(attempt.pair, *attempt.shared))

    def _settle(self, forget: Sequence[str], give_back: Sequence[str]) -> None:
        with database(self.path) as conn:
            conn.executemany("DELETE FROM login_counters WHERE key = ?", [(k,) for k in forget])
            conn.executemany(
                "UPDATE login_counters SET attempts = MAX(attempts - 1, 0) WHERE key = ?",
                [(k,) for k in give_back],
            )

    # -- device cookies -------------------------------------------------------------------

    def device_cookie(self, account: str, device: str | None = None) -> str:
        """The value of :data:`DEVICE_COOKIE` after a successful sign-in to ``account``:
        signed, naming the account only by a keyed hash; the browser keeps its device id."""
        return self._devices.dumps({"a": self.key("device", account),
                                    "d": device or secrets.token_urlsafe(16)})

    def device_of(self, cookie: str | None, account: str) -> str | None:
        """The device id in ``cookie`` when it is a valid device cookie of ``account``, else
        ``None`` (no cookie, forged, expired, or another account's)."""
        if not cookie or len(cookie) > 512:
            return None
        try:
            data = self._devices.loads(cookie, max_age=DEVICE_SECONDS)
        except BadSignature:
            return None
        if not isinstance(data, dict) or data.get("a") != self.key("device", account):
            return None
        device = data.get("d")
        return device if isinstance(device, str) and 0 < len(device) <= 64 else None


__all__ = [
    "DEFAULTS", "DEVICE_COOKIE", "DEVICE_SECONDS", "Attempt", "LoginLimiter", "Policy", "Rule",
]
