"""The list index in Redis, shared by several app instances behind a load balancer.

Same contract as the SQLite :class:`webmail.index.sqlite.Index` (the :class:`IndexStore` protocol);
selected with ``WEBMAIL_INDEX=redis`` and ``WEBMAIL_REDIS_URL``. Layout, one key prefix per
account (``wm:ix:<account key>:``) and per folder (``<prefix><sha256(folder)[:24]>:``)::

    <folder>state          hash: uidvalidity, uidnext, highestmodseq, last_uid, server_count,
                           complete, settled_since, synced_at
    <folder>rows           hash: member -> JSON row (webmail.index.rows.DB_ORDER)
    <folder>flags          hash: member -> flags (kept apart: a flag change rewrites one field)
    <folder>flagbuckets    hash: UID // 1024 -> the flags of those UIDs, one string (the same
                           flags again, for a search's is:read / is:unread / is:flagged term:
                           a hundred strings, not 100,000 fields)
    <folder>delay          hash: member -> delay in seconds ("" unknown), for the delays plot
    <folder>search         hash: UID // 1024 -> the search records of those UIDs, one string
                           (see _search_record; read whole in a hundred strings, not 100,000)
    <folder>sent           sorted set: member scored by true sent time
    <folder>arrival        sorted set: member scored by arrival
    <folder>late:sent      the same two, late rows only (the late filter and its count)
    <folder>late:arrival
    <folder>uids           sorted set: member scored by UID (resuming a cut sync)
    <folder>lease          string: the sync lease's owner, with a TTL
    <prefix>folders        hash: folder name -> folder prefix

A member is the UID as ten zero-padded digits, so equal scores fall back to UID order the
way SQLite's ``ORDER BY sent, uid`` does. A page is one ZRANGE plus two HMGETs; counts are two
ZCARDs. Writes of one :meth:`RedisIndex.transaction` go out as one MULTI/EXEC.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import redis

from webmail.headers.incidents import hold_of
from webmail.index.rows import (
    DB_ORDER,
    DelayBucket,
    DelayRow,
    IndexRow,
    buckets_of,
    decode_analysis,
    delay_bucket_of,
)
from webmail.index.store import FolderState, Order, SearchHits, UnreadLate, utc_from_epoch
from webmail.message.query import Fields, Query, fold_host
from webmail.message.summary import SEEN

PREFIX = "wm:ix:"
#: The layout of the keys below; a Redis holding another one is emptied of index keys on start.
LAYOUT = "4"  # 4: flags in buckets too; 3: search records in buckets of 1024 UIDs
MAX_PAGE = 500
#: Rows read per HMGET when a whole folder is read (the delays page).
READ_CHUNK = 1000
_STATE_FIELDS = frozenset(
    {"uidnext", "highestmodseq", "last_uid", "server_count", "complete", "settled_since",
     "synced_at"}
)
_SORTED = ("sent", "arrival", "late:sent", "late:arrival", "uids")

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


def _member(uid: int) -> str:
    return f"{uid:010d}"


def _delay_row(values: list[Any]) -> DelayRow:
    """A :class:`DelayRow` of a stored row (``DB_ORDER``); a row stored before holds were
    kept (16 values) gets its hold from its analysis."""
    if len(values) > 17:
        start, end = values[16], values[17]
    else:
        hold = hold_of(decode_analysis(values[15]))
        start = None if hold is None else int(hold.start.timestamp())
        end = None if hold is None else int(hold.end.timestamp())
    return DelayRow(
        values[0], values[2], values[3], values[4], bool(values[5]), values[14], start, end,
        values[12],
    )


# A row's search record: the folded subject, sender and recipients (which hold no control
# character: webmail.message.query.fold), the paperclip, the late verdict, sent and arrival
# epochs, then the holding host last (it may hold anything: split at most 7 times).
_SEP = "\x1f"
_NO_SEPARATORS = str.maketrans({"\x1d": "\x00", "\x1e": "\x00"})
_ROW = {name: i for i, name in enumerate(DB_ORDER)}


_BUCKET = 1024  # UIDs per field of the search and flagbuckets hashes
_RS = "\x1e"  # between a member and its record
_GS = "\x1d"  # between the records of a bucket


def _bucket(member: str) -> str:
    return str(int(member) // _BUCKET)


def _unpack(text: str | None) -> dict[str, str]:
    """member -> record of one bucket of the search or flagbuckets hash."""
    if not text:
        return {}
    out: dict[str, str] = {}
    for item in text.split(_GS):
        member, _, record = item.partition(_RS)
        out[member] = record
    return out


def _unpack_holding(text: str | None, needle: str) -> dict[str, str]:
    """member -> record of the records of one bucket string that hold ``needle``, found by
    ``str.find`` over the whole string (no split of the other records). ``needle`` holds no
    separator (a folded word has no control character), so a hit never spans two records."""
    out: dict[str, str] = {}
    if not text:
        return out
    start = 0
    while (pos := text.find(needle, start)) >= 0:
        begin = text.rfind(_GS, 0, pos) + 1
        end = text.find(_GS, pos)
        if end < 0:
            end = len(text)
        member, _, record = text[begin:end].partition(_RS)
        if record:  # a hit in the member's digits alone is no hit
            out[member] = record
        start = end + 1
    return out


def _pack(records: dict[str, str]) -> str:
    return _GS.join(f"{m}{_RS}{r}" for m, r in sorted(records.items()))


def _search_record(row: Sequence[object]) -> str:
    """A stored row's (``DB_ORDER``) search record. The separators of the bucket string never
    occur in it: the folded fields hold no control character, and the host's are replaced by
    NUL (no typed host holds one either, so neither matches anything)."""
    return _SEP.join((
        str(row[_ROW["search_subject"]]),
        str(row[_ROW["search_from"]]),
        str(row[_ROW["search_to"]]),
        "1" if row[_ROW["attachments"]] else "0",
        "1" if row[_ROW["delayed"]] else "0",
        str(int(row[_ROW["sent"]])),  # type: ignore[call-overload]
        str(int(row[_ROW["arrival"]])),  # type: ignore[call-overload]
        fold_host(row[_ROW["bottleneck"]]).translate(_NO_SEPARATORS),  # type: ignore[arg-type]
    ))


def _bucket_flags(flags: object) -> str:
    """A row's flags as kept in its bucket: IMAP flags are atoms (no control character), but
    what a server sent is not trusted to keep the bucket's separators out."""
    return str(flags).translate(_NO_SEPARATORS)


