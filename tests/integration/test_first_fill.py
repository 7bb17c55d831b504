"""The index's fill cannot be fooled by a SEARCH that answers nothing (issue 9, 4).

GNU Mailutils imap4d 3.15 answers ``UID SEARCH UID 1:*`` with an empty ``* SEARCH`` (while
``UID SEARCH ALL`` is right). The first fill used to ask exactly that, and nothing checked the
answer against the folder's EXISTS: every folder stayed empty forever. Dovecot behind a proxy
that empties chosen SEARCH answers plays such servers here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from tests.support.capproxy import CapabilityProxy
from tests.support.imapserver import Dovecot, MailUser
from tests.support.syncdata import message
from tests.support.webmail_client import Reader


@pytest.fixture
def five(dovecot: Dovecot, mail_user: MailUser) -> MailUser:
    for n in range(5):
        raw, arrival = message(n)
        dovecot.deliver(mail_user.name, raw, arrival)
    return mail_user


def test_a_server_that_answers_uid_search_uid_1_star_with_nothing_still_fills_the_list(
    dovecot: Dovecot, five: MailUser, capability_proxy: Callable[..., CapabilityProxy],
    reader_through: Callable[[CapabilityProxy, MailUser], Reader],
) -> None:
    # Before: "This folder is empty." on every visit.
    proxy = capability_proxy(dovecot, empty_search=[b"UID 1:*"])
    reader = reader_through(proxy, five)
    assert sorted(reader.uids("/folder/INBOX")) == [1, 2, 3, 4, 5]


def test_a_search_that_disagrees_with_exists_is_logged_and_healed_by_fetch(
    dovecot: Dovecot, five: MailUser, capability_proxy: Callable[..., CapabilityProxy],
    reader_through: Callable[[CapabilityProxy, MailUser], Reader],
    caplog: pytest.LogCaptureFixture,
) -> None:
    proxy = capability_proxy(dovecot, empty_search=[b""])  # every SEARCH answers nothing
    reader = reader_through(proxy, five)
    with caplog.at_level(logging.WARNING, logger="webmail.mailbox.sync"):
        assert sorted(reader.uids("/folder/INBOX")) == [1, 2, 3, 4, 5]
    assert any(
        "EXISTS says 5" in r.getMessage() and "UID FETCH 1:* (UID) gave 5" in r.getMessage()
        for r in caplog.records
    ), [r.getMessage() for r in caplog.records]

    # New mail, then the next session's sync asks for the UIDs above the last indexed one,
    # and that search lies too: the rows do not add up to EXISTS, so every UID is compared
    # and the message shows.
    other = dovecot.client(five.name, five.password)
    try:
        other.append("INBOX", message(9)[0])
    finally:
        other.logout()
    caplog.clear()
    later = Reader(reader.client.application.test_client())
    assert later.login(five.name, five.password).status_code == 302
    with caplog.at_level(logging.WARNING, logger="webmail.mailbox.sync"):
        assert sorted(later.uids("/folder/INBOX")) == [1, 2, 3, 4, 5, 6]
    assert any("do not add up to EXISTS 6" in r.getMessage() for r in caplog.records)
