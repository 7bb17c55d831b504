"""What the delays page reads from the index: every row of a folder (``delay_rows``) and the
rows counted into plot buckets (``delay_buckets``), the same from the SQLite index and from a
real redis-server, for rows built by the one row builder from analysed messages."""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from webmail.index import IndexStore, account_key
from webmail.index.redis import RedisIndex
from webmail.index.rows import (
    DELAY_BUCKETS_PER_DECADE,
    DelayBucket,
    DelayRow,
    buckets_of,
    delay_bucket_of,
    row_values,
)
from webmail.index.sqlite import Index
from webmail.message.summary import summarize

FRIDAY = datetime(2026, 10, 30, 18, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def raw(sent: datetime, released: datetime, host: str, subject: str) -> bytes:
    return (
        f"Received: from {host} by imap.example.com with LMTP; {format_datetime(released)}\r\n"
        f"Received: from smtp.example.org by {host} with ESMTPS;"
        f" {format_datetime(sent + timedelta(seconds=10))}\r\n"
        f"Date: {format_datetime(sent)}\r\nSubject: {subject}\r\nFrom: a@example.org\r\n\r\n"
    ).encode()


# (uid, sent, delivered, holding host, subject): two late at mx2, one on time, one late at a
# relay, one whose delay cannot be known (no Date, no stamps), one with a skewed clock.
MAIL = [
    (1, FRIDAY, FRIDAY + 40 * HOUR, "mx2.example.com", "held at mx2"),
    (2, FRIDAY + HOUR, FRIDAY + HOUR + timedelta(seconds=30), "mx1.example.com", "on time"),
    (3, FRIDAY + 2 * HOUR, FRIDAY + 30 * HOUR, "mx2.example.com", "held at mx2 too"),
    (4, FRIDAY + 3 * HOUR, FRIDAY + 9 * HOUR, "relay.example.net", "held at the relay"),
]


def rows() -> list[tuple[object, ...]]:
    out = []
    for uid, sent, delivered, host, subject in MAIL:
        out.append(row_values(summarize(
            uid=uid, folder="INBOX", header=raw(sent, delivered, host, subject),
            arrival=delivered + timedelta(seconds=1), flags=(), size=100,
            has_attachments=False, threshold=HOUR,
        )))  # fmt: skip
    undated = b"Subject: no date at all\r\nFrom: b@example.org\r\n\r\n"
    out.append(row_values(summarize(
        uid=5, folder="INBOX", header=undated, arrival=FRIDAY + 4 * HOUR, flags=(), size=50,
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
    """A fresh account holding :data:`MAIL` in INBOX (fresh, so the shared Redis is no bother)."""
    key = account_key("imap.example.com:993", f"delays-{secrets.token_hex(6)}")
    with index.transaction() as conn:
        folder = index.folder_id(conn, key, "INBOX", 7)
        index.put_rows(conn, folder, 7, rows())
    return key


def epoch(when: datetime) -> int:
    return int(when.timestamp())


def test_delay_rows_hold_every_message_oldest_sent_first(index: IndexStore, account: str) -> None:
    got = index.delay_rows(account, "INBOX")
    assert [r.uid for r in got] == [1, 2, 3, 4, 5]
    assert got[0] == DelayRow(
        uid=1, sent=epoch(FRIDAY), delivered=epoch(FRIDAY + 40 * HOUR) + 1,
        delay_seconds=40 * 3600 + 1, late=True, held_at="mx2.example.com",
        hold_start=epoch(FRIDAY) + 10, hold_end=epoch(FRIDAY + 40 * HOUR), subject="held at mx2",
    )  # fmt: skip
    on_time, undated = got[1], got[4]
    assert (on_time.late, on_time.hold_start, on_time.hold_end) == (False, None, None)
    assert on_time.held_at == "mx1.example.com"
    assert (undated.delay_seconds, undated.late, undated.held_at) == (0, False, None)


def test_delay_rows_late_only_keeps_the_late_ones(index: IndexStore, account: str) -> None:
    assert [r.uid for r in index.delay_rows(account, "INBOX", late_only=True)] == [1, 3, 4]


def test_delay_rows_of_an_unknown_folder_or_account_are_empty(
    index: IndexStore, account: str
) -> None:
    assert index.delay_rows(account, "Archive") == []
    assert index.delay_rows(account_key("imap.example.com:993", "nobody"), "INBOX") == []
    assert index.delay_buckets(account, "Archive", 3600) == []


def test_delay_buckets_count_on_time_messages_alike(index: IndexStore, account: str) -> None:
    day = 86400
    got = index.delay_buckets(account, "INBOX", day)
    friday = epoch(FRIDAY) // day
    assert sorted(got, key=lambda b: b.delay_bucket or 0) == [
        DelayBucket(friday, 0, 1),  # the undated message: delay 0
        DelayBucket(friday, int(math.log10(30) * 20), 1),  # on time, 30 s
    ]
    assert sum(b.messages for b in got) == len(MAIL) + 1 - 3  # the three late ones: delay_rows
    assert sorted(got) == sorted(buckets_of(index.delay_rows(account, "INBOX"), day))


def test_a_wide_bucket_holds_messages_of_the_same_delay_bucket() -> None:
    assert DELAY_BUCKETS_PER_DECADE == 20
    assert [delay_bucket_of(d) for d in (None, -5, 0, 1, 2, 10, 3600)] == [None, 0, 0, 0, 6, 20, 71]


def test_sqlite_counts_buckets_from_the_delays_index_alone(tmp_path: Path) -> None:
    store = Index(tmp_path / "index.sqlite3", HOUR)
    conn = store._conn()
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT sent / 60, log(delay), count(*) FROM messages"
        " WHERE folder_id = 1 AND uidvalidity = 7 AND delayed = 0 GROUP BY 1, 2"
    ).fetchall()
    assert any("COVERING INDEX messages_delays" in str(step) for step in plan), plan


def test_redis_counts_a_folder_written_before_the_delay_hash_from_its_rows(
    redis_url: str,
) -> None:
    import hashlib

    import redis

    store = RedisIndex.from_url(redis_url, HOUR)
    key = account_key("imap.example.com:993", f"old-{secrets.token_hex(6)}")
    with store.transaction() as conn:
        folder = store.folder_id(conn, key, "INBOX", 7)
        store.put_rows(conn, folder, 7, rows())
    expected = sorted(store.delay_buckets(key, "INBOX", 86400))
    digest = hashlib.sha256(b"INBOX").hexdigest()[:24]
    redis.Redis.from_url(redis_url).delete(f"wm:ix:{key}:{digest}:delay")  # as written before
    assert sorted(store.delay_buckets(key, "INBOX", 86400)) == expected
