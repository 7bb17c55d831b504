"""An mbox file read whole (``mailfiles.mbox_heads``) gives the header blocks that streaming it
line by line (``mailfiles.read_mbox``) gives: at every line length around the piece size, the
header cap, From lines that are and are not message separators, CRLF, no final newline."""

from __future__ import annotations

import io

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from webmail.headers import mailfiles

LINES = [
    b"From a@b.example  Fri Dec  7 11:07:41 2001\n", b"From  Fri Dec  7 11:07:41 2001\r\n",
    b"From a@b.example Fri Dec 7 11:07 2001", b"From nobody\n", b">From a@b Fri 1 11:07 2001\n",
    b"From a@b.example  Fri Dec  7 11:07:41 2001 and more\n", b"Received: from x by y\n",
    b"Subject: s\r\n", b" continued\n", b"\n", b"\r\n", b"\r\r\n", b"body\n", b"x" * 70 + b"\n",
    b"From: someone\n", b"From ", b"From a@b Fri Dec  7 11:07:41 2001" + b" " * 80 + b"\n",
]  # fmt: skip


def _streamed(data: bytes) -> list[bytes]:
    return list(mailfiles.read_mbox(io.BytesIO(data)))


@pytest.fixture(autouse=True)
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Limits small enough for generated mboxes to cross them."""
    monkeypatch.setattr(mailfiles, "LINE_LIMIT", 64)
    monkeypatch.setattr(mailfiles, "_HEAD_LIMIT", 100)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=30), st.sampled_from([b"", b"\n", b"tail"]))
@example([LINES[0], b"Date: x\n", b"\n", b"body\n", LINES[1], b"Date: y\n"], b"")
def test_an_mbox_read_whole_gives_what_streaming_it_gives(lines: list[bytes], end: bytes) -> None:
    data = b"".join(lines) + end
    assert list(mailfiles.mbox_heads(data)) == _streamed(data)


def test_the_command_line_reads_a_small_and_a_big_mbox_alike(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    data = b"".join(LINES[i % len(LINES)] for i in range(400))
    (folder / "box.mbox").write_bytes(LINES[0] + data)
    whole = list(mailfiles.iter_messages([str(folder)]))
    monkeypatch.setattr(mailfiles, "WHOLE_MBOX_BYTES", 10)  # now it streams
    assert list(mailfiles.iter_messages([str(folder)])) == whole
    assert len(whole) > 10
