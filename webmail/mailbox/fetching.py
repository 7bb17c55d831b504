"""Reading an IMAP mailbox: list rows, one page, the read view's message, its parts by
section, a slice of its bytes, a message's state, and the UIDs of a folder or of a text search.

Reads use EXAMINE (read-only SELECT) and ``BODY.PEEK``, so listing or opening a message never
sets ``\\Seen``. FETCH takes explicit UID lists in chunks (:data:`FETCH_CHUNK`), never a range:
imapclient 4.x raises ``ValueError`` on ``1:*`` after the server has sent everything, and a whole
mailbox's UID list overflows Dovecot's 64 KiB command line.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from webmail.mailbox import (
    LIST_HEADER_FIELDS,
    SECTION,
    FullMessage,
    MessageSummary,
    Order,
    Page,
    skeleton,
    wire,
)
from webmail.mailbox.connection import Connection, translated_errors
from webmail.mailbox.errors import NotFound
from webmail.mailbox.paging import paginate
from webmail.mailbox.rawimap import (
    batches,
    imaplib_of,
    search_text_uids,
    search_uids,
    uid_command,
)

__all__ = ["FETCH_CHUNK", "Fetching"]

# UIDs per UID FETCH: fits Dovecot's 64 KiB line limit (imap_max_line_length) with room to
# spare; about 9,000 six-digit UIDs would be the most.
FETCH_CHUNK = 1000


def _body_of(data: dict[bytes, Any]) -> bytes | None:
    """The ``BODY[...]`` item of one message's FETCH answer, whatever its section."""
    value = next((v for k, v in data.items() if k.upper().startswith(b"BODY[")), None)
    return value if isinstance(value, bytes) else None


