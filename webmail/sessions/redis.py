"""Server-side sessions in Redis, so several app instances behind a load balancer share them.

Same interface and guarantees as :class:`webmail.sessions.SessionStore` (selected with
``WEBMAIL_SESSION_BACKEND=redis`` and ``WEBMAIL_REDIS_URL``): the browser holds only a random
id; Redis keys the session by the SHA-256 of that id (``wm:sess:<hash>``), so a dump of
Redis opens no session; the IMAP password inside is Fernet-encrypted with a key derived from
the app's secret key (every instance needs the same ``WEBMAIL_SECRET_KEY``). Idle expiry is
Redis' own: every save or touch sets the key's TTL to ``idle_seconds``.

The login limiter and preferences stay in the instance's SQLite file (``path``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import redis

from webmail.sessions.store import SessionStore, hash_session_id

PREFIX = "wm:sess:"


class RedisSessionStore(SessionStore):
    """Session rows as Redis hashes (``data``, ``created``, ``last_seen``) with a TTL."""

    def __init__(
        self, path: Path, secret_key: str, client: redis.Redis, idle_seconds: float
    ) -> None:
        super().__init__(path, secret_key)
        self._r: Any = client  # synchronous client (redis-py's stubs mix in Awaitable)
        self.idle_seconds = max(1, int(idle_seconds))

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


__all__ = ["RedisSessionStore"]
