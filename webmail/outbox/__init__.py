"""Sending mail and saving drafts: the :class:`Outbox` service (no Flask).

The views hand it a checked :class:`~webmail.compose.Letter` and the form it came from
(:class:`~webmail.outbox.staging.ComposeState`); it writes the message
(:func:`webmail.compose.write_message`), checks its size, claims the form's token in the
:class:`~webmail.outbox.ledger.SendLedger` (a message is never sent twice), hands it to the
transport (SMTP, or the demo's :class:`~webmail.outbox.local.LocalDelivery`), and then, through
the reader's :class:`~webmail.mailbox.Mailbox`: APPENDs the copy to Sent with ``\\Seen``, marks
the original ``\\Answered`` or ``$Forwarded``, and removes the draft the form resumed. Once the
server has taken the message, a failure of those steps is a note on the "Sent" page, never
an error: the message is out.

Parts: :mod:`~webmail.outbox.smtp` (the only importer of smtplib), :mod:`~webmail.outbox.local`,
:mod:`~webmail.outbox.ledger` (the ``sent_forms`` table of the instance database),
:mod:`~webmail.outbox.staging` (forms in progress and their files), :mod:`~webmail.outbox.errors`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from webmail.compose import (
    DraftInfo,
    Letter,
    Recipient,
    Written,
    new_message_id,
    recipient_of,
    write_message,
)
from webmail.compose.replies import DRAFT_INFO
from webmail.config import Settings
from webmail.mailbox import SEEN, Mailbox, MailboxError
from webmail.mailbox.demodata import DEMO_ADDRESS, DEMO_NAME
from webmail.outbox.errors import (
    DeliveryUncertain,
    MessageTooLarge,
    SendError,
    SendingOff,
)
from webmail.outbox.ledger import SENT, UNCERTAIN, SendLedger, SendRecord
from webmail.outbox.local import LocalDelivery
from webmail.outbox.staging import ComposeState, ComposeStore, MessageRef
from webmail.outbox.transport import Transport

__all__ = [
    "DRAFT", "AlreadySent", "DeliveryUncertain", "MailboxOpener", "Outbox", "SendError",
    "SendRecord",
]

DRAFT = "\\Draft"
#: ``user_mailbox`` of the views: a block with the reader's pooled mailbox.
MailboxOpener = Callable[[], AbstractContextManager[Mailbox]]


class AlreadySent(Exception):
    """The form's token was used: ``record`` says how (``sent``, ``uncertain``, or still
    ``sending`` after waiting)."""

    def __init__(self, record: SendRecord) -> None:
        super().__init__(record.state)
        self.record = record


class Outbox:
    """Sending for one app: ``settings`` (``WEBMAIL_SMTP_*``), forms kept under
    ``instance/compose``, the ledger in the instance database at ``database``."""

    def __init__(self, settings: Settings, instance: Path, database: Path) -> None:
        self.settings = settings
        self.ledger = SendLedger(database)
        self.forms = ComposeStore(instance / "compose", settings.max_message_bytes)

    @property
    def can_send(self) -> bool:
        """An outgoing server is configured, or this is the demo (which files mail itself)."""
        return self.settings.demo or bool(self.settings.smtp_host)

    def address_of(self, username: str) -> str | None:
        """The reader's own address: the login name when it is one, else the login name at
        ``WEBMAIL_MAIL_DOMAIN``; the demo's address in the demo; ``None`` when unknown."""
        if self.settings.demo:
            return DEMO_ADDRESS
        name = username.strip()
        if "@" in name:
            return name
        if self.settings.mail_domain and name:
            return f"{name}@{self.settings.mail_domain}"
        return None

    def sender(self, username: str, display_name: str = "") -> Recipient | None:
        """The From of the reader's mail (their display name from settings), or ``None``
        when their address is unknown or not one."""
        address = self.address_of(username)
        if address is None:
            return None
        try:
            found = recipient_of(address)
        except ValueError:
            return None
        name = " ".join(display_name.split()) or (DEMO_NAME if self.settings.demo else "")
        return replace(found, name=name)

    def _transport(
        self, user: str, password: str, letter: Letter, mailbox: MailboxOpener
    ) -> Transport:
        if self.settings.demo:
            return LocalDelivery(mailbox, {letter.sender.ascii})
        from webmail.outbox.smtp import SmtpTransport  # the demo needs no smtplib

        return SmtpTransport(self.settings, user, password, helo=letter.sender.domain)

    def _written(self, letter: Letter, token: str, zone: tzinfo, **kw: Any) -> Written:
        """The letter as bytes, dated now in the writer's zone; MessageTooLarge over the limit."""
        now = datetime.now(UTC).replace(microsecond=0).astimezone(zone)
        # The Message-ID is the same for every version of one form (a resent uncertain
        # message is recognisable as the same one), without showing the form's token.
        unique = hashlib.sha256(token.encode("utf-8")).hexdigest()[:32]
        written = write_message(
            letter, date=now, message_id=new_message_id(letter.sender.domain, unique), **kw
        )
        if len(written.copy) > self.settings.max_message_bytes:
            raise MessageTooLarge(
                len(written.copy), self.settings.max_message_bytes, server=False
            )
        return written

    def send(
        self,
        *,
        user: str,
        password: str,
        form: ComposeState,
        letter: Letter,
        zone: tzinfo,
        mailbox: MailboxOpener,
        again: bool = False,
    ) -> SendRecord:
        """Send ``letter`` once for ``form`` (see the module docstring). Raises a SendError
        kind when it did not go (the claim is released, except for DeliveryUncertain, which is
        recorded), AlreadySent when the form's token was used (``again`` sends an uncertain
        one anyway)."""
        if not self.can_send:
            raise SendingOff()
        token = form.form_id
        written = self._written(letter, token, zone)
        existing = self.ledger.claim(user, token, again=again)
        if existing is not None:
            waited = self.ledger.wait(user, token, self.settings.smtp_timeout * 2 + 5)
            raise AlreadySent(waited or existing)
        detail: dict[str, Any] = {"message_id": written.message_id, "subject": letter.subject}
        try:
            receipt = self._transport(user, password, letter, mailbox).send(
                letter.sender.ascii, letter.envelope_recipients, written.transmitted,
                eight_bit=written.eight_bit,
            )
        except DeliveryUncertain as exc:
            self.ledger.finish(user, token, UNCERTAIN, {**detail, "error": exc.user_message})
            raise
        except BaseException:
            self.ledger.release(user, token)
            raise
        detail.update(
            accepted=list(receipt.accepted), refused=[list(r) for r in receipt.refused],
            reply=receipt.reply, demo=self.settings.demo, notes=[],
        )
        self.ledger.finish(user, token, SENT, detail)  # out: nothing below may undo that
        detail["notes"] = self._file(written, form, mailbox)
        self.ledger.finish(user, token, SENT, detail)
        if not receipt.refused:  # kept otherwise, to write again to the refused ones
            self.forms.discard(user, token)
        return self.ledger.record(user, token) or SendRecord(SENT, 0.0, detail)

    def _file(self, written: Written, form: ComposeState, mailbox: MailboxOpener) -> list[str]:
        """The Sent copy, the original's flag, the draft's removal; a note for each failure."""
        notes: list[str] = []

        def step(failure: str, action: Callable[[Mailbox], object]) -> None:
            try:
                with mailbox() as mbox:
                    action(mbox)
            except MailboxError as exc:
                notes.append(f"{failure}: {exc.user_message}")

        def file_sent(mbox: Mailbox) -> None:
            folder = mbox.role_folder("sent")
            if folder is None:
                raise MailboxError("no Sent folder", "there is no Sent folder")
            mbox.append(folder, written.copy, [SEEN])

        step("The copy for your Sent folder could not be saved", file_sent)
        origin, draft = form.origin, form.draft
        if origin is not None:
            step(
                "The original message could not be marked "
                + ("answered" if origin.kind == "reply" else "forwarded"),
                lambda m: m.set_flags(origin.folder, origin.uid, add=[origin.flag]),
            )
        if draft is not None:
            step("The draft could not be removed from Drafts",
                 lambda m: m.remove(draft.folder, draft.uid))
        return notes

    def save_draft(
        self,
        *,
        user: str,
        form: ComposeState,
        letter: Letter,
        zone: tzinfo,
        mailbox: MailboxOpener,
    ) -> ComposeState:
        """APPEND the letter to Drafts with ``\\Draft`` (replacing the form's previous
        version); the form, now pointing at the saved draft. Raises MailboxError,
        MessageTooLarge; AlreadySent when the form was sent meanwhile."""
        record = self.ledger.record(user, form.form_id)
        if record is not None:
            raise AlreadySent(record)
        extra: list[tuple[str, str]] = []
        if form.origin is not None:
            info = DraftInfo(form.origin.kind, form.origin.folder, form.origin.uid)
            extra.append((DRAFT_INFO, info.header()))
        written = self._written(letter, form.form_id, zone, extra_headers=extra)
        flags = [SEEN, DRAFT]
        with mailbox() as mbox:
            folder = mbox.role_folder("drafts")
            if folder is None:
                raise MailboxError("no Drafts folder", "There is no Drafts folder.")
            previous = form.draft
            if previous is not None and previous.folder == folder:
                uid = mbox.replace(folder, previous.uid, written.copy, flags)
            else:
                uid = mbox.append(folder, written.copy, flags)
                if previous is not None:
                    mbox.remove(previous.folder, previous.uid)
        saved = replace(form, draft=MessageRef(folder, uid) if uid is not None else None)
        self.forms.save(user, saved)
        return saved

