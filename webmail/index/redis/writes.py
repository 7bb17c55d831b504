"""What a sync writes to the Redis index, and the folder's sync state: one transaction's
writes (rows, flags, expunges, a new UIDVALIDITY), the ``state`` hash and its read-back
:func:`state`, the sync lease, and dropping a folder or an account.

The writes of one :func:`transaction` go out as one MULTI/EXEC. A search bucket or flag
bucket (:mod:`.records`) is read as it stands, or as an earlier write of the same
transaction left it (the :class:`Batch` keeps those: the sync lease makes each folder's
writer the only one), and written whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from webmail.index.redis.layout import (
    FOLDER_KEYS,
    SORTED,
    account_prefix,
    delete_matching,
    folder_prefix,
    member,
)
from webmail.index.redis.records import bucket_flags, bucket_of, pack, search_record, unpack
from webmail.index.store import STATE_FIELDS, FolderState, utc_from_epoch

# Take the lease when free or already ours; renew it (PX milliseconds).
_CLAIM = """
local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _int(value: str | None) -> int | None:
    return None if value is None or value == "" else int(float(value))


@dataclass
class Batch:
    """One transaction: what :meth:`RedisIndex.transaction` yields as ``conn``.

    :ivar pipe: the MULTI/EXEC pipeline the writes are queued on.
    :ivar client: the client, for the reads a write needs (they see Redis as it stands).
    :ivar buckets: (hash key, bucket) -> member -> record, of every bucket this transaction
        read or wrote, as its writes left it.
    :ivar dropped: folder prefix -> its new UIDVALIDITY, of the folders whose keys this
        transaction deleted: their buckets and rows are empty from then on, whatever Redis
        holds until the EXEC.
    """

    pipe: Any
    client: Any
    buckets: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)


@contextmanager
def transaction(client: Any) -> Iterator[Batch]:
    """A :class:`Batch` on a MULTI/EXEC pipeline: the writes queued on it are applied
    together on success and dropped on error."""
    batch = Batch(client.pipeline(transaction=True), client)
    try:
        yield batch
    except BaseException:
        batch.pipe.reset()
        raise
    batch.pipe.execute()


def state(client: Any, f: str) -> FolderState | None:
    """The sync state and counts of folder prefix ``f``, or ``None`` when never indexed."""
    pipe = client.pipeline(transaction=False)
    pipe.hgetall(f + "state")
    pipe.zcard(f + "sent")
    pipe.zcard(f + "late:sent")
    raw, total, late = pipe.execute()
    if not raw or "uidvalidity" not in raw:
        return None
    synced = raw.get("synced_at")
    return FolderState(
        uidvalidity=int(raw["uidvalidity"]),
        uidnext=_int(raw.get("uidnext")),
        highestmodseq=_int(raw.get("highestmodseq")),
        last_uid=_int(raw.get("last_uid")) or 0,
        server_count=_int(raw.get("server_count")),
        total=int(total),
        late=int(late),
        complete=bool(_int(raw.get("complete"))),
        settled_since=utc_from_epoch(_int(raw.get("settled_since"))),
        synced_at=None if synced is None else float(synced),
    )


def current_uidvalidity(batch: Batch, f: str) -> int | None:
    """The UIDVALIDITY of folder prefix ``f`` as the transaction sees it, ``None`` when the
    folder was dropped."""
    if f in batch.dropped:
        return batch.dropped[f]
    return _int(batch.client.hget(f + "state", "uidvalidity"))


def folder_id(batch: Batch, account: str, folder: str, uidvalidity: int) -> str:
    """The folder's key prefix; registers the folder, or drops its rows when the stored
    UIDVALIDITY differs (the old UIDs mean nothing any more)."""
    f = folder_prefix(account, folder)
    stored = current_uidvalidity(batch, f)
    if stored != uidvalidity:
        if stored is not None:
            batch.pipe.delete(*(f + k for k in FOLDER_KEYS))
            batch.buckets = {k: v for k, v in batch.buckets.items() if not k[0].startswith(f)}
            batch.dropped[f] = uidvalidity
        batch.pipe.hset(f + "state", mapping={"uidvalidity": uidvalidity, "last_uid": 0,
                                              "complete": 0})
    batch.pipe.hset(account_prefix(account) + "folders", folder, f)
    return f


