"""The one decoder and the one row builder (webmail.message), shared by every list path."""

from datetime import UTC, datetime, timedelta

from webmail.message.summary import summarize
from webmail.message.text import decode_header_line


def test_encoded_word_followed_by_a_folded_line_keeps_the_space():
    assert decode_header_line("=?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n and more") == "Grüße and more"


def test_adjacent_encoded_words_join_without_a_space():
    assert decode_header_line("=?utf-8?q?Caf=C3=A9?= =?utf-8?q?_cr=C3=A8me?=") == "Café crème"


def test_unknown_charset_in_an_encoded_word_does_not_break_the_subject():
    assert decode_header_line("=?x-no-such-charset?q?hello?=") == "hello"


def test_summarize_a_header_block_with_no_from_and_no_date():
    arrival = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    row = summarize(
        uid=7,
        folder="INBOX",
        header=b"Subject: =?utf-8?b?w6l0w6k=?=\r\n\r\n",
        arrival=arrival,
        flags=[b"\\Seen"],
        size=10,
        has_attachments=False,
        threshold=timedelta(hours=1),
    )
    assert (row.sender_name, row.subject, row.seen, row.sent) == (
        "(unknown sender)",
        "été",
        True,
        arrival,
    )


def test_raw_cp1252_subject_reads_as_windows_1252():
    assert decode_header_line(b"Caf\xe9 menu") == "Caf\u00e9 menu"


def test_python_only_codec_in_an_encoded_word_is_not_a_charset():
    # unicode_escape would turn "\\u0041" into "A": a hostile label must not pick a codec.
    assert decode_header_line("=?unicode_escape?q?=5Cu0041?=") == "\\u0041"


def test_summarize_decodes_an_encoded_display_name_after_splitting_the_address():
    row = summarize(
        uid=1,
        folder="INBOX",
        header=b"From: =?utf-8?q?Doe=2C_J=C3=B6rg?= <j@example.de>\r\n\r\n",
        arrival=datetime(2024, 5, 1, tzinfo=UTC),
        flags=["\\Recent"],
        size=1,
        has_attachments=False,
        threshold=timedelta(hours=1),
    )
    assert (row.sender_name, row.sender_address, row.flags) == (
        "Doe, J\u00f6rg",
        "j@example.de",
        frozenset(),
    )
