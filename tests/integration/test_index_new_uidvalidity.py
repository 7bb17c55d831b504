"""A new UIDVALIDITY and the first rows under it in one transaction, on the SQLite index and
a real redis-server: the old rows are gone from every read (pages, counts, searches) and
flags of UIDs that only the old rows had change nothing."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from webmail.index import IndexStore, account_key
from webmail.index.redis import RedisIndex
from webmail.index.rows import row_values
from webmail.index.sqlite import Index
from webmail.mailbox import demo
from webmail.message.query import parse_query

HOUR = timedelta(hours=1)


@pytest.fixture(params=["sqlite", "redis"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexStore]:
    if request.param == "sqlite":
        store: IndexStore = Index(tmp_path / "index.sqlite3", HOUR)
    else:
        store = RedisIndex.from_url(request.getfixturevalue("redis_url"), HOUR)
    yield store
    store.close()


def test_old_rows_are_not_searched_after_a_new_uidvalidity_and_new_rows_in_one_transaction(
    index: IndexStore,
) -> None:
    summaries = demo.DemoMailbox(demo.DemoStore(datetime(2026, 11, 5, 12, tzinfo=UTC))).summaries(
        "INBOX"
    )
    account = account_key("imap.example.com:993", f"uidvalidity-{secrets.token_hex(6)}")
    with index.transaction() as conn:
        folder = index.folder_id(conn, account, "INBOX", 7)
        index.put_rows(conn, folder, 7, [row_values(s) for s in summaries])
    kept, old = summaries[:2], summaries[2:]
    with index.transaction() as conn:
        folder = index.folder_id(conn, account, "INBOX", 8)
        assert index.current_uidvalidity(conn, folder) == 8
        index.put_rows(conn, folder, 8, [row_values(s) for s in kept])
        assert index.set_flags(conn, folder, 8, [(s.uid, ["\\Flagged"]) for s in old[:3]]) == 0
        assert index.folder_id(conn, account, "INBOX", 8) == folder  # asked again: kept
    assert index.counts(account, "INBOX")[0] == 2
    hits = index.search(account, ["INBOX"], parse_query("-zzz-nothing"), limit=500)
    assert sorted(r.uid for r in hits.rows) == sorted(s.uid for s in kept)
    assert hits.total == 2
    assert index.search(account, ["INBOX"], parse_query("is:flagged")).total == sum(
        s.flagged for s in kept
    )