def put_rows(batch: Batch, f: str, rows: Iterable[Sequence[object]]) -> None:
    """Insert or refresh rows (tuples in ``webmail.index.rows.DB_ORDER``)."""
    data: dict[str, str] = {}
    flags: dict[str, str] = {}
    delays: dict[str, str] = {}
    searched: dict[str, str] = {}
    bucketed: dict[str, str] = {}
    scores: dict[str, dict[str, float]] = {k: {} for k in SORTED}
    punctual: list[str] = []
    for row in rows:
        m = member(int(row[0]))  # type: ignore[call-overload]
        data[m] = json.dumps(list(row), separators=(",", ":"), ensure_ascii=False)
        flags[m] = str(row[6])
        bucketed[m] = bucket_flags(row[6])
        delays[m] = "" if row[4] is None else str(row[4])
        searched[m] = search_record(row)
        scores["sent"][m] = float(row[2])  # type: ignore[arg-type]
        scores["arrival"][m] = float(row[1])  # type: ignore[arg-type]
        scores["uids"][m] = float(row[0])  # type: ignore[arg-type]
        if row[5]:
            scores["late:sent"][m] = float(row[2])  # type: ignore[arg-type]
            scores["late:arrival"][m] = float(row[1])  # type: ignore[arg-type]
        else:
            punctual.append(m)
    if not data:
        return
    conn = batch.pipe
    conn.hset(f + "rows", mapping=data)
    conn.hset(f + "flags", mapping=flags)
    conn.hset(f + "delay", mapping=delays)
    _put_buckets(batch, f, "search", searched, ())
    _put_buckets(batch, f, "flagbuckets", bucketed, ())
    for key, mapping in scores.items():
        if mapping:
            conn.zadd(f + key, mapping)
    if punctual:
        conn.zrem(f + "late:sent", *punctual)
        conn.zrem(f + "late:arrival", *punctual)


def set_flags(batch: Batch, f: str, changes: Iterable[tuple[int, Iterable[str]]]) -> int:
    """Replace the flags of indexed UIDs (others ignored); returns how many rows changed."""
    wanted = {member(uid): " ".join(sorted(flags)) for uid, flags in changes}
    present = _present(batch, f, list(wanted))
    if present:
        batch.pipe.hset(f + "flags", mapping={m: wanted[m] for m in present})
        _put_buckets(batch, f, "flagbuckets", {m: bucket_flags(wanted[m]) for m in present}, ())
    return len(present)


def delete_uids(batch: Batch, f: str, uids: Iterable[int]) -> int:
    """Remove the rows of expunged UIDs; returns how many went."""
    present = _present(batch, f, [member(uid) for uid in uids])
    if present:
        conn = batch.pipe
        conn.hdel(f + "rows", *present)
        conn.hdel(f + "flags", *present)
        conn.hdel(f + "delay", *present)
        _put_buckets(batch, f, "search", {}, present)
        _put_buckets(batch, f, "flagbuckets", {}, present)
        for key in SORTED:
            conn.zrem(f + key, *present)
    return len(present)


def update_state(batch: Batch, f: str, values: dict[str, object]) -> None:
    """Set sync-state fields; ``None`` clears one; unknown names raise KeyError."""
    unknown = set(values) - STATE_FIELDS
    if unknown:
        raise KeyError(f"not a folder state field: {sorted(unknown)}")
    setting = {k: (int(v) if isinstance(v, bool) else v) for k, v in values.items()
               if v is not None}
    clearing = [k for k, v in values.items() if v is None]
    if setting:
        batch.pipe.hset(f + "state", mapping=setting)
    if clearing:
        batch.pipe.hdel(f + "state", *clearing)


