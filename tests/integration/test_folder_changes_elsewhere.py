"""A folder another client deletes, or deletes and re-creates, while the webmail has it open
(issue 9, 6): the next request lists the new folder, or says the folder is gone, and shows no
error page.

Dovecot answers the session that still has the old folder selected in one of three ways,
depending on timing: a ``* NO`` warning to the pool's NOOP (after which the old folder still
seemed to answer, with its old messages), ``BYE`` ("IMAP session state is inconsistent"), or
NO to the next FETCH. The sync then selects the folder afresh (its new UIDVALIDITY rebuilds
the folder's rows), the list request reconnects once after a BYE, and a folder that LIST no
longer shows is a list page that says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.imapserver import Dovecot, MailUser
from tests.support.syncdata import message
from tests.support.webmail_client import Reader, webmail_app
from webmail.config import Settings
from webmail.services import services

SettingsFactory = Callable[..., Settings]
SUBJECT = re.compile(r'<span class="subject">([^<]*)</span>')


@pytest.fixture
def work(dovecot: Dovecot, mail_user: MailUser) -> MailUser:
    """``mail_user`` with five messages in a folder "Work"."""
    for n in range(5):
        raw, arrival = message(n)
        dovecot.deliver(mail_user.name, raw, arrival, folder="Work")
    return mail_user


@pytest.fixture
def reader(
    dovecot: Dovecot, work: MailUser, imap_settings: SettingsFactory, tmp_path: Path
) -> Iterator[Reader]:
    app = webmail_app(imap_settings(dovecot), tmp_path / "instance")
    r = Reader(app.test_client())
    assert r.login(work.name, work.password).status_code == 302
    yield r
    services(app).pool.close_all()


def test_a_folder_deleted_and_recreated_elsewhere_is_listed_afresh(
    dovecot: Dovecot, work: MailUser, reader: Reader
) -> None:
    assert len(reader.uids("/folder/Work")) == 5
    other = dovecot.client(work.name, work.password)
    try:
        other.delete_folder("Work")
        other.create_folder("Work")
        other.append("Work", message(7, subject="in the new Work")[0])
    finally:
        other.logout()
    for _ in range(2):  # the next reload and the one after it
        page = reader.page("/folder/Work")
        assert SUBJECT.findall(page) == ["in the new Work"]


def test_a_folder_deleted_elsewhere_is_a_list_page_that_says_so(
    dovecot: Dovecot, work: MailUser, reader: Reader
) -> None:
    assert len(reader.uids("/folder/Work")) == 5
    other = dovecot.client(work.name, work.password)
    try:
        other.delete_folder("Work")
    finally:
        other.logout()
    response = reader.client.get("/folder/Work")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "That message or folder no longer exists. Another mail program may have deleted" in page
    assert "Mail server problem" not in page
    assert re.findall(r'<span class="fname">([^<]+)</span>', page)[0] == "Inbox"
    assert reader.uids("/folder/INBOX") == []  # and the rest of the mailbox works
