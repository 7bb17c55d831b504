"""webmail.index.sqlite without IMAP: paging, order, the late filter, counts, resets, privacy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from webmail.headers import analyze
from webmail.index import account_key
from webmail.index.rows import decode_analysis, encode_analysis, row_values
from webmail.index.sqlite import Index
from webmail.mailbox.wire import ListRecord, summary_of

ALICE = account_key("imap.example.com:993", "alice")
BOB = account_key("imap.example.com:993", "bob")
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def row(uid: int, sent_min: int, arrival_min: int, late: bool = False) -> tuple[object, ...]:
    """A stored row: sent and arrival in minutes after T0."""
    sent, arrival = T0 + timedelta(minutes=sent_min), T0 + timedelta(minutes=arrival_min)
    delay = int((arrival - sent).total_seconds())
    return (
        uid,
        int(arrival.timestamp()),
        int(sent.timestamp()),
        int(arrival.timestamp()),
        delay,
        int(late),
        "\\Seen",
        100,
        0,
        f"S{uid}",
        f"s{uid}@x",
        "r@x",
        f"subject {uid}",
        f"<{uid}@x>",
        None,
        "[]",
        None,
        None,
        f"subject {uid}",  # the search columns, folded (webmail.message.query.search_columns)
        f"s{uid}\ns{uid}@x",
        "r@x\n",
    )


def fill(
    index: Index, account: str, folder: str, rows: list[tuple[object, ...]], uidvalidity: int = 7
) -> None:
    with index.transaction() as conn:
        fid = index.folder_id(conn, account, folder, uidvalidity)
        index.put_rows(conn, fid, uidvalidity, rows)


def page_uids(index: Index, account: str = ALICE, **kw: object) -> list[int]:
    return [r.uid for r in index.page(account, "INBOX", **kw)]  # type: ignore[arg-type]


@pytest.fixture
def filled(index: Index) -> Index:
    # uid 3 was sent first but arrived last (late); uids 4 and 5 share a sent time.
    fill(
        index,
        ALICE,
        "INBOX",
        [
            row(1, 10, 11),
            row(2, 20, 21),
            row(3, 5, 400, late=True),
            row(4, 30, 31),
            row(5, 30, 32),
            row(6, 40, 300, late=True),
        ],
    )
    return index


def test_page_is_newest_sent_first_with_ties_broken_by_higher_uid(filled: Index) -> None:
    assert page_uids(filled) == [6, 5, 4, 2, 1, 3]


def test_page_in_arrival_order(filled: Index) -> None:
    assert page_uids(filled, order="arrival") == [3, 6, 5, 4, 2, 1]


def test_oldest_first_reverses_the_order(filled: Index) -> None:
    assert page_uids(filled, newest_first=False) == [3, 1, 2, 4, 5, 6]


def test_offset_and_limit_cut_pages(filled: Index) -> None:
    assert page_uids(filled, offset=0, limit=2) == [6, 5]
    assert page_uids(filled, offset=2, limit=2) == [4, 2]
    assert page_uids(filled, offset=4, limit=2) == [1, 3]
    assert page_uids(filled, offset=6, limit=2) == []


def test_keyset_paging_gives_the_same_pages_as_offsets(filled: Index) -> None:
    first = filled.page(ALICE, "INBOX", limit=3)
    after = filled.page_after(ALICE, "INBOX", (first[-1].sent, first[-1].uid), limit=3)
    assert [r.uid for r in after] == page_uids(filled, offset=3, limit=3) == [2, 1, 3]


def test_late_only_filter_keeps_late_rows_in_order(filled: Index) -> None:
    assert page_uids(filled, late_only=True) == [6, 3]
    assert page_uids(filled, late_only=True, order="arrival") == [3, 6]


def test_counts_follow_inserts_and_deletes(filled: Index) -> None:
    assert filled.counts(ALICE, "INBOX") == (6, 2)
    with filled.transaction() as conn:
        fid = filled.folder_id(conn, ALICE, "INBOX", 7)
        filled.delete_uids(conn, fid, 7, [3, 4])
        filled.put_rows(conn, fid, 7, [row(1, 10, 11)])  # same uid again: no double count
    assert filled.counts(ALICE, "INBOX") == (4, 1)


def test_flag_update_changes_only_the_named_rows(filled: Index) -> None:
    with filled.transaction() as conn:
        filled.set_flags(
            conn, filled.folder_id(conn, ALICE, "INBOX", 7), 7, [(2, ("\\Flagged",)), (99, ())]
        )
    assert filled.row(ALICE, "INBOX", 2).flags == {"\\Flagged"}  # type: ignore[union-attr]
    assert filled.row(ALICE, "INBOX", 1).flags == {"\\Seen"}  # type: ignore[union-attr]


def test_new_uidvalidity_drops_the_folders_rows(filled: Index) -> None:
    with filled.transaction() as conn:
        filled.folder_id(conn, ALICE, "INBOX", 8)
    assert page_uids(filled) == []
    assert filled.counts(ALICE, "INBOX") == (0, 0)


def test_another_account_reads_nothing_of_alices(filled: Index) -> None:
    assert ALICE != BOB
    assert filled.page(BOB, "INBOX") == []
    assert filled.row(BOB, "INBOX", 1) is None
    assert filled.uids(BOB, "INBOX") == []
    assert filled.counts(BOB, "INBOX") == (0, 0)
    assert filled.folders(BOB) == []


def test_purge_removes_the_account_and_keeps_others(filled: Index) -> None:
    fill(filled, BOB, "INBOX", [row(1, 1, 2)])
    assert filled.purge(ALICE) == 6
    assert filled.folders(ALICE) == []
    assert page_uids(filled, BOB) == [1]


def test_a_changed_late_threshold_empties_the_index(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    fill(Index(path, timedelta(hours=1)), ALICE, "INBOX", [row(1, 1, 2)])
    assert page_uids(Index(path, timedelta(hours=1))) == [1]
    assert page_uids(Index(path, timedelta(hours=2))) == []


def test_page_limit_is_capped_at_500(index: Index) -> None:
    fill(index, ALICE, "INBOX", [row(n, n, n) for n in range(1, 601)])
    assert len(index.page(ALICE, "INBOX", limit=10_000)) == 500


def test_analysis_survives_storage_except_raw_hop_text() -> None:
    header = (
        b"Received: from a.example by b.example with ESMTP; Mon, 1 Jan 2024 10:00:05 +0000\r\n"
        b"Date: Mon, 1 Jan 2024 11:00:00 +0100\r\n\r\n"
    )
    a = analyze(header, arrival=datetime(2024, 1, 1, 12, tzinfo=UTC), threshold=timedelta(hours=1))
    back = decode_analysis(encode_analysis(a))
    assert back.date_header == a.date_header
    assert back.date_header.utcoffset() == timedelta(hours=1)  # type: ignore[union-attr]
    assert (back.sent, back.delivered, back.delay_seconds, back.delayed) == (
        a.sent,
        a.delivered,
        a.delay_seconds,
        True,
    )
    assert [(h.from_, h.by, h.time) for h in back.hops] == [(h.from_, h.by, h.time) for h in a.hops]
    assert back.warnings == a.warnings


def test_stored_row_reads_sender_subject_and_lateness() -> None:
    header = (
        b"Received: from relay.example by mx.example; Mon, 1 Jan 2024 15:00:00 +0000\r\n"
        b"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nFrom: =?utf-8?q?J=C3=B6rg?= <j@example.de>\r\n"
        b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\tand more\r\nTo: a@example.com\r\n\r\n"
    )
    arrival = int(datetime(2024, 1, 1, 15, 0, 10, tzinfo=UTC).timestamp())
    record = ListRecord(9, ("\\Seen",), arrival, 60, 1234, True, header)
    r = row_values(summary_of(record, "INBOX", timedelta(hours=1)))
    assert r[:9] == (
        9,
        arrival,
        int(datetime(2024, 1, 1, 10, tzinfo=UTC).timestamp()),
        arrival,
        5 * 3600 + 10,
        1,
        "\\Seen",
        1234,
        1,
    )
    assert r[9:14] == ("Jörg", "j@example.de", "a@example.com", "Grüße and more", "")
