"""A search of the Redis index, decided here by :meth:`Query.matches` on each row's search
record (:mod:`.records`; Redis has no query language), then the page's rows read as a list
page reads them (:mod:`.pages`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from webmail.index.redis.layout import folder_prefix, list_key, member
from webmail.index.redis.pages import rows
from webmail.index.redis.records import (
    ARRIVAL,
    LATE,
    SENT,
    bucket_of,
    fields_of,
    record_parts,
    unpack,
    unpack_holding,
)
from webmail.index.store import MAX_PAGE, Order, SearchHits
from webmail.message.query import Query


class _Verdicts(dict[str, bool]):
    """stored flag string -> whether the query's flag terms keep it, decided once per
    distinct string (a folder holds a handful): ``verdicts[flags]``."""

    def __init__(self, query: Query) -> None:
        super().__init__()
        self.query = query

    def __missing__(self, flags: str) -> bool:
        verdict = self[flags] = self.query.matches_flags(frozenset(flags.split()))
        return verdict


def _flag_terms_only(query: Query) -> bool:
    """Whether every row term is ``is:read``, ``is:unread`` or ``is:flagged`` (or negated)."""
    return all(t.field == "is" and t.value != "late" for t in query.row_terms)


def search(
    client: Any,
    account: str,
    folders: Sequence[str],
    query: Query,
    order: Order,
    late_only: bool,
    offset: int,
    limit: int,
    only: Mapping[str, Collection[int]] | None,
    exclude: Mapping[str, Collection[int]] | None,
) -> SearchHits:
    """:meth:`IndexStore.search`: the records of a date range only (from the ``sent`` sorted
    set) when the query has one, else the folder's whole ``search`` hash, and for an
    ``is:read``, ``is:unread`` or ``is:flagged`` term the same buckets of ``flagbuckets``;
    then the page's rows."""
    names = list(dict.fromkeys(folders))
    if len(names) == 1 and only is None and query.row_terms and _flag_terms_only(query):
        return _search_by_flags(
            client, account, names[0], query, order, late_only, offset, limit, exclude or {}
        )
    lo, hi = _sent_range(query)
    needles = [t.value for t in query.row_terms
               if not t.negated and t.field in ("any", "from", "to", "subject")]
    # Flags are read only when a term asks about them (their own buckets), and decided
    # first, once per distinct set of flags.
    needs_flags = query.asks_flags
    only_flags = needs_flags and _flag_terms_only(query)
    verdicts = _Verdicts(query)
    # The longest positive word is looked for in the bucket strings themselves: only the
    # records that hold it are taken apart.
    needle = max(needles, key=len) if needles else None
    found: list[tuple[int, int, str, str]] = []  # (time, uid, folder, member)
    late = 0
    for name in names:
        allowed = None if only is None else set(only.get(name, ()))
        if allowed is not None and not allowed:
            continue
        gone = set((exclude or {}).get(name, ()))
        records, flags = _records(
            client, folder_prefix(account, name), lo, hi, needs_flags, needle
        )
        for m, record in records.items():
            if needles and not all(n in record for n in needles):
                continue  # cheap: a word the record lacks is in none of its fields
            if needs_flags and not verdicts[flags.get(m, "")]:
                continue
            uid = int(m)
            if (allowed is not None and uid not in allowed) or uid in gone:
                continue
            parts = record_parts(record)
            if not only_flags and not query.matches(  # the flags alone decide is:read etc.
                fields_of(parts, frozenset(flags.get(m, "").split()))
            ):
                continue
            is_late = parts[LATE] == "1"
            late += is_late
            if late_only and not is_late:
                continue
            when = int(parts[ARRIVAL if order == "arrival" else SENT])
            found.append((when, uid, name, m))
    found.sort(reverse=True)
    start = max(0, offset)
    chosen = found[start : start + max(0, min(limit, MAX_PAGE))]
    by_folder: dict[str, list[str]] = {}
    for _, _, name, m in chosen:
        by_folder.setdefault(name, []).append(m)
    read = {
        (name, row.uid): row
        for name, members in by_folder.items()
        for row in rows(client, name, folder_prefix(account, name), members)
    }
    return SearchHits(
        [read[(n, u)] for _, u, n, _ in chosen if (n, u) in read], len(found), late
    )


