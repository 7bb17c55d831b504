"""Deleting never touches a message the reader did not act on (issue 9, 3).

Thunderbird's "mark as deleted" mode, phones and Alpine leave messages marked ``\\Deleted``
until their own expunge. A plain EXPUNGE (RFC 3501 §6.4.3) removes all of them for good, so
the webmail deletes with MOVE, else COPY + ``UID EXPUNGE`` (UIDPLUS), else COPY + ``\\Deleted``
and a plain EXPUNGE only when no other message of the folder is marked. Servers without MOVE
and UIDPLUS (GNU Mailutils imap4d) are Dovecot behind a proxy that hides both and answers BAD
to them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.support.capproxy import CapabilityProxy
from tests.support.imapserver import Dovecot, MailUser
from tests.support.matrix import uids_with_message_id
from tests.support.syncdata import message
from tests.support.webmail_client import Reader


@pytest.fixture
def three(dovecot: Dovecot, mail_user: MailUser) -> MailUser:
    """``mail_user`` with messages 0, 1 and 2 (UIDs 1-3) in INBOX."""
    for n in range(3):
        raw, arrival = message(n)
        dovecot.deliver(mail_user.name, raw, arrival)
    return mail_user


def flags(dovecot: Dovecot, user: MailUser) -> dict[int, set[str]]:
    other = dovecot.client(user.name, user.password)
    try:
        other.select_folder("INBOX", readonly=True)
        return {
            uid: {f.decode() for f in item[b"FLAGS"]} - {"\\Recent"}
            for uid, item in other.fetch(other.search("ALL"), ["FLAGS"]).items()
        }
    finally:
        other.logout()


def mark_deleted(dovecot: Dovecot, user: MailUser, uid: int) -> None:
    other = dovecot.client(user.name, user.password)
    try:
        other.select_folder("INBOX")
        other.add_flags([uid], ["\\Deleted"])
    finally:
        other.logout()


def in_trash(dovecot: Dovecot, user: MailUser, n: int) -> int:
    other = dovecot.client(user.name, user.password)
    try:
        return len(uids_with_message_id(other, "Trash", f"<{n}@example.net>"))
    finally:
        other.logout()


def expunges(proxy: CapabilityProxy) -> list[bytes]:
    return [c.split(None, 1)[1] for c in proxy.commands if re.search(rb" (UID )?EXPUNGE", c)]


def test_without_move_and_uidplus_another_clients_deleted_message_survives_a_delete(
    dovecot: Dovecot, three: MailUser, capability_proxy: Callable[..., CapabilityProxy],
    reader_through: Callable[[CapabilityProxy, MailUser], Reader],
) -> None:
    # Before: COPY, \Deleted, then EXPUNGE: message 1, marked by another client, was gone
    # for good without ever reaching the Trash.
    proxy = capability_proxy(dovecot, hide=["MOVE", "UIDPLUS"])
    reader = reader_through(proxy, three)
    mark_deleted(dovecot, three, 1)
    assert reader.post("/message/INBOX/2/delete").status_code == 302
    assert flags(dovecot, three) == {1: {"\\Deleted"}, 2: {"\\Deleted"}, 3: set()}
    assert in_trash(dovecot, three, 1) == 1  # message n is UID n + 1
    assert expunges(proxy) == []
    page = reader.page("/folder/INBOX")  # both marked rows are struck through
    for uid in (1, 2):
        assert re.search(rf'<li class="msg[^"]* deleted" data-uid="{uid}"', page)
    assert not re.search(r'<li class="msg[^"]* deleted" data-uid="3"', page)


def test_without_move_and_uidplus_a_delete_expunges_when_nothing_else_is_marked(
    dovecot: Dovecot, three: MailUser, capability_proxy: Callable[..., CapabilityProxy],
    reader_through: Callable[[CapabilityProxy, MailUser], Reader],
) -> None:
    proxy = capability_proxy(dovecot, hide=["MOVE", "UIDPLUS"])
    reader = reader_through(proxy, three)
    assert reader.post("/message/INBOX/2/delete").status_code == 302
    assert flags(dovecot, three) == {1: set(), 3: set()}
    assert in_trash(dovecot, three, 1) == 1
    assert expunges(proxy) == [b"EXPUNGE"]


def test_without_move_only_the_deleted_message_is_expunged_by_uid(
    dovecot: Dovecot, three: MailUser, capability_proxy: Callable[..., CapabilityProxy],
    reader_through: Callable[[CapabilityProxy, MailUser], Reader],
) -> None:
    proxy = capability_proxy(dovecot, hide=["MOVE"])
    reader = reader_through(proxy, three)
    mark_deleted(dovecot, three, 3)
    assert reader.post("/message/INBOX/1/delete").status_code == 302
    assert flags(dovecot, three) == {2: set(), 3: {"\\Deleted"}}
    assert in_trash(dovecot, three, 0) == 1
    assert expunges(proxy) == [b"UID EXPUNGE 1"]
