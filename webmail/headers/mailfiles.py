"""Messages out of files: single messages, mbox files and Maildir folders, streamed.

With :mod:`webmail.headers.cli`, the I/O edge of the library (the rest of the package does
no I/O). :func:`iter_messages` turns command-line PATHs into :class:`MessageFile` items, each
carrying only the header block of one message (at most ``MAX_HEADER_BYTES`` plus a few
bytes, the analysis' own cap), so memory stays bounded by one header block and one line (or
an mbox file of at most ``WHOLE_MBOX_BYTES``, read at once), whatever the size of the mailbox
or of any message in it.

- A file whose first line is an mbox ``From`` line (``From sender asctime-date``, see
  :data:`FROM_LINE`) is an mbox: every such line begins a message. Messages are numbered
  from 0. Writers quote body lines that start with ``From `` as ``>From ``; an unquoted one
  (mboxo) or a spam header such as ``From  :<a@b>`` begins no message unless it also ends
  in a time and a year, as a real ``From`` line does (mutt's ``is_from`` is as strict;
  ``mailbox.mbox`` in the standard library splits at any ``From `` line).
- A directory holding ``cur`` and ``new`` is a Maildir: the files in ``new`` then ``cur``,
  each sorted by name; ``tmp`` (deliveries in progress) and the files beside ``cur`` (a
  server's indexes and lists) are not messages. Maildir++ subfolders (``.Sent``) are read
  the same way.
- Any other directory is walked recursively in sorted order; each file is a message or an
  mbox as above. Any other file is one message.
"""

from __future__ import annotations

import io
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from typing import BinaryIO

from webmail.headers.fields import MAX_HEADER_BYTES

__all__ = ["FROM_LINE", "MBOX_MAGIC", "MessageFile", "is_maildir", "iter_messages", "read_mbox"]

#: The first bytes of an mbox file (the ``From `` line of its first message).
MBOX_MAGIC = b"From "
#: An mbox ``From`` line: ``From``, the envelope sender (maybe empty), then a date ending in
#: a time, an optional zone and a year, e.g. ``From a@b.example  Fri Dec  7 11:07:41 2001``.
FROM_LINE = re.compile(
    rb"From \S*[ \t]+[^\r\n]*\d:\d\d(?::\d\d)?(?:[ \t]+\S+)?[ \t]+\d{4}[ \t]*\r?\n?"
)
#: A line longer than this is read in pieces of this size (memory stays bounded).
LINE_LIMIT = 64 * 1024
#: An mbox file up to this size is read whole and split in memory; a bigger one streams.
WHOLE_MBOX_BYTES = 1024 * 1024
_HEAD_LIMIT = MAX_HEADER_BYTES + 4  # one byte past the cap lets the analysis warn about it
_MAILDIR_PARTS = ("new", "cur")


@dataclass(frozen=True, slots=True)
class MessageFile:
    """One message read from a PATH.

    :ivar path: the file it came from (for a Maildir message, the message's own file).
    :ivar index: its position in an mbox file, from 0; ``None`` for a file of its own.
    :ivar head: the header block (at most ``MAX_HEADER_BYTES`` + 4 bytes); ``b""`` when
        the file could not be read.
    :ivar error: why the file could not be read (``strerror``), else ``None``.
    """

    path: str
    index: int | None
    head: bytes
    error: str | None = None


def is_maildir(path: str) -> bool:
    """True when ``path`` is a directory holding ``cur`` and ``new`` directories."""
    return all(os.path.isdir(os.path.join(path, part)) for part in _MAILDIR_PARTS)


def iter_messages(paths: Sequence[str]) -> Iterator[MessageFile]:
    """Every message of ``paths`` in order (see the module docstring), one at a time.
    Never raises for an unreadable file: it becomes a :class:`MessageFile` with ``error``."""
    for path in paths:
        if os.path.isdir(path):
            yield from _walk(path)
        else:
            yield from _file(path)


