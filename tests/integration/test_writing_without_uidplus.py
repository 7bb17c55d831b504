"""The outbox's writing (APPEND, a draft replaced) on a server without UIDPLUS (RFC 4315):
Dovecot behind a proxy that hides it, drops its APPENDUID codes and answers BAD to
``UID EXPUNGE``. The new UID is found by Message-ID, as a move's is for Undo; the old draft goes
by the one rule every delete keeps: a plain EXPUNGE only when no other message is marked
``\\Deleted``, else it stays marked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from tests.support.capproxy import CapabilityProxy
from tests.support.imapserver import Dovecot, MailUser
from webmail.config import Settings
from webmail.mailbox.imap import ImapMailbox


def draft(n: int, *, folded: bool = False) -> bytes:
    fold = "\r\n" if folded else ""
    message_id = f"Message-ID:{fold} <draft-{n}@example.net>"
    return (
        f"From: Dana <dana@example.com>\r\nTo: pat@example.net\r\nSubject: draft {n}\r\n"
        f"Date: Thu, 20 Jun 2024 12:0{n}:00 +0000\r\n{message_id}\r\n\r\nversion {n}\r\n"
    ).encode()


@pytest.fixture
def proxy(dovecot: Dovecot, capability_proxy: Callable[..., CapabilityProxy]) -> CapabilityProxy:
    return capability_proxy(dovecot, hide=["UIDPLUS"])


@pytest.fixture
def mbox(
    proxy: CapabilityProxy, mail_user: MailUser, imap_settings: Callable[..., Settings]
) -> Iterator[ImapMailbox]:
    opened = ImapMailbox.connect(imap_settings(proxy), mail_user.name, mail_user.password)
    try:
        opened.create_folder("Drafts")
        yield opened
    finally:
        opened.close()


def drafts(dovecot: Dovecot, user: MailUser) -> dict[int, tuple[bytes, set[str]]]:
    """UID -> (the message's text, its flags) in Drafts, as another client sees them."""
    other = dovecot.client(user.name, user.password)
    try:
        other.select_folder("Drafts", readonly=True)
        items = other.fetch(other.search("ALL"), ["FLAGS", "BODY.PEEK[TEXT]"])
        return {
            uid: (item[b"BODY[TEXT]"].strip(), {f.decode() for f in item[b"FLAGS"]} - {"\\Recent"})
            for uid, item in items.items()
        }
    finally:
        other.logout()


def expunges(proxy: CapabilityProxy) -> list[bytes]:
    return [c.split(None, 1)[1] for c in proxy.commands if re.search(rb" (UID )?EXPUNGE", c)]


@pytest.mark.parametrize("folded", [False, True], ids=["one-line", "folded"])
def test_without_uidplus_append_finds_the_new_uid_by_message_id(
    mbox: ImapMailbox, folded: bool
) -> None:
    first = mbox.append("Drafts", draft(1, folded=folded))
    second = mbox.append("Drafts", draft(2, folded=folded))
    assert (first, second) == (1, 2)


def test_without_uidplus_a_replaced_draft_is_expunged_when_nothing_else_is_marked(
    dovecot: Dovecot, mail_user: MailUser, mbox: ImapMailbox, proxy: CapabilityProxy
) -> None:
    old = mbox.append("Drafts", draft(1))
    assert old is not None
    assert mbox.replace("Drafts", old, draft(2)) == 2
    assert drafts(dovecot, mail_user) == {2: (b"version 2", set())}
    assert expunges(proxy) == [b"EXPUNGE"]


def test_without_uidplus_a_replaced_draft_stays_marked_when_another_is_marked(
    dovecot: Dovecot, mail_user: MailUser, mbox: ImapMailbox, proxy: CapabilityProxy
) -> None:
    kept = mbox.append("Drafts", draft(1))
    old = mbox.append("Drafts", draft(2))
    assert (kept, old) == (1, 2)
    other = dovecot.client(mail_user.name, mail_user.password)  # "mark as deleted" elsewhere
    try:
        other.select_folder("Drafts")
        other.add_flags([kept], ["\\Deleted"])
    finally:
        other.logout()
    assert mbox.replace("Drafts", old, draft(3)) == 3
    assert drafts(dovecot, mail_user) == {
        1: (b"version 1", {"\\Deleted"}),
        2: (b"version 2", {"\\Deleted"}),
        3: (b"version 3", set()),
    }
    assert expunges(proxy) == []


def test_without_uidplus_removing_a_message_already_gone_is_no_error(
    dovecot: Dovecot, mail_user: MailUser, mbox: ImapMailbox
) -> None:
    mbox.remove("Drafts", 7)
    assert drafts(dovecot, mail_user) == {}
