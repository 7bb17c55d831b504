"""IndexStore.search on the SQLite index and a real redis-server: for rows built by the one
row builder, each backend lists exactly what the pure rule (``Query.matches``) keeps, in the
list's order, after flag changes, expunges, UIDs across search buckets, two writes in one
transaction and a UIDVALIDITY change; UID restrictions (``text:``) and paging too."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webmail.index import IndexStore, account_key
from webmail.index.redis import RedisIndex
from webmail.index.rows import row_values
from webmail.index.sqlite import Index
from webmail.mailbox import demo
from webmail.mailbox.paging import sort_rows
from webmail.message.query import parse_query, searchable
from webmail.message.summary import MessageSummary

NOW = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
QUERIES = [
    "is:late", "-is:late", "is:unread", "is:read", "is:flagged", "has:attachment", "mx2",
    '"weekly byte"', "from:example.org", "to:demo", "subject:re", "held:mx2.example.com",
    "held:MX2.EXAMPLE.COM is:late after:2026-10-30 before:2026-11-02", "after:2026-11-01",
    "before:2026-10-31 -is:read", "e -a", "zzz-nothing",
]


@pytest.fixture(params=["sqlite", "redis"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexStore]:
    if request.param == "sqlite":
        store: IndexStore = Index(tmp_path / "index.sqlite3", HOUR)
    else:
        store = RedisIndex.from_url(request.getfixturevalue("redis_url"), HOUR)
    yield store
    store.close()


def demo_rows() -> list[MessageSummary]:
    return demo.DemoMailbox(demo.DemoStore(NOW)).summaries("INBOX")


def fill(index: IndexStore, summaries: list[MessageSummary], uidvalidity: int = 7) -> str:
    account = account_key("imap.example.com:993", f"search-{secrets.token_hex(6)}")
    with index.transaction() as conn:
        folder = index.folder_id(conn, account, "INBOX", uidvalidity)
        index.put_rows(conn, folder, uidvalidity, [row_values(s) for s in summaries])
    return account


def expected(summaries: list[MessageSummary], text: str, order: str = "sent") -> list[int]:
    query = parse_query(text)
    kept = [s for s in summaries if query.matches(searchable(s))]
    return [s.uid for s in sort_rows(kept, order)]  # type: ignore[arg-type]


def found(index: IndexStore, account: str, text: str, **kw: object) -> list[int]:
    query = parse_query(text)
    hits = index.search(account, ["INBOX"], query, limit=500, **kw)  # type: ignore[arg-type]
    return [r.uid for r in hits.rows]


@pytest.mark.parametrize("order", ["sent", "arrival"])
def test_each_query_lists_what_the_rule_keeps(index: IndexStore, order: str) -> None:
    summaries = demo_rows()
    account = fill(index, summaries)
    for text in QUERIES:
        assert found(index, account, text, order=order) == expected(summaries, text, order), text


@pytest.mark.parametrize("text", ["example", "is:unread", "-is:flagged", "is:read -is:flagged"])
@pytest.mark.parametrize("order", ["sent", "arrival"])
def test_counts_paging_and_the_late_filter(index: IndexStore, text: str, order: str) -> None:
    summaries = demo_rows()
    account = fill(index, summaries)
    query = parse_query(text)
    every = expected(summaries, text, order)
    late = [u for u in every if any(s.uid == u and s.late for s in summaries)]
    pages = [index.search(account, ["INBOX"], query, offset=o, limit=7, order=order)
             for o in range(0, 42, 7)]
    assert [r.uid for p in pages for r in p.rows] == every
    assert {p.total for p in pages} == {len(every)} and {p.late for p in pages} == {len(late)}
    only = index.search(account, ["INBOX"], query, late_only=True, limit=500, order=order)
    assert [r.uid for r in only.rows] == late and only.total == only.late == len(late)
    past = index.search(account, ["INBOX"], query, offset=10_000, limit=7)
    assert past.rows == [] and past.total == len(every)
    skip = set(every[:3])
    left = index.search(account, ["INBOX"], query, limit=500, order=order,
                        exclude={"INBOX": skip})
    assert [r.uid for r in left.rows] == every[3:] and left.total == len(every) - len(skip)


def test_uid_restrictions_keep_and_leave_out(index: IndexStore) -> None:
    summaries = demo_rows()
    account = fill(index, summaries)
    query = parse_query("is:late")
    late = expected(summaries, "is:late")
    keep = set(late[:5])
    assert found(index, account, "is:late", only={"INBOX": keep}) == late[:5]
    assert found(index, account, "is:late", exclude={"INBOX": keep}) == late[5:]
    assert index.search(account, ["INBOX"], query, only={}).total == 0


def test_changes_after_indexing_are_searched(index: IndexStore) -> None:
    summaries = demo_rows()
    account = fill(index, summaries)
    with index.transaction() as conn:
        folder = index.folder_id(conn, account, "INBOX", 7)
        index.set_flags(conn, folder, 7, [(3, ["\\Flagged", "\\Seen"])])
    flagged = {s.uid for s in summaries if s.flagged} | {3}
    assert set(found(index, account, "is:flagged")) == flagged
    gone = [s.uid for s in summaries if s.late][:4]
    with index.transaction() as conn:
        folder = index.folder_id(conn, account, "INBOX", 7)
        index.delete_uids(conn, folder, 7, gone)
    left = [s for s in summaries if s.uid not in gone]
    assert found(index, account, "is:late") == expected(left, "is:late")
    with index.transaction() as conn:  # a new UIDVALIDITY: the old rows mean nothing
        index.folder_id(conn, account, "INBOX", 8)
    assert found(index, account, "e") == []


def test_far_apart_uids_and_two_writes_in_one_transaction(index: IndexStore) -> None:
    base = demo_rows()[:6]
    spread = [
        MessageSummary(**{**{f: getattr(s, f) for f in s.__dataclass_fields__}, "uid": uid})
        for s, uid in zip(base, (1, 2, 1023, 1024, 5000, 4_000_000_000), strict=True)
    ]
    account = account_key("imap.example.com:993", f"search-{secrets.token_hex(6)}")
    with index.transaction() as conn:
        folder = index.folder_id(conn, account, "INBOX", 7)
        index.put_rows(conn, folder, 7, [row_values(s) for s in spread[:3]])
        index.put_rows(conn, folder, 7, [row_values(s) for s in spread[3:]])
    for text in ("e", "1023", "0000", "4000000000", "1", "example.org"):  # UIDs, epochs: no hit
        assert sorted(found(index, account, text)) == sorted(expected(spread, text)), text
    assert len(found(index, account, "-zzz")) == 6


def test_flags_across_buckets_follow_changes_in_and_after_the_filling_transaction(
    index: IndexStore,
) -> None:
    base = demo_rows()[:6]
    uids = (1, 2, 1023, 1024, 5000, 4_000_000_000)
    spread = [
        MessageSummary(
            **{**{f: getattr(s, f) for f in s.__dataclass_fields__}, "uid": uid, "flags":
               frozenset()}
        )
        for s, uid in zip(base, uids, strict=True)
    ]
    account = account_key("imap.example.com:993", f"search-{secrets.token_hex(6)}")
    with index.transaction() as conn:  # rows, then their flags changed, in one transaction
        folder = index.folder_id(conn, account, "INBOX", 7)
        index.put_rows(conn, folder, 7, [row_values(s) for s in spread])
        index.set_flags(conn, folder, 7, [(1023, ["\\Seen"]), (5000, ["\\Seen", "\\Flagged"])])
    assert sorted(found(index, account, "is:read")) == [1023, 5000]
    assert sorted(found(index, account, "is:unread")) == [1, 2, 1024, 4_000_000_000]
    assert found(index, account, "is:flagged") == [5000]
    with index.transaction() as conn:  # later: one bucket rewritten, one row gone
        folder = index.folder_id(conn, account, "INBOX", 7)
        index.set_flags(conn, folder, 7, [(5000, []), (1, ["\\Flagged"]), (77, ["\\Seen"])])
        index.delete_uids(conn, folder, 7, [1023])
    assert found(index, account, "is:read") == []
    assert found(index, account, "is:flagged") == [1]
    assert sorted(found(index, account, "-is:flagged")) == [2, 1024, 5000, 4_000_000_000]
    first_day = min(s.sent for s in spread).astimezone(UTC).date()
    in_range = f"after:{first_day} -is:flagged"  # a date range reads the buckets it needs
    assert sorted(found(index, account, in_range)) == [2, 1024, 5000, 4_000_000_000]

@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(
    ["is:late", "-is:read", "has:attachment", "mx", "-e", '"the"', "from:a", "to:o",
     "after:2026-10-31", "before:2026-11-03", "held:mx2.example.com", "subject:s", "ü",
     "is:flagged", "-is:unread", "is:read"]
), min_size=1, max_size=4))
def test_any_combination_lists_what_the_rule_keeps(index: IndexStore, terms: list[str]) -> None:
    summaries = demo_rows()
    account = getattr(index, "_search_account", None) or fill(index, summaries)
    index._search_account = account  # type: ignore[attr-defined]  # filled once per backend
    text = " ".join(terms)
    assert found(index, account, text) == expected(summaries, text), text