def _int(value: str | None) -> int | None:
    return None if value is None or value == "" else int(float(value))


def _sent_range(query: Query) -> tuple[int | None, int | None]:
    """The narrowest [after, before) of the query's positive date terms (epoch seconds)."""
    lo = max((t.epoch for t in query.row_terms
              if t.field == "after" and not t.negated and t.epoch is not None), default=None)
    hi = min((t.epoch for t in query.row_terms
              if t.field == "before" and not t.negated and t.epoch is not None), default=None)
    return lo, hi


class RedisIndex:
    """The index in Redis (see the module docstring); safe from any thread or forked process
    (redis-py's pool opens new connections after a fork).

    ``threshold`` is the late threshold rows were analysed with: a Redis holding rows made
    with another threshold is emptied of index keys on start (the index is a cache).
    """

    def __init__(self, client: redis.Redis, threshold: timedelta = timedelta(hours=1)) -> None:
        # redis-py annotates every reply as ``T | Awaitable[T]`` (sync and asyncio share the
        # stubs); this client is the synchronous one.
        self._r: Any = client
        self.threshold = threshold
        # Per open transaction (by id of its pipeline): (hash key, bucket) -> its records.
        self._pending: dict[int, dict[tuple[str, str], dict[str, str]]] = {}
        self._claim = client.register_script(_CLAIM)
        self._release = client.register_script(_RELEASE)
        seconds = str(int(threshold.total_seconds()))
        if client.get(PREFIX + "threshold") != seconds or client.get(PREFIX + "layout") != LAYOUT:
            self._delete_matching(PREFIX + "*")
            client.set(PREFIX + "threshold", seconds)
            client.set(PREFIX + "layout", LAYOUT)

    @classmethod
    def from_url(cls, url: str, threshold: timedelta = timedelta(hours=1)) -> RedisIndex:
        """Connect to ``url`` (``redis://host:port/db``); raises ``redis.ConnectionError``."""
        return cls(redis.Redis.from_url(url, decode_responses=True), threshold)

    # -- keys ----------------------------------------------------------------------------

    @staticmethod
    def _account(account: str) -> str:
        return f"{PREFIX}{account}:"

    def _folder(self, account: str, folder: str) -> str:
        digest = hashlib.sha256(folder.encode("utf-8", "surrogatepass")).hexdigest()[:24]
        return f"{self._account(account)}{digest}:"

    def _delete_matching(self, pattern: str) -> None:
        batch: list[str] = []
        for key in self._r.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= 500:
                self._r.delete(*batch)
                batch = []
        if batch:
            self._r.delete(*batch)

    # -- reading -------------------------------------------------------------------------

    def state(self, account: str, folder: str) -> FolderState | None:
        """The folder's sync state and counts, or ``None`` when it was never indexed."""
        f = self._folder(account, folder)
        pipe = self._r.pipeline(transaction=False)
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

    def counts(self, account: str, folder: str) -> tuple[int, int]:
        """(messages, late messages) indexed in the folder; (0, 0) when never indexed."""
        f = self._folder(account, folder)
        pipe = self._r.pipeline(transaction=False)
        pipe.zcard(f + "sent")
        pipe.zcard(f + "late:sent")
        total, late = pipe.execute()
        return int(total), int(late)

    def _rows(self, folder: str, f: str, members: Sequence[str]) -> list[IndexRow]:
        if not members:
            return []
        pipe = self._r.pipeline(transaction=False)
        pipe.hmget(f + "rows", list(members))
        pipe.hmget(f + "flags", list(members))
        rows, flags = pipe.execute()
        out = []
        for data, flag in zip(rows, flags, strict=True):
            if data is None:  # deleted between the two reads
                continue
            values = json.loads(data)
            values[6] = flag if flag is not None else values[6]
            out.append(IndexRow.from_db(folder, values))
        return out

    def page(
        self,
        account: str,
        folder: str,
        order: Order = "sent",
        late_only: bool = False,
        offset: int = 0,
        limit: int = 50,
        *,
        newest_first: bool = True,
    ) -> list[IndexRow]:
        """One page ordered by true sent time (or arrival), ties by UID, as
        :meth:`webmail.index.sqlite.Index.page`; ``limit`` is capped at 500."""
        f = self._folder(account, folder)
        key = f + ("late:" if late_only else "") + ("arrival" if order == "arrival" else "sent")
        limit = max(0, min(limit, MAX_PAGE))
        if limit == 0:
            return []
        start = max(0, offset)
        if newest_first:
            members = self._r.zrevrange(key, start, start + limit - 1)
        else:
            members = self._r.zrange(key, start, start + limit - 1)
        return self._rows(folder, f, members)

    def row(self, account: str, folder: str, uid: int) -> IndexRow | None:
        """One row by UID, or ``None``."""
        rows = self._rows(folder, self._folder(account, folder), [_member(uid)])
        return rows[0] if rows else None

    def uids(self, account: str, folder: str, above: int = 0) -> list[int]:
        """The indexed UIDs greater than ``above``, ascending."""
        key = self._folder(account, folder) + "uids"
        return [int(m) for m in self._r.zrangebyscore(key, f"({above}", "+inf")]

    def folders(self, account: str) -> list[str]:
        """The names of the account's indexed folders, sorted."""
        return sorted(self._r.hkeys(self._account(account) + "folders"))

    def search(
        self,
        account: str,
        folders: Sequence[str],
        query: Query,
        *,
        order: Order = "sent",
        late_only: bool = False,
        offset: int = 0,
        limit: int = 50,
        only: Mapping[str, Collection[int]] | None = None,
        exclude: Mapping[str, Collection[int]] | None = None,
    ) -> SearchHits:
        """The matches of ``query`` in ``folders`` (see :meth:`IndexStore.search`), decided
        here by :meth:`Query.matches` on each row's search record (Redis has no query
        language): the records of a date range only (from the ``sent`` sorted set) when the
        query has one, else the folder's whole ``search`` hash, and for an ``is:read``,
        ``is:unread`` or ``is:flagged`` term the same buckets of ``flagbuckets``; then the
        page's rows."""
        names = list(dict.fromkeys(folders))
        if (len(names) == 1 and only is None and query.row_terms
                and all(t.field == "is" and t.value != "late" for t in query.row_terms)):
            return self._search_by_flags(
                account, names[0], query, order, late_only, offset, limit, exclude or {}
            )
        lo, hi = _sent_range(query)
        needles = [t.value for t in query.row_terms
                   if not t.negated and t.field in ("any", "from", "to", "subject")]
        # Flags are read only when a term asks about them (their own buckets), and decided
        # first, once per distinct set of flags (a folder holds a handful).
        needs_flags = query.asks_flags
        only_flags = needs_flags and all(
            t.field == "is" and t.value != "late" for t in query.row_terms
        )
        verdicts: dict[str, bool] = {}
        # The longest positive word is looked for in the bucket strings themselves: only the
        # records that hold it are taken apart.
        needle = max(needles, key=len) if needles else None
        found: list[tuple[int, int, str, str]] = []  # (time, uid, folder, member)
        late = 0
        for name in dict.fromkeys(folders):
            allowed = None if only is None else set(only.get(name, ()))
            if allowed is not None and not allowed:
                continue
            gone = set((exclude or {}).get(name, ()))
            records, flags = self._records(
                self._folder(account, name), lo, hi, needs_flags, needle
            )
            for member, record in records.items():
                if needles and not all(n in record for n in needles):
                    continue  # cheap: a word the record lacks is in none of its fields
                if needs_flags:
                    flagged = flags.get(member, "")
                    verdict = verdicts.get(flagged)
                    if verdict is None:
                        verdict = verdicts[flagged] = query.matches_flags(
                            frozenset(flagged.split())
                        )
                    if not verdict:
                        continue
                uid = int(member)
                if (allowed is not None and uid not in allowed) or uid in gone:
                    continue
                parts = record.split(_SEP, 7)
                if not only_flags:  # the flags alone decide an is:read/unread/flagged query
                    row = Fields(
                        subject=parts[0], sender=parts[1], recipients=parts[2],
                        flags=frozenset(flags.get(member, "").split()),
                        attachments=parts[3] == "1", late=parts[4] == "1", held=parts[7],
                        sent=int(parts[5]),
                    )  # fmt: skip
                    if not query.matches(row):
                        continue
                is_late = parts[4] == "1"
                late += is_late
                if late_only and not is_late:
                    continue
                when = int(parts[6] if order == "arrival" else parts[5])
                found.append((when, uid, name, member))
        found.sort(reverse=True)
        start = max(0, offset)
        chosen = found[start : start + max(0, min(limit, MAX_PAGE))]
        by_folder: dict[str, list[str]] = {}
        for _, _, name, member in chosen:
            by_folder.setdefault(name, []).append(member)
        read = {
            (name, row.uid): row
            for name, members in by_folder.items()
            for row in self._rows(name, self._folder(account, name), members)
        }
        rows = [read[(n, u)] for _, u, n, _ in chosen if (n, u) in read]
        return SearchHits(rows, len(found), late)

    def _search_by_flags(
        self, account: str, folder: str, query: Query, order: Order, late_only: bool,
        offset: int, limit: int, exclude: Mapping[str, Collection[int]],
    ) -> SearchHits:
        """:meth:`search` of a query of flag terms only in one folder, without its search
        records: the matches from the ``flagbuckets`` alone (decided once per distinct set of
        flags), the late ones from the ``late:sent`` sorted set, and the page by walking the
        list's sorted set newest first (the list's own order, ties by UID) in growing chunks
        until the page is full."""
        f = self._folder(account, folder)
        pipe = self._r.pipeline(transaction=False)
        pipe.hvals(f + "flagbuckets")
        pipe.zrange(f + "late:sent", 0, -1)
        packed, late_members = pipe.execute()
        gone = {_member(uid) for uid in exclude.get(folder, ())}
        verdicts: dict[str, bool] = {}
        keep: set[str] = set()
        for text in packed:
            for member, flags in _unpack(text).items():
                verdict = verdicts.get(flags)
                if verdict is None:
                    verdict = verdicts[flags] = query.matches_flags(frozenset(flags.split()))
                if verdict and member not in gone:
                    keep.add(member)
        late = sum(1 for m in late_members if m in keep)
        total = late if late_only else len(keep)
        key = f + ("late:" if late_only else "") + ("arrival" if order == "arrival" else "sent")
        skip, want = max(0, offset), max(0, min(limit, MAX_PAGE))
        chosen: list[str] = []
        seen = walked = 0
        chunk = 1000
        while len(chosen) < want and seen < total:
            members = self._r.zrevrange(key, walked, walked + chunk - 1)
            if not members:
                break
            walked += len(members)
            chunk = min(chunk * 2, 16_000)
            for member in members:
                if member in keep:
                    seen += 1
                    if seen > skip and len(chosen) < want:
                        chosen.append(member)
        return SearchHits(self._rows(folder, f, chosen), total, late)

    def _records(
        self, f: str, lo: int | None, hi: int | None, with_flags: bool, needle: str | None
    ) -> tuple[dict[str, str], dict[str, str]]:
        """(member -> search record, member -> flags if ``with_flags``) of one folder: every
        row, or with a date range [lo, hi) only its stretch of the ``sent`` sorted set (those
        records' buckets read, the others' records left out); with a ``needle`` only the
        records that hold it."""
        records: dict[str, str] = {}
        flags: dict[str, str] = {}
        pipe = self._r.pipeline(transaction=False)
        wanted: set[str] | None = None
        if lo is None and hi is None:
            pipe.hvals(f + "search")
            if with_flags:
                pipe.hvals(f + "flagbuckets")
        else:
            members = self._r.zrangebyscore(
                f + "sent", "-inf" if lo is None else lo, "+inf" if hi is None else f"({hi}"
            )
            wanted = set(members)
            buckets = sorted({_bucket(m) for m in members}) or ["-"]
            pipe.hmget(f + "search", buckets)
            if with_flags:
                pipe.hmget(f + "flagbuckets", buckets)
        answers = pipe.execute()
        for packed in answers[0]:
            found = _unpack(packed) if needle is None else _unpack_holding(packed, needle)
            if wanted is None:
                records.update(found)
            else:
                records.update((m, r) for m, r in found.items() if m in wanted)
        for packed in answers[1] if with_flags else ():
            flags.update(_unpack(packed))
        return records, flags

    def delay_rows(self, account: str, folder: str, *, late_only: bool = False) -> list[DelayRow]:
        """Every row of the folder (late ones with ``late_only``) as a :class:`DelayRow`,
        oldest sent first, ties by UID (the sorted set's order); ``[]`` when unknown."""
        f = self._folder(account, folder)
        members = self._r.zrange(f + ("late:sent" if late_only else "sent"), 0, -1)
        out: list[DelayRow] = []
        for start in range(0, len(members), READ_CHUNK):
            for data in self._r.hmget(f + "rows", members[start : start + READ_CHUNK]):
                if data is not None:  # deleted between the two reads
                    out.append(_delay_row(json.loads(data)))
        return out

    def late_arrivals(
        self, account: str, folder: str, after: datetime, limit: int
    ) -> list[tuple[datetime, str | None, frozenset[str]]]:
        """The late rows that arrived after ``after``, newest arrival first, ties by UID (the
        ``late:arrival`` sorted set's reverse order), at most ``limit``: (sent, held at,
        flags), each row's stored values read without building an :class:`IndexRow`."""
        if limit <= 0:
            return []
        f = self._folder(account, folder)
        members = self._r.zrevrangebyscore(
            f + "late:arrival", "+inf", f"({math.floor(after.timestamp())}", start=0, num=limit
        )
        out: list[tuple[datetime, str | None, frozenset[str]]] = []
        sent_at, held_at, flags_at = (DB_ORDER.index(c) for c in ("sent", "bottleneck", "flags"))
        for start in range(0, len(members), READ_CHUNK):
            chunk = members[start : start + READ_CHUNK]
            pipe = self._r.pipeline(transaction=False)
            pipe.hmget(f + "rows", chunk)
            pipe.hmget(f + "flags", chunk)
            rows, flags = pipe.execute()
            for data, flag in zip(rows, flags, strict=True):
                if data is None:  # deleted between the two reads
                    continue
                values = json.loads(data)
                stored = flag if flag is not None else values[flags_at]
                out.append((
                    datetime.fromtimestamp(values[sent_at], UTC), values[held_at],
                    frozenset(stored.split()),
                ))
        return out

    def unread_late(self, account: str, folder: str, after: datetime, limit: int) -> UnreadLate:
        """:meth:`late_arrivals` counted here, the unread ones only."""
        unread = [
            (sent, held)
            for sent, held, flags in self.late_arrivals(account, folder, after, limit)
            if SEEN not in flags
        ]
        sent = [when for when, _ in unread]
        return UnreadLate(
            len(unread), min(sent, default=None), max(sent, default=None),
            dict(Counter(held for _, held in unread if held)),
        )

    def delay_buckets(self, account: str, folder: str, bucket_seconds: int) -> list[DelayBucket]:
        """The folder's on-time rows counted into :class:`DelayBucket`, here (Redis has no
        grouped query): their sent times from the ``sent`` sorted set and their delays from the
        ``delay`` hash, never the rows themselves (about 3 µs a message). A folder written
        before the ``delay`` hash was kept is counted from its rows."""
        step = max(1, int(bucket_seconds))
        f = self._folder(account, folder)
        pipe = self._r.pipeline(transaction=False)
        pipe.zrange(f + "sent", 0, -1, withscores=True)
        pipe.hgetall(f + "delay")
        pipe.zrange(f + "late:sent", 0, -1)
        sent, delays, late = pipe.execute()
        if len(delays) < len(sent):
            return buckets_of(self.delay_rows(account, folder), step)
        skip = set(late)
        found: Counter[tuple[int, int | None]] = Counter(
            (int(score) // step, delay_bucket_of(int(delays[m]) if delays.get(m) else None))
            for m, score in sent
            if m not in skip
        )
        return [DelayBucket(tb, db, n) for (tb, db), n in found.items()]

    # -- writing -------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[redis.client.Pipeline]:
        """A MULTI/EXEC pipeline: the writes queued on it are applied together on success and
        dropped on error."""
        pipe = self._r.pipeline(transaction=True)
        try:
            yield pipe
        except BaseException:
            pipe.reset()
            raise
        finally:
            self._pending.pop(id(pipe), None)  # the buckets this transaction read and wrote
        pipe.execute()

    def folder_id(self, conn: Any, account: str, folder: str, uidvalidity: int) -> str:
        """The folder's key prefix; registers the folder, or drops its rows when the stored
        UIDVALIDITY differs (the old UIDs mean nothing any more)."""
        f = self._folder(account, folder)
        stored = _int(self._r.hget(f + "state", "uidvalidity"))
        if stored != uidvalidity:
            if stored is not None:
                conn.delete(
                    f + "rows", f + "flags", f + "flagbuckets", f + "delay", f + "search",
                    *(f + k for k in _SORTED),
                )
                self._pending.pop(id(conn), None)
                conn.delete(f + "state")
            conn.hset(f + "state", mapping={"uidvalidity": uidvalidity, "last_uid": 0,
                                            "complete": 0})
        conn.hset(self._account(account) + "folders", folder, f)
        return f

    def current_uidvalidity(self, conn: Any, folder_id: str) -> int | None:
        """The folder's stored UIDVALIDITY, ``None`` when the folder was dropped."""
        return _int(self._r.hget(folder_id + "state", "uidvalidity"))

    def put_rows(
        self, conn: Any, folder_id: str, uidvalidity: int, rows: Iterable[Sequence[object]]
    ) -> None:
        """Insert or refresh rows (tuples in ``webmail.index.rows.DB_ORDER``)."""
        f = folder_id
        data: dict[str, str] = {}
        flags: dict[str, str] = {}
        delays: dict[str, str] = {}
        searched: dict[str, str] = {}
        bucketed: dict[str, str] = {}
        scores: dict[str, dict[str, float]] = {k: {} for k in _SORTED}
        punctual: list[str] = []
        for row in rows:
            m = _member(int(row[0]))  # type: ignore[call-overload]
            data[m] = json.dumps(list(row), separators=(",", ":"), ensure_ascii=False)
            flags[m] = str(row[6])
            bucketed[m] = _bucket_flags(row[6])
            delays[m] = "" if row[4] is None else str(row[4])
            searched[m] = _search_record(row)
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
        conn.hset(f + "rows", mapping=data)
        conn.hset(f + "flags", mapping=flags)
        conn.hset(f + "delay", mapping=delays)
        self._put_buckets(conn, f + "search", searched, ())
        self._put_buckets(conn, f + "flagbuckets", bucketed, ())
        for key, mapping in scores.items():
            if mapping:
                conn.zadd(f + key, mapping)
        if punctual:
            conn.zrem(f + "late:sent", *punctual)
            conn.zrem(f + "late:arrival", *punctual)

    def _put_buckets(
        self, conn: Any, key: str, records: dict[str, str], gone: Iterable[str]
    ) -> None:
        """Queue on ``conn`` the buckets of hash ``key`` (a folder's ``search`` or
        ``flagbuckets``) with ``records`` put in and ``gone`` taken out. A bucket is read as it
        stands (or as an earlier write of this transaction left it: the sync lease makes each
        folder's writer the only one) and written whole."""
        pending = self._pending.setdefault(id(conn), {})
        gone = list(gone)
        touched = {_bucket(m) for m in records} | {_bucket(m) for m in gone}
        unknown = sorted(b for b in touched if (key, b) not in pending)
        if unknown:
            for b, packed in zip(unknown, self._r.hmget(key, unknown), strict=True):
                pending[(key, b)] = _unpack(packed)
        for m, record in records.items():
            pending[(key, _bucket(m))][m] = record
        for m in gone:
            pending[(key, _bucket(m))].pop(m, None)
        keep = {b: _pack(pending[(key, b)]) for b in touched if pending[(key, b)]}
        empty = [b for b in touched if not pending[(key, b)]]
        if keep:
            conn.hset(key, mapping=keep)
        if empty:
            conn.hdel(key, *empty)

    def _present(self, conn: Any, folder_id: str, members: list[str]) -> list[str]:
        """The ``members`` indexed in the folder as this transaction sees it: a bucket it
        already wrote says for its UIDs (rows put or deleted before in the same transaction),
        the stored flags for the others."""
        if not members:
            return []
        pending = self._pending.get(id(conn), {})
        key = folder_id + "flagbuckets"
        known = {
            m: m in pending[(key, _bucket(m))] for m in members if (key, _bucket(m)) in pending
        }
        asked = [m for m in members if m not in known]
        found = self._r.hmget(folder_id + "flags", asked) if asked else []
        stored = {m for m, v in zip(asked, found, strict=True) if v is not None}
        return [m for m in members if known.get(m, m in stored)]

    def set_flags(
        self,
        conn: Any,
        folder_id: str,
        uidvalidity: int,
        changes: Iterable[tuple[int, Iterable[str]]],
    ) -> int:
        """Replace the flags of indexed UIDs (others ignored); returns how many rows changed."""
        wanted = {_member(uid): " ".join(sorted(flags)) for uid, flags in changes}
        present = self._present(conn, folder_id, list(wanted))
        if present:
            conn.hset(folder_id + "flags", mapping={m: wanted[m] for m in present})
            self._put_buckets(
                conn, folder_id + "flagbuckets",
                {m: _bucket_flags(wanted[m]) for m in present}, (),
            )  # fmt: skip
        return len(present)

    def delete_uids(self, conn: Any, folder_id: str, uidvalidity: int, uids: Iterable[int]) -> int:
        """Remove the rows of expunged UIDs; returns how many went."""
        present = self._present(conn, folder_id, [_member(uid) for uid in uids])
        if present:
            conn.hdel(folder_id + "rows", *present)
            conn.hdel(folder_id + "flags", *present)
            conn.hdel(folder_id + "delay", *present)
            self._put_buckets(conn, folder_id + "search", {}, present)
            self._put_buckets(conn, folder_id + "flagbuckets", {}, present)
            for key in _SORTED:
                conn.zrem(folder_id + key, *present)
        return len(present)

    def update_state(self, conn: Any, folder_id: str, **values: object) -> None:
        """Set sync-state fields; ``None`` clears one; unknown names raise KeyError."""
        unknown = set(values) - _STATE_FIELDS
        if unknown:
            raise KeyError(f"not a folder state field: {sorted(unknown)}")
        setting = {k: (int(v) if isinstance(v, bool) else v) for k, v in values.items()
                   if v is not None}
        clearing = [k for k, v in values.items() if v is None]
        if setting:
            conn.hset(folder_id + "state", mapping=setting)
        if clearing:
            conn.hdel(folder_id + "state", *clearing)

    def claim(self, account: str, folder: str, owner: str, seconds: float) -> bool:
        """Take or renew the folder's sync lease for ``seconds``; ``False`` while another
        owner holds it (across every app instance sharing this Redis)."""
        key = self._folder(account, folder) + "lease"
        return bool(self._claim(keys=[key], args=[owner, max(1, int(seconds * 1000))]))

    def release(self, account: str, folder: str, owner: str) -> None:
        """Give the sync lease back if ``owner`` holds it."""
        self._release(keys=[self._folder(account, folder) + "lease"], args=[owner])

    # -- admin ---------------------------------------------------------------------------

    def drop_folder(self, account: str, folder: str) -> None:
        """Forget one folder of the account (rows and sync state)."""
        f = self._folder(account, folder)
        pipe = self._r.pipeline(transaction=True)
        pipe.delete(
            f + "rows", f + "flags", f + "flagbuckets", f + "delay", f + "search", f + "state",
            *(f + k for k in _SORTED),
        )
        pipe.hdel(self._account(account) + "folders", folder)
        pipe.execute()

    def purge(self, account: str) -> int:
        """Delete every key of the account; returns how many rows went."""
        removed = 0
        for f in self._r.hvals(self._account(account) + "folders"):
            removed += int(self._r.hlen(f + "rows"))
        self._delete_matching(self._account(account) + "*")
        return removed

    def close(self) -> None:
        """Nothing to do: redis-py's pool is shared by the threads and closes with the process."""


__all__ = ["PREFIX", "RedisIndex"]
