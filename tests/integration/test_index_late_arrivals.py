"""What the list banner reads from the index: the late rows that arrived after a time, newest
arrival first (``late_arrivals``), and the unread ones among them counted (``unread_late``),
the same from the SQLite index and from a real redis-server, and the same as reading the late
rows page by page in arrival order."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from webmail.index import IndexStore, account_key
from webmail.index.redis import RedisIndex
from webmail.index.rows import row_values
from webmail.index.sqlite import Index
from webmail.index.store import UnreadLate
from webmail.mailbox import SEEN
from webmail.message.summary import summarize

FRIDAY = datetime(2026, 10, 30, 18, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
HOSTS = ("mx2.example.com", "relay.example.net", "gw.example.org")


def header(sent: datetime, released: datetime, host: str, subject: str) -> bytes:
    return (
        f"Received: from {host} by imap.example.com with LMTP; {format_datetime(released)}\r\n"
        f"Received: from smtp.example.org by {host} with ESMTPS;"
        f" {format_datetime(sent + timedelta(seconds=10))}\r\n"
        f"Date: {format_datetime(sent)}\r\nSubject: {subject}\r\nFrom: a@example.org\r\n\r\n"
    ).encode()


def rows() -> list[tuple[object, ...]]:
    """40 messages: most late (held 3-8 h at one of three hosts), every fifth on time, every
    third read; arrivals out of UID order, and UIDs 10-12 arriving in the same second."""
    out = []
    for uid in range(1, 41):
        sent = FRIDAY + (uid * 7 % 40) * HOUR
        late = uid % 5 != 0
        delivered = sent + (timedelta(hours=3 + uid % 6) if late else timedelta(seconds=30))
        arrival = delivered + timedelta(seconds=1)
        if uid in (10, 11, 12):
            arrival = FRIDAY + 100 * HOUR
        out.append(row_values(summarize(
            uid=uid, folder="INBOX", header=header(sent, delivered, HOSTS[uid % 3], f"m{uid}"),
            arrival=arrival, flags=(SEEN,) if uid % 3 == 0 else (), size=100,
            has_attachments=False, threshold=HOUR,
        )))  # fmt: skip
    return out


@pytest.fixture(params=["sqlite", "redis"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexStore]:
    if request.param == "sqlite":
        store: IndexStore = Index(tmp_path / "index.sqlite3", HOUR)
    else:
        store = RedisIndex.from_url(request.getfixturevalue("redis_url"), HOUR)
    yield store
    store.close()


@pytest.fixture
def account(index: IndexStore) -> str:
    key = account_key("imap.example.com:993", f"late-{secrets.token_hex(6)}")
    with index.transaction() as conn:
        folder = index.folder_id(conn, key, "INBOX", 7)
        index.put_rows(conn, folder, 7, rows())
    return key


def by_pages(index: IndexStore, account: str, after: datetime, limit: int) -> list[object]:
    """The same read the long way: every late row in arrival order, newest first."""
    late = index.page(account, "INBOX", "arrival", late_only=True, limit=500)
    return [(r.sent, r.held_at, r.flags) for r in late if r.arrival > after][:limit]


def test_late_arrivals_are_the_late_rows_after_a_time_newest_arrival_first(
    index: IndexStore, account: str
) -> None:
    everything = index.late_arrivals(account, "INBOX", FRIDAY - HOUR, 100)
    assert len(everything) == index.counts(account, "INBOX")[1] >= 32  # every fifth on time
    assert everything == by_pages(index, account, FRIDAY - HOUR, 100)
    assert {host for _, host, _ in everything} == set(HOSTS)
    assert 0 < sum(SEEN in flags for _, _, flags in everything) < len(everything)


@pytest.mark.parametrize("hours", [0, 10, 24, 30, 100, 99.5, 200])
@pytest.mark.parametrize("limit", [1, 2, 5, 100])
def test_late_arrivals_after_any_time_and_limit_match_the_pages(
    index: IndexStore, account: str, hours: float, limit: int
) -> None:
    after = FRIDAY + timedelta(hours=hours)
    assert index.late_arrivals(account, "INBOX", after, limit) == by_pages(
        index, account, after, limit
    )


def test_late_arrivals_follow_flag_changes_and_ties_go_by_uid(
    index: IndexStore, account: str
) -> None:
    with index.transaction() as conn:
        folder = index.folder_id(conn, account, "INBOX", 7)
        index.set_flags(conn, folder, 7, [(11, [SEEN]), (12, [SEEN])])
    second = FRIDAY + 100 * HOUR - timedelta(seconds=1)
    tied = index.late_arrivals(account, "INBOX", second, 3)
    assert [SEEN in flags for _, _, flags in tied][:2] == [True, True]  # UIDs 12 and 11
    assert [when for when, _, _ in tied][:2] == [FRIDAY + (n * 7 % 40) * HOUR for n in (12, 11)]
    assert tied == by_pages(index, account, second, 3)


def test_late_arrivals_of_an_unknown_folder_or_account_are_empty(
    index: IndexStore, account: str
) -> None:
    assert index.late_arrivals(account, "Archive", FRIDAY, 10) == []
    nobody = account_key("imap.example.com:993", "nobody")
    assert index.late_arrivals(nobody, "INBOX", FRIDAY, 10) == []
    assert index.late_arrivals(account, "INBOX", FRIDAY, 0) == []


@pytest.mark.parametrize("hours", [0, 24, 99.5, 200])
@pytest.mark.parametrize("limit", [1, 5, 100])
def test_unread_late_counts_the_unread_late_arrivals(
    index: IndexStore, account: str, hours: float, limit: int
) -> None:
    after = FRIDAY + timedelta(hours=hours)
    unread = [(s, h) for s, h, f in index.late_arrivals(account, "INBOX", after, limit)
              if SEEN not in f]
    got = index.unread_late(account, "INBOX", after, limit)
    assert got.count == len(unread)
    assert got.first_sent == min((s for s, _ in unread), default=None)
    assert got.last_sent == max((s for s, _ in unread), default=None)
    assert got.hosts == dict(Counter(h for _, h in unread if h))


def test_unread_late_leaves_out_what_was_read_since(index: IndexStore, account: str) -> None:
    before = index.unread_late(account, "INBOX", FRIDAY - HOUR, 100)
    assert before.count > 2
    assert set(before.hosts) == set(HOSTS[1:])  # what mx2 held is every third: read
    late = index.page(account, "INBOX", "arrival", late_only=True, limit=500)
    unread = [r for r in late if not r.seen]
    with index.transaction() as conn:
        folder = index.folder_id(conn, account, "INBOX", 7)
        index.set_flags(conn, folder, 7, [(r.uid, [SEEN, "\\Flagged"]) for r in unread[:2]])
    after = index.unread_late(account, "INBOX", FRIDAY - HOUR, 100)
    assert after.count == before.count - 2
    with index.transaction() as conn:
        folder = index.folder_id(conn, account, "INBOX", 7)
        index.set_flags(conn, folder, 7, [(r.uid, [SEEN]) for r in unread])
    assert index.unread_late(account, "INBOX", FRIDAY - HOUR, 100) == UnreadLate(0, None, None, {})
    assert index.unread_late(account, "Archive", FRIDAY, 10).count == 0
