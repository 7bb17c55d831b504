"""Server-side sessions in Redis, so several app instances behind a load balancer share them.

Same interface and guarantees as :class:`webmail.sessions.SessionStore` (selected with
``WEBMAIL_SESSION_BACKEND=redis`` and ``WEBMAIL_REDIS_URL``): the browser holds only a random
id; Redis keys the session by the SHA-256 of that id (``wm:sess:<hash>``), so a dump of
Redis opens no session; the IMAP password inside is Fernet-encrypted with a key derived from
the app's secret key (every instance needs the same ``WEBMAIL_SECRET_KEY``). Idle expiry is
Redis' own: every save or touch sets the key's TTL to ``idle_seconds``.

The readers' preferences (:class:`RedisPreferences`, ``wm:prefs:<hash>``) and the sign-in
counts (:class:`RedisLoginLimiter`, ``wm:login:<hmac>``, each expiring with its counter) live
in the same Redis, so every instance shares them; nothing of either goes into an instance's
SQLite file.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import redis

from webmail.sessions.limits import LoginLimiter, Policy, Rule
from webmail.sessions.prefs import Preferences
from webmail.sessions.store import SessionStore, hash_session_id

PREFIX = "wm:sess:"
PREFS_PREFIX = "wm:prefs:"
LOGIN_PREFIX = "wm:login:"

# One attempt, atomically (the script runs alone): KEYS are the counters; ARGV[1] the seconds a
# counter is remembered, then free, first_wait, max_wait per key (webmail.sessions.limits.Rule).
# Returns the seconds to wait, or "0" after counting the attempt in every counter. The clock is
# Redis' own (TIME), so instances whose clocks differ still agree.
_COUNT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local retry = 0
for i, key in ipairs(KEYS) do
  local free, first, most = tonumber(ARGV[3*i - 1]), tonumber(ARGV[3*i]), tonumber(ARGV[3*i + 1])
  local stored = redis.call('HMGET', key, 'attempts', 'last')
  local attempts = tonumber(stored[1]) or 0
  local last = tonumber(stored[2]) or now
  if attempts >= free then
    local wait = math.min(most, first * 2 ^ math.min(attempts - free, 64))
    if wait > 0 then retry = math.max(retry, last + wait - now) end
  end
end
if retry > 0 then return tostring(retry) end
for _, key in ipairs(KEYS) do
  redis.call('HINCRBY', key, 'attempts', 1)
  redis.call('HSET', key, 'last', tostring(now))
  redis.call('EXPIRE', key, ARGV[1])
end
return '0'
"""
# Give one attempt back to each counter in KEYS (never below 0).
_GIVE_BACK = """
for _, key in ipairs(KEYS) do
  local attempts = tonumber(redis.call('HGET', key, 'attempts'))
  if attempts and attempts > 0 then redis.call('HINCRBY', key, 'attempts', -1) end
end
return 0
"""