class Fetching(Connection):
    """The reading operations of :class:`~webmail.mailbox.imap.ImapMailbox`."""

    def _records(
        self, folder: str, uids: list[int], items: str | None = None
    ) -> list[wire.ListRecord]:
        """The list fields (or other FETCH ``items`` with them) of ``uids`` in ``folder``,
        read-only, in chunks that fit any server's line limit, through the fast reader."""
        self._select(folder, readonly=True)
        imap = imaplib_of(self.client)
        items = items or wire.fetch_items(LIST_HEADER_FIELDS)
        records: list[wire.ListRecord] = []
        for chunk in batches(uids, FETCH_CHUNK):
            data = uid_command(imap, "FETCH", wire.sequence_set(sorted(chunk)), items)
            records.extend(wire.list_records(data))
        return records

    def summaries(self, folder: str) -> list[MessageSummary]:
        """Every message of ``folder`` as list rows, in UID order; read-only, never marks read."""
        with translated_errors():
            records = self._records(folder, self.folder_uids(folder))
        return [wire.summary_of(r, folder, self.threshold) for r in records]

    def list_messages(
        self, folder: str, order: Order, number: int, size: int, *, late_only: bool = False
    ) -> Page[MessageSummary]:
        """One page of every summary, sorted here (the list without an index)."""
        return paginate(self.summaries(folder), number, size, order=order, late_only=late_only)

    def message(self, folder: str, uid: int) -> FullMessage:
        """The message for the read view (``BODY.PEEK`` in a read-only select), its row built
        from the same FETCH as a list row is; raises NotFound. Up to
        :data:`~webmail.mailbox.skeleton.WHOLE_BYTES` it comes whole, in that one FETCH; a
        larger one without its large parts (:mod:`webmail.mailbox.skeleton`), named in
        ``FullMessage.left_out``: holding a 40 MB message whole costs hundreds of MB."""
        items = f"({wire.LIST_ITEMS} BODY.PEEK[]<0.{skeleton.WHOLE_BYTES}>)"
        with translated_errors():
            records = [r for r in self._records(folder, [uid], items) if r.uid == uid]
            if not records:
                raise NotFound(f"no message {uid} in {folder!r}")
            record = records[-1]
            del records
            validity = self._validity
            if len(record.literal) < skeleton.WHOLE_BYTES or len(record.literal) >= record.size:
                summary = wire.summary_of(record, folder, self.threshold)
                return FullMessage(summary, record.literal, uidvalidity=validity)
            large = self._large_message(folder, dataclasses.replace(record, literal=b""))
            return dataclasses.replace(large, uidvalidity=validity)

    def message_state(self, folder: str, uid: int) -> tuple[int, frozenset[str]]:
        """``(UIDVALIDITY, flags)`` of one message: EXAMINE and ``UID FETCH uid (FLAGS)``, no
        body (:class:`webmail.mailbox.Revalidating`); raises NotFound."""
        with translated_errors():
            self._select(folder, readonly=True)
            validity = self._validity
            data = self.client.fetch([uid], ["FLAGS"]).get(uid)
        if data is None or validity is None:
            raise NotFound(f"no message {uid} in {folder!r}")
        flags = (f.decode("utf-8", "replace") if isinstance(f, bytes) else str(f)
                 for f in data.get(b"FLAGS") or ())
        return validity, frozenset(f for f in flags if f not in wire.SESSION_FLAGS)

    def _large_message(self, folder: str, record: wire.ListRecord) -> FullMessage:
        """``message()`` of a message over ``skeleton.WHOLE_BYTES`` (``folder`` is selected):
        its header and BODYSTRUCTURE, then the parts :func:`skeleton.plan` asks for."""
        uid, c = record.uid, self.client
        first = c.fetch([uid], ["BODYSTRUCTURE", "BODY.PEEK[HEADER]"]).get(uid)
        if first is None:
            raise NotFound(f"no message {uid} in {folder!r}")
        header = first.get(b"BODY[HEADER]")
        try:
            if not isinstance(header, bytes):
                raise ValueError("no header")
            root = skeleton.tree_of(first.get(b"BODYSTRUCTURE"))
            items, left_out = skeleton.plan(root)
            fetched: dict[str, bytes] = {}
            for batch in skeleton.batches_of(items, 200):
                fetched.update(skeleton.fetched_sections(c.fetch([uid], list(batch)).get(uid, {})))
            raw = skeleton.assemble(root, header, fetched, left_out)
        except ValueError:  # a structure the skeleton cannot follow: the whole message, then
            records = self._records(folder, [uid], wire.fetch_items(None))
            whole = [r for r in records if r.uid == uid]
            if not whole:
                raise NotFound(f"no message {uid} in {folder!r}") from None
            summary = wire.summary_of(whole[-1], folder, self.threshold)
            return FullMessage(summary, whole[-1].literal)
        record = dataclasses.replace(record, literal=header)
        summary = wire.summary_of(record, folder, self.threshold)
        return FullMessage(summary=summary, raw=raw, left_out=left_out)

    def _fetch_one(self, folder: str, uid: int, items: list[str]) -> dict[bytes, Any]:
        """FETCH ``items`` of one message in a read-only select; raises NotFound."""
        with translated_errors():
            self._select(folder, readonly=True)
            data = self.client.fetch([uid], items).get(uid)
        if data is None:
            raise NotFound(f"no message {uid} in {folder!r}")
        return dict(data)

    def part_header(self, folder: str, uid: int, section: str) -> bytes:
        """The part's MIME header block (``BODY.PEEK[<section>.MIME]``); for section ``1`` of a
        single-part message, the message header (its MIME header). Raises NotFound."""
        if not SECTION.fullmatch(section):
            raise NotFound(f"bad section {section!r}")
        item = f"BODY.PEEK[{section}.MIME]"
        if section == "1":
            structure = self._fetch_one(folder, uid, ["BODYSTRUCTURE"]).get(b"BODYSTRUCTURE")
            if structure is not None and not getattr(structure, "is_multipart", True):
                item = "BODY.PEEK[HEADER]"
        data = self._fetch_one(folder, uid, [item])
        value = _body_of(data)
        if value is None or not value.strip():
            raise NotFound(f"no part {section} in message {uid}")
        return value

    def part_bytes(self, folder: str, uid: int, section: str, offset: int, length: int) -> bytes:
        """``length`` encoded bytes of the part from ``offset``, by IMAP partial fetch
        (``BODY.PEEK[<section>]<offset.length>``): only that slice crosses the wire and sits in
        memory. ``b""`` past the end. Raises NotFound."""
        if not SECTION.fullmatch(section) or offset < 0 or length <= 0:
            raise NotFound(f"bad section {section!r}")
        data = self._fetch_one(folder, uid, [f"BODY.PEEK[{section}]<{offset}.{length}>"])
        return _body_of(data) or b""

    def search_text(self, folder: str, text: str) -> frozenset[int]:
        """``UID SEARCH CHARSET UTF-8 TEXT`` with ``text`` as a literal, in a read-only
        select (see :func:`webmail.mailbox.rawimap.search_text_uids`); raises NotFound."""
        with translated_errors():
            self._select(folder, readonly=True)
            esearch = self.client.has_capability("ESEARCH")
            return frozenset(search_text_uids(imaplib_of(self.client), text, esearch))

    def folder_uids(self, folder: str) -> list[int]:
        """``UID SEARCH ALL`` in a read-only select; raises NotFound."""
        with translated_errors():
            self._select(folder, readonly=True)
            return search_uids(
                imaplib_of(self.client), "ALL", self.client.has_capability("ESEARCH")
            )

    def message_bytes(self, folder: str, uid: int, offset: int, length: int) -> bytes:
        """``BODY.PEEK[]<offset.length>``: only that slice crosses the wire; raises NotFound."""
        if offset < 0 or length <= 0:
            return b""
        data = self._fetch_one(folder, uid, [f"BODY.PEEK[]<{offset}.{length}>"])
        return _body_of(data) or b""