def _search_by_flags(
    client: Any, account: str, folder: str, query: Query, order: Order, late_only: bool,
    offset: int, limit: int, exclude: Mapping[str, Collection[int]],
) -> SearchHits:
    """:func:`search` of a query of flag terms only in one folder, without its search
    records: the matches from the ``flagbuckets`` alone (decided once per distinct set of
    flags), the late ones from the ``late:sent`` sorted set, and the page by walking the
    list's sorted set newest first (the list's own order, ties by UID) in growing chunks
    until the page is full."""
    f = folder_prefix(account, folder)
    pipe = client.pipeline(transaction=False)
    pipe.hvals(f + "flagbuckets")
    pipe.zrange(f + "late:sent", 0, -1)
    packed, late_members = pipe.execute()
    gone = {member(uid) for uid in exclude.get(folder, ())}
    verdicts = _Verdicts(query)
    keep: set[str] = set()
    for text in packed:
        for m, flags in unpack(text).items():
            if verdicts[flags] and m not in gone:
                keep.add(m)
    late = sum(1 for m in late_members if m in keep)
    total = late if late_only else len(keep)
    key = list_key(f, order, late_only)
    skip, want = max(0, offset), max(0, min(limit, MAX_PAGE))
    chosen: list[str] = []
    seen = walked = 0
    chunk = 1000
    while len(chosen) < want and seen < total:
        members = client.zrevrange(key, walked, walked + chunk - 1)
        if not members:
            break
        walked += len(members)
        chunk = min(chunk * 2, 16_000)
        for m in members:
            if m in keep:
                seen += 1
                if seen > skip and len(chosen) < want:
                    chosen.append(m)
    return SearchHits(rows(client, folder, f, chosen), total, late)


def _records(
    client: Any, f: str, lo: int | None, hi: int | None, with_flags: bool, needle: str | None
) -> tuple[dict[str, str], dict[str, str]]:
    """(member -> search record, member -> flags if ``with_flags``) of folder prefix ``f``:
    every row, or with a date range [lo, hi) only its stretch of the ``sent`` sorted set
    (those records' buckets read, the others' records left out); with a ``needle`` only the
    records that hold it."""
    records: dict[str, str] = {}
    flags: dict[str, str] = {}
    pipe = client.pipeline(transaction=False)
    wanted: set[str] | None = None
    if lo is None and hi is None:
        pipe.hvals(f + "search")
        if with_flags:
            pipe.hvals(f + "flagbuckets")
    else:
        members = client.zrangebyscore(
            f + "sent", "-inf" if lo is None else lo, "+inf" if hi is None else f"({hi}"
        )
        wanted = set(members)
        buckets = sorted({bucket_of(m) for m in members}) or ["-"]
        pipe.hmget(f + "search", buckets)
        if with_flags:
            pipe.hmget(f + "flagbuckets", buckets)
    answers = pipe.execute()
    for packed in answers[0]:
        found = unpack(packed) if needle is None else unpack_holding(packed, needle)
        if wanted is None:
            records.update(found)
        else:
            records.update((m, r) for m, r in found.items() if m in wanted)
    for packed in answers[1] if with_flags else ():
        flags.update(unpack(packed))
    return records, flags


def _sent_range(query: Query) -> tuple[int | None, int | None]:
    """The narrowest [after, before) of the query's positive date terms (epoch seconds)."""
    lo = max((t.epoch for t in query.row_terms
              if t.field == "after" and not t.negated and t.epoch is not None), default=None)
    hi = min((t.epoch for t in query.row_terms
              if t.field == "before" and not t.negated and t.epoch is not None), default=None)
    return lo, hi


__all__ = ["search"]
