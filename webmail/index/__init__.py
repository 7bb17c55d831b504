"""The list index: a cache of list rows per (account, folder, UIDVALIDITY, UID).

It knows rows and UIDVALIDITY, never IMAP (:mod:`webmail.mailbox.sync` fills it). The names
below are all the app needs: :func:`open_index` gives the backend the settings choose, an
:class:`IndexStore` (:class:`webmail.index.sqlite.Index` or
:class:`webmail.index.redis.RedisIndex`); :func:`account_key` ties rows to a person;
:class:`FolderState` is what a backend knows about a folder; :data:`Order` names a list order.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from webmail.config import Settings
from webmail.index.sqlite import FILE_NAME, Index
from webmail.index.store import FolderState, IndexStore, Order, account_key


def open_index(settings: Settings, instance_dir: str | os.PathLike[str]) -> IndexStore | None:
    """The index chosen by ``settings.index_backend`` (``WEBMAIL_INDEX``): ``"off"`` gives
    ``None`` (lists come straight from IMAP), ``"sqlite"`` an :class:`~webmail.index.sqlite.Index`
    in ``instance_dir``, ``"redis"`` a :class:`webmail.index.redis.RedisIndex` at
    ``settings.redis_url``; both with the settings' late threshold."""
    threshold = timedelta(minutes=settings.late_threshold_minutes)
    if settings.index_backend == "off":
        return None
    if settings.index_backend == "sqlite":
        return Index(Path(instance_dir) / FILE_NAME, threshold)
    if settings.index_backend == "redis":
        return redis_index(settings, threshold)
    raise ValueError(f"unknown index backend {settings.index_backend!r}")


def redis_index(settings: Settings, threshold: timedelta) -> IndexStore:
    """The :class:`webmail.index.redis.RedisIndex` at ``settings.redis_url`` (a fill process
    opens it again with this). Raises ValueError without a URL."""
    from webmail.index.redis import RedisIndex  # only a Redis deployment needs the package

    if not settings.redis_url:
        raise ValueError("WEBMAIL_INDEX=redis needs WEBMAIL_REDIS_URL")
    return RedisIndex.from_url(settings.redis_url, threshold)


__all__ = ["FolderState", "IndexStore", "Order", "account_key", "open_index", "redis_index"]