def _put_buckets(
    batch: Batch, f: str, name: str, records: dict[str, str], gone: Iterable[str]
) -> None:
    """Queue the buckets of the folder's hash ``name`` (``search`` or ``flagbuckets``) with
    ``records`` put in and ``gone`` taken out."""
    key = f + name
    pending = batch.buckets
    gone = list(gone)
    touched = {bucket_of(m) for m in records} | {bucket_of(m) for m in gone}
    unknown = sorted(b for b in touched if (key, b) not in pending)
    if unknown and f in batch.dropped:
        pending.update({(key, b): {} for b in unknown})
    elif unknown:
        for b, packed in zip(unknown, batch.client.hmget(key, unknown), strict=True):
            pending[(key, b)] = unpack(packed)
    for m, record in records.items():
        pending[(key, bucket_of(m))][m] = record
    for m in gone:
        pending[(key, bucket_of(m))].pop(m, None)
    keep = {b: pack(pending[(key, b)]) for b in touched if pending[(key, b)]}
    empty = [b for b in touched if not pending[(key, b)]]
    if keep:
        batch.pipe.hset(key, mapping=keep)
    if empty:
        batch.pipe.hdel(key, *empty)


def _present(batch: Batch, f: str, members: list[str]) -> list[str]:
    """The ``members`` indexed in the folder as this transaction sees it: a flag bucket it
    already wrote says for its UIDs (rows put or deleted before in the same transaction),
    the stored flags for the others (none after a new UIDVALIDITY)."""
    if not members:
        return []
    key = f + "flagbuckets"
    pending = batch.buckets
    known = {
        m: m in pending[(key, bucket_of(m))] for m in members if (key, bucket_of(m)) in pending
    }
    asked = [] if f in batch.dropped else [m for m in members if m not in known]
    found = batch.client.hmget(f + "flags", asked) if asked else []
    stored = {m for m, v in zip(asked, found, strict=True) if v is not None}
    return [m for m in members if known.get(m, m in stored)]


class Lease:
    """The folders' sync leases: a ``lease`` key per folder holding its owner, with a TTL,
    taken and given back by Lua scripts (atomic across every app instance)."""

    def __init__(self, client: Any) -> None:
        self._claim = client.register_script(_CLAIM)
        self._release = client.register_script(_RELEASE)

    def claim(self, f: str, owner: str, seconds: float) -> bool:
        """Take or renew the lease of folder prefix ``f`` for ``seconds``; ``False`` while
        another owner holds it."""
        return bool(self._claim(keys=[f + "lease"], args=[owner, max(1, int(seconds * 1000))]))

    def release(self, f: str, owner: str) -> None:
        """Give the lease of folder prefix ``f`` back if ``owner`` holds it."""
        self._release(keys=[f + "lease"], args=[owner])


def drop_folder(client: Any, account: str, folder: str) -> None:
    """Forget one folder of the account (rows and sync state), in one MULTI/EXEC."""
    f = folder_prefix(account, folder)
    pipe = client.pipeline(transaction=True)
    pipe.delete(*(f + k for k in FOLDER_KEYS))
    pipe.hdel(account_prefix(account) + "folders", folder)
    pipe.execute()


def purge(client: Any, account: str) -> int:
    """Delete every key of the account; returns how many rows went."""
    removed = 0
    for f in client.hvals(account_prefix(account) + "folders"):
        removed += int(client.hlen(f + "rows"))
    delete_matching(client, account_prefix(account) + "*")
    return removed


__all__ = [
    "Batch", "Lease", "current_uidvalidity", "delete_uids", "drop_folder", "folder_id",
    "purge", "put_rows", "set_flags", "state", "transaction", "update_state",
]