class RedisSessionStore(SessionStore):
    """Session rows as Redis hashes (``data``, ``created``, ``last_seen``) with a TTL."""

    def __init__(
        self, path: Path, secret_key: str, client: redis.Redis, idle_seconds: float
    ) -> None:
        super().__init__(path, secret_key)
        self._r: Any = client  # synchronous client (redis-py's stubs mix in Awaitable)
        self.idle_seconds = max(1, int(idle_seconds))

    @property
    def client(self) -> redis.Redis:
        """The Redis connection (shared with :class:`RedisPreferences` and
        :class:`RedisLoginLimiter`)."""
        return self._r  # type: ignore[no-any-return]

    @classmethod
    def from_url(
        cls, path: Path, secret_key: str, url: str, idle_seconds: float
    ) -> RedisSessionStore:
        """A store on the Redis at ``url``; raises ``redis.ConnectionError`` when unreachable."""
        client = redis.Redis.from_url(url, decode_responses=True)
        client.ping()
        return cls(path, secret_key, client, idle_seconds)

    @staticmethod
    def _key(session_id: str) -> str:
        return PREFIX + hash_session_id(session_id)

    def load(self, session_id: str, idle_seconds: float) -> tuple[dict[str, Any], float] | None:
        """The data and last_seen of a live session, or ``None`` (unknown, idle or expired)."""
        key = self._key(session_id)
        data, last_seen = self._r.hmget(key, ["data", "last_seen"])
        if data is None or last_seen is None:
            return None
        if time.time() - float(last_seen) > idle_seconds:
            self._r.delete(key)
            return None
        try:
            loaded = json.loads(data)
        except ValueError:
            return None
        return (loaded if isinstance(loaded, dict) else {}), float(last_seen)

    def save(self, session_id: str, data: dict[str, Any]) -> None:
        """Create or replace a session's data, mark it used now and restart its TTL."""
        key, now = self._key(session_id), time.time()
        pipe = self._r.pipeline(transaction=True)
        pipe.hsetnx(key, "created", now)
        pipe.hset(key, mapping={"data": json.dumps(data), "last_seen": now})
        pipe.expire(key, self.idle_seconds)
        pipe.execute()

    def touch(self, session_id: str) -> None:
        """Mark a live session used now and restart its TTL (an expired one stays gone)."""
        key = self._key(session_id)
        if self._r.expire(key, self.idle_seconds):
            self._r.hset(key, "last_seen", time.time())

    def delete(self, session_id: str) -> None:
        """Forget a session on every instance."""
        self._r.delete(self._key(session_id))

    def purge(self, idle_seconds: float) -> int:
        """Nothing to do: Redis expires idle sessions by their TTL. Returns 0."""
        return 0

    def count(self) -> int:
        """How many live sessions exist."""
        return sum(1 for _ in self._r.scan_iter(match=PREFIX + "*", count=1000))


class RedisPreferences(Preferences):
    """:class:`webmail.sessions.prefs.Preferences` kept in Redis (``wm:prefs:<SHA-256 of the
    account name>``, no expiry), shared by every instance."""

    def __init__(
        self, path: Path, client: redis.Redis, account_name: Callable[[str], str]
    ) -> None:
        super().__init__(path, account_name)
        self._r: Any = client

    @staticmethod
    def _key(name: str) -> str:
        digest = hashlib.sha256(b"webmail prefs\0" + name.encode("utf-8", "surrogatepass"))
        return PREFS_PREFIX + digest.hexdigest()[:40]

    def _read(self, name: str) -> str | None:
        stored = self._r.get(self._key(name))
        return None if stored is None else str(stored)

    def _write(self, name: str, data: str) -> None:
        self._r.set(self._key(name), data)


class RedisLoginLimiter(LoginLimiter):
    """:class:`webmail.sessions.limits.LoginLimiter` with its counters in Redis: one Lua
    script reads, decides and counts an attempt atomically for every instance at once; a
    counter expires ``policy.memory`` seconds after its last attempt."""

    def __init__(self, path: Path, secret_key: str, policy: Policy, client: redis.Redis) -> None:
        super().__init__(path, secret_key, policy)
        self._r: Any = client
        self._count_script = self._r.register_script(_COUNT)
        self._give_back_script = self._r.register_script(_GIVE_BACK)

    def _count(self, checks: Sequence[tuple[str, Rule]]) -> float:
        args: list[float] = [max(1, math.ceil(self.policy.memory))]
        for _, rule in checks:
            args += [rule.free, rule.first_wait, rule.max_wait]
        keys = [LOGIN_PREFIX + key for key, _ in checks]
        return float(self._count_script(keys=keys, args=args))

    def _settle(self, forget: Sequence[str], give_back: Sequence[str]) -> None:
        if forget:
            self._r.delete(*(LOGIN_PREFIX + key for key in forget))
        if give_back:
            self._give_back_script(keys=[LOGIN_PREFIX + key for key in give_back])


__all__ = ["RedisLoginLimiter", "RedisPreferences", "RedisSessionStore"]