def _walk(top: str) -> Iterator[MessageFile]:
    join = os.path.join
    for root, dirs, files in os.walk(top):
        dirs.sort()
        if is_maildir(root):
            for part in _MAILDIR_PARTS:
                folder = join(root, part)
                for name in sorted(os.listdir(folder)):
                    if os.path.isfile(join(folder, name)):
                        yield from _file(join(folder, name))
            # Below a Maildir only its Maildir++ subfolders hold mail.
            dirs[:] = [d for d in dirs if d.startswith(".") and d not in (".", "..")]
            continue
        for name in sorted(files):
            path = join(root, name)
            item = _single(path)  # a message of its own, or None for an mbox
            if item is not None:
                yield item
            else:
                yield from _mbox(path)


def _file(path: str) -> Iterator[MessageFile]:
    """The message in ``path``, or each message of an mbox; an unreadable file (or one cut
    short while read) ends with an item carrying the error."""
    item = _single(path)
    if item is not None:
        yield item
    else:
        yield from _mbox(path)


def _single(path: str) -> MessageFile | None:
    """The message in ``path`` (or an item carrying the error), ``None`` when it is an mbox."""
    try:
        handle = open(path, "rb", buffering=0)  # raw: no buffer, no isatty() or tell() calls
    except OSError as exc:
        return _message_file(path, None, b"", exc.strerror or str(exc))
    with handle:
        try:
            # The first _HEAD_LIMIT bytes, read straight into a bytes object of the file's size.
            size = os.fstat(handle.fileno()).st_size
            head = handle.read(min(size, _HEAD_LIMIT)) or b"" if size > 0 else b""
            while len(head) < _HEAD_LIMIT and len(head) != size:  # short read, growing file
                more = handle.read(_HEAD_LIMIT - len(head))
                if not more:
                    break
                head += more
        except OSError as exc:
            return _message_file(path, None, b"", exc.strerror or str(exc))
    if head.startswith(MBOX_MAGIC):
        newline = head.find(b"\n", 0, LINE_LIMIT)
        if FROM_LINE.fullmatch(head[: newline + 1] if newline >= 0 else head[:LINE_LIMIT]):
            return None
    return _message_file(path, None, head, None)


