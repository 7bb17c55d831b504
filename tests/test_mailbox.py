"""The list-row helpers shared by every Mailbox implementation."""

from datetime import UTC, datetime, timedelta

from webmail.mailbox import decode_header_text, summarize


def test_encoded_word_followed_by_a_folded_line_keeps_the_space():
    assert decode_header_text("=?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n and more") == "Grüße and more"


def test_adjacent_encoded_words_join_without_a_space():
    assert decode_header_text("=?utf-8?q?Caf=C3=A9?= =?utf-8?q?_cr=C3=A8me?=") == "Café crème"


def test_unknown_charset_in_an_encoded_word_does_not_break_the_subject():
    assert decode_header_text("=?x-no-such-charset?q?hello?=") == "hello"


def test_summarize_a_header_block_with_no_from_and_no_date():
    arrival = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    row = summarize(
        uid=7, folder="INBOX", header_bytes=b"Subject: =?utf-8?b?w6l0w6k=?=\r\n\r\n",
        arrival=arrival, flags=[b"\\Seen"], size=10, has_attachments=False,
        threshold=timedelta(hours=1),
    )
    assert (row.sender_name, row.subject, row.seen, row.sent) == (
        "(unknown sender)", "été", True, arrival,
    )
