"""webmail.mailbox.wire: reading imaplib's raw FETCH data, sequence sets and INTERNALDATE."""

from __future__ import annotations

import pytest

from webmail.mailbox.wire import (
    esearch_uids,
    fast_record,
    fetched_uids,
    flag_records,
    internaldate,
    list_records,
    parse_sequence_set,
    sequence_set,
    vanished_uids,
)

HEADER = b"Subject: hi\r\n\r\n"
PLAIN = b'("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 47 3 NIL NIL NIL NIL)'
WITH_FILE = (
    b'(("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 19 0 NIL NIL NIL NIL)("application" "pdf"'
    b' ("name" "r.pdf") NIL NIL "base64" 12 NIL ("attachment" ("filename" "r.pdf")) NIL NIL)'
    b' "mixed" ("boundary" "b1") NIL NIL NIL)'
)


def dovecot_item(uid: int, body: bytes, flags: bytes = b"\\Seen \\Recent") -> list[object]:
    head = (
        b'%d (UID %d FLAGS (%s) INTERNALDATE "14-Nov-2023 22:13:20 +0900" RFC822.SIZE 686 '
        b"BODYSTRUCTURE %s BODY[HEADER.FIELDS (DATE SUBJECT)] {%d}"
        % (uid, uid, flags, body, len(HEADER))
    )
    return [(head, HEADER), b")"]


def test_dovecot_shaped_records_are_read_by_the_fast_path() -> None:
    (a, b) = list_records(dovecot_item(3, PLAIN) + dovecot_item(4, WITH_FILE, b""))
    assert (a.uid, a.flags, a.size, a.has_attachments, a.literal) == (
        3,
        ("\\Seen",),
        686,
        False,
        HEADER,
    )
    assert (a.arrival, a.zone_minutes) == (1699967600, 540)
    assert (b.uid, b.flags, b.has_attachments) == (4, (), True)


def test_cyrus_order_flags_before_uid_is_read_by_the_fast_path() -> None:
    # Cyrus IMAP 3.6: "* 1 FETCH (FLAGS (\\Recent) UID 442 INTERNALDATE ..."; before, every
    # such record went through imapclient's parser (a first sync ~4x as long as on Dovecot).
    head = (
        b'1 (FLAGS (\\Seen \\Recent) UID 442 INTERNALDATE "14-Nov-2023 22:13:20 +0900" '
        b"RFC822.SIZE 686 BODYSTRUCTURE %s BODY[HEADER.FIELDS (DATE SUBJECT)] {%d}"
        % (WITH_FILE, len(HEADER))
    )
    record = fast_record([(head, HEADER), b")"])
    assert record is not None
    assert (record.uid, record.flags, record.size, record.has_attachments, record.literal) == (
        442,
        ("\\Seen",),
        686,
        True,
        HEADER,
    )
    assert (record.arrival, record.zone_minutes) == (1699967600, 540)


@pytest.mark.parametrize(
    "head",
    [
        b'2 (RFC822.SIZE 686 INTERNALDATE "14-Nov-2023 22:13:20 +0900" UID 9 MODSEQ (12) '
        b"FLAGS () BODYSTRUCTURE %s BODY[HEADER.FIELDS (DATE SUBJECT)] {%d}",
        b'2 (BODYSTRUCTURE %s UID 9 FLAGS () INTERNALDATE "14-Nov-2023 22:13:20 +0900" '
        b"RFC822.SIZE 686 BODY[HEADER.FIELDS (DATE SUBJECT)] {%d}",
    ],
)
def test_any_item_order_is_read_by_the_fast_path(head: bytes) -> None:
    record = fast_record([(head % (PLAIN, len(HEADER)), HEADER), b")"])
    assert record is not None
    assert (record.uid, record.flags, record.size, record.has_attachments) == (9, (), 686, False)


def test_a_quoted_paren_in_the_structure_does_not_end_it() -> None:
    tricky = b'("text" "plain" ("name" "a) b (c.txt") NIL NIL "7bit" 47 3 NIL NIL NIL NIL)'
    head = (
        b'3 (UID 3 FLAGS () INTERNALDATE "14-Nov-2023 22:13:20 +0900" RFC822.SIZE 5 '
        b"BODYSTRUCTURE %s BODY[HEADER.FIELDS (SUBJECT)] {%d}" % (tricky, len(HEADER))
    )
    record = fast_record([(head, HEADER), b")"])
    assert record is not None and record.uid == 3


def test_a_shape_the_fast_path_does_not_know_goes_to_the_general_parser() -> None:
    head = (
        b'4 (UID 4 ENVELOPE (NIL "s" NIL NIL NIL NIL NIL NIL NIL NIL)'
        b' INTERNALDATE "01-Jan-2024 00:00:00 +0000" BODY[] {%d}'
    )
    items = [(head % len(HEADER), HEADER), b")"]
    assert fast_record(items) is None
    (record,) = list_records(items)
    assert (record.uid, record.arrival) == (4, 1704067200)


def test_the_literal_first_and_the_items_after_it_are_read_by_the_fast_path() -> None:
    data = [
        (b"7 (BODY[HEADER.FIELDS (SUBJECT)] {%d}" % len(HEADER), HEADER),
        b" UID 7 RFC822.SIZE 10 FLAGS (\\Flagged)"
        b' INTERNALDATE "01-Jan-2024 00:00:00 +0000" BODYSTRUCTURE ' + WITH_FILE + b")",
    ]
    assert fast_record(data) is not None
    (r,) = list_records(data)
    assert (r.uid, r.flags, r.size, r.arrival, r.zone_minutes, r.has_attachments, r.literal) == (
        7,
        ("\\Flagged",),
        10,
        1704067200,
        0,
        True,
        HEADER,
    )


def test_internaldate_keeps_the_server_zone() -> None:
    assert internaldate(b"27-Jan-2024 16:59:41 +0900") == (1706342381, 540)
    assert internaldate(b" 7-Jan-2024 16:59:41 -0130") == (1704652181, -90)
    assert internaldate(b"27-Foo-2024 16:59:41 +0900") is None


def test_flag_records_read_uid_and_flags_in_either_order() -> None:
    data = [b"1 (UID 5 FLAGS (\\Seen) MODSEQ (9))", b"2 (FLAGS () UID 8)"]
    assert list(flag_records(data)) == [(5, ("\\Seen",)), (8, ())]


def test_sequence_sets_round_trip() -> None:
    uids = [1, 2, 3, 7, 9, 10, 11, 20]
    assert sequence_set(uids) == "1:3,7,9:11,20"
    assert parse_sequence_set("1:3,7,11:9,20") == uids
    assert parse_sequence_set(b"5,*,x:2") == [5]


def test_esearch_and_vanished_data_give_uids() -> None:
    assert esearch_uids([b'(TAG "A5") UID ALL 5:7,9']) == [5, 6, 7, 9]
    assert esearch_uids([b'(TAG "A5") UID']) == []
    assert vanished_uids([b"(EARLIER) 41,43:45"]) == [41, 43, 44, 45]


def test_fetched_uids_read_a_uid_fetch_answer() -> None:
    assert fetched_uids([b"1 (UID 4)", b"2 (UID 9 FLAGS ())", b"3 (UID 4)", None]) == [4, 9]