def _mbox(path: str) -> Iterator[MessageFile]:
    """Each message of the mbox file ``path``, then an item carrying the error if reading
    failed. A regular file of at most :data:`WHOLE_MBOX_BYTES` is read at once and split by
    :func:`mbox_heads`; a bigger one streams through :func:`read_mbox`."""
    try:
        handle = open(path, "rb", buffering=0)  # raw: read whole, or buffered below to stream
    except OSError as exc:
        yield _message_file(path, None, b"", exc.strerror or str(exc))
        return
    with handle:
        try:
            heads: Iterator[bytes] | None = None
            info = os.fstat(handle.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size <= WHOLE_MBOX_BYTES:
                data = _read_up_to(handle, info.st_size + 1)
                if len(data) <= info.st_size:
                    heads = mbox_heads(data)
                else:  # it grew since: stream it
                    del data
                    handle.seek(0)
            if heads is not None:
                for index, item in enumerate(heads):
                    yield _message_file(path, index, item, None)
                return
            with io.BufferedReader(handle) as buffered:  # closes the raw file too
                for index, item in enumerate(read_mbox(buffered)):
                    yield _message_file(path, index, item, None)
        except OSError as exc:
            yield _message_file(path, None, b"", exc.strerror or str(exc))


def _read_up_to(handle: BinaryIO, size: int) -> bytes:
    """The first ``size`` bytes of a raw file (fewer at its end), however the reads come."""
    data = handle.read(size) or b""
    while len(data) < size:
        more = handle.read(size - len(data))
        if not more:
            break
        data += more
    return data


def mbox_heads(data: bytes) -> Iterator[bytes]:
    """What :func:`read_mbox` yields for a stream holding ``data``, found in memory by a few
    searches a message: every line starting with what :data:`FROM_LINE` matches (its first
    ``LINE_LIMIT`` bytes, as ``readline(LINE_LIMIT)`` gives them) begins a message, in a header
    or in a body alike, and a message's header block is the lines after it up to the first
    empty line, the next message or the cap, whichever comes first."""
    end = len(data)
    begin = _next_from_line(data, 0)
    while begin >= 0:
        newline = data.find(b"\n", begin)
        start = end if newline < 0 else newline + 1  # the header, after the From line
        following = _next_from_line(data, start)
        limit = min(end if following < 0 else following, start + _HEAD_LIMIT)
        if data.startswith(b"\n", start):
            stop = start + 1
        elif data.startswith(b"\r\n", start):
            stop = start + 2
        else:  # through the first empty line ("LF LF" or "LF CR LF" at a line's end)
            stop = limit
            lf_lf = data.find(b"\n\n", start, limit + 1)
            if lf_lf >= 0:
                stop = lf_lf + 2
            lf_cr_lf = data.find(b"\n\r\n", start, min(stop, limit) + 2)
            if lf_cr_lf >= 0:
                stop = min(stop, lf_cr_lf + 3)
        yield data[start : min(stop, limit)]
        begin = following


def _is_from_line(data: bytes, start: int) -> bool:
    """The line at ``start`` begins a message (its first ``LINE_LIMIT`` bytes)."""
    if not data.startswith(MBOX_MAGIC, start):
        return False
    newline = data.find(b"\n", start, start + LINE_LIMIT)
    piece = data[start : newline + 1 if newline >= 0 else start + LINE_LIMIT]
    return FROM_LINE.fullmatch(piece) is not None


def _next_from_line(data: bytes, start: int) -> int:
    """The first line at or after the line start ``start`` that begins a message, or -1."""
    while not _is_from_line(data, start):
        found = data.find(b"\nFrom ", start)
        if found < 0:
            return -1
        start = found + 1
    return start


_SET_PATH, _SET_INDEX, _SET_HEAD, _SET_ERROR = (
    getattr(MessageFile, f.name).__set__ for f in fields(MessageFile)
)


def _message_file(path: str, index: int | None, head: bytes, error: str | None) -> MessageFile:
    """``MessageFile(path, index, head, error)`` without the frozen ``__init__`` (as
    ``model.new_hop``): one per message read."""
    item = object.__new__(MessageFile)
    _SET_PATH(item, path)
    _SET_INDEX(item, index)
    _SET_HEAD(item, head)
    _SET_ERROR(item, error)
    return item


def read_mbox(handle: BinaryIO) -> Iterator[bytes]:
    """The header block of each message of an mbox stream, in order, without its ``From ``
    line: the lines up to and including the first empty one, cut at ``MAX_HEADER_BYTES``
    + 4 bytes. Bodies are read past a line at a time and never kept."""
    head: list[bytes] = []
    size = 0
    in_header = False
    started = False
    at_line_start = True
    while True:
        line = handle.readline(LINE_LIMIT)
        if not line:
            break
        whole = at_line_start  # this piece starts a line (a long line comes in pieces)
        at_line_start = line.endswith(b"\n")
        begins = whole and line.startswith(MBOX_MAGIC) and FROM_LINE.fullmatch(line) is not None
        if begins:
            if started:
                yield b"".join(head)
            head, size, in_header, started = [], 0, True, True
            while not at_line_start:  # the rest of an over-long From line
                rest = handle.readline(LINE_LIMIT)
                if not rest:
                    break
                at_line_start = rest.endswith(b"\n")
            continue
        if not in_header:
            continue
        if size < _HEAD_LIMIT:
            piece = line[: _HEAD_LIMIT - size]
            head.append(piece)
            size += len(piece)
        if whole and line in (b"\n", b"\r\n"):
            in_header = False  # the blank line ends the header block
    if started:
        yield b"".join(head)
