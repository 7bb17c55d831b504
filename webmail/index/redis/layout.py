"""The Redis index's keys: their layout, its version, and the start-up check that empties a
Redis holding another layout (or rows analysed with another late threshold).

One key prefix per account (``wm:ix:<account key>:``) and per folder
(``<prefix><sha256(folder)[:24]>:``); beside each key, the module that writes it::

    <folder>state          hash: uidvalidity, uidnext, highestmodseq, last_uid,    writes
                           server_count, complete, settled_since, synced_at
    <folder>rows           hash: member -> JSON row (webmail.index.rows.DB_ORDER)  writes
    <folder>flags          hash: member -> flags (kept apart: a flag change        writes
                           rewrites one field)
    <folder>flagbuckets    hash: UID // 1024 -> the flags of those UIDs, one        records
                           string (the same flags again, for a search's is:read /
                           is:unread / is:flagged term: a hundred strings, not
                           100,000 fields)
    <folder>delay          hash: member -> delay in seconds ("" unknown), for the   writes
                           delays plot
    <folder>search         hash: UID // 1024 -> the search records of those UIDs,  records
                           one string (read whole in a hundred strings, not 100,000)
    <folder>sent           sorted set: member scored by true sent time              writes
    <folder>arrival        sorted set: member scored by arrival
    <folder>late:sent      the same two, late rows only (the late filter and its
    <folder>late:arrival   count)
    <folder>uids           sorted set: member scored by UID (resuming a cut sync)
    <folder>lease          string: the sync lease's owner, with a TTL               writes
    <prefix>folders        hash: folder name -> folder prefix                       writes
    wm:ix:layout           LAYOUT below; wm:ix:threshold: the late threshold (s)    here

A member is the UID as ten zero-padded digits, so equal scores fall back to UID order the
way SQLite's ``ORDER BY sent, uid`` does.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from webmail.index.store import Order

PREFIX = "wm:ix:"
#: The layout of the keys above; a Redis holding another one is emptied of index keys on start.
LAYOUT = "4"  # 4: flags in buckets too; 3: search records in buckets of 1024 UIDs
#: A folder's sorted sets, each member scored by what its name says.
SORTED = ("sent", "arrival", "late:sent", "late:arrival", "uids")
#: Every key of a folder but its lease: what a new UIDVALIDITY or a dropped folder deletes.
FOLDER_KEYS = ("state", "rows", "flags", "flagbuckets", "delay", "search", *SORTED)


def member(uid: int) -> str:
    """The member (and hash field) of ``uid``: ten zero-padded digits."""
    return f"{uid:010d}"


def account_prefix(account: str) -> str:
    """The prefix of every key of the account."""
    return f"{PREFIX}{account}:"


def folder_prefix(account: str, folder: str) -> str:
    """The prefix of every key of the account's folder (any name, lone surrogates too)."""
    digest = hashlib.sha256(folder.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return f"{account_prefix(account)}{digest}:"


def list_key(f: str, order: Order, late_only: bool) -> str:
    """The sorted set of folder prefix ``f`` that orders a list: by true sent time or by
    arrival, every row or the late ones only."""
    return f + ("late:" if late_only else "") + ("arrival" if order == "arrival" else "sent")


def delete_matching(client: Any, pattern: str) -> None:
    """Delete every key matching ``pattern`` (SCAN, then DEL 500 at a time)."""
    batch: list[str] = []
    for key in client.scan_iter(match=pattern, count=1000):
        batch.append(key)
        if len(batch) >= 500:
            client.delete(*batch)
            batch = []
    if batch:
        client.delete(*batch)


def check_layout(client: Any, threshold: timedelta) -> None:
    """Empty Redis of every index key when it holds another :data:`LAYOUT` or rows analysed
    with another late ``threshold`` (the index is a cache), then record both."""
    seconds = str(int(threshold.total_seconds()))
    if client.get(PREFIX + "threshold") != seconds or client.get(PREFIX + "layout") != LAYOUT:
        delete_matching(client, PREFIX + "*")
        client.set(PREFIX + "threshold", seconds)
        client.set(PREFIX + "layout", LAYOUT)


__all__ = [
    "FOLDER_KEYS", "LAYOUT", "PREFIX", "SORTED", "account_prefix", "check_layout",
    "delete_matching", "folder_prefix", "list_key", "member",
]
