"""A page served while a folder's first sync runs does not ask the server to count that
folder (issue 14, goal 4): counting opens the folder, which for a big one during its fill
stalls every page of the reader. The folder keeps its place in the sidebar and the move
lists with the count its sync started with; once the sync is over the page counts it again
(LIST-STATUS, in one command)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from tests.support.capproxy import CapabilityProxy
from tests.support.imapserver import Dovecot, MailUser
from tests.support.syncdata import message
from webmail.listing import index_account
from webmail.services import services


def status_of(commands: Any, folder: str) -> list[bytes]:
    """The commands that asked the server to count ``folder``: a STATUS of it, or any
    LIST with a STATUS return option (it counts every folder)."""
    name = re.escape(folder.encode())
    alone = re.compile(rb'STATUS "?' + name + rb'"? \(')
    return [c for c in commands if alone.search(c) or b"RETURN (" in c and b"STATUS" in c]


def test_a_page_during_a_first_sync_does_not_count_the_filling_folder(
    dovecot: Dovecot, new_mail_user: Callable[[], MailUser],
    capability_proxy: Callable[..., CapabilityProxy], reader_through: Callable[..., Any],
) -> None:
    user = new_mail_user()
    for n in range(12):
        dovecot.deliver(user.name, *message(n))
    for n in range(3):
        dovecot.deliver(user.name, *message(100 + n), folder="Small")
    proxy = capability_proxy(dovecot)
    reader = reader_through(proxy, user)
    assert len(reader.uids("/folder/INBOX")) == 12
    svc = services(reader.client.application)
    account = index_account(svc.settings, user.name)
    release = threading.Event()
    # A first sync of INBOX holding its lease in this process, as a big one does for minutes.
    assert svc.sync_jobs.start(account, "INBOX", lambda: release.wait(30))
    try:
        proxy.commands.clear()
        page = reader.page("/folder/Small")
        asked = list(proxy.commands)
        assert status_of(asked, "INBOX") == [], asked
        assert status_of(asked, "Small"), asked  # the other folders are counted
        assert '<option value="INBOX">' in page  # still a place to move mail to
        assert len(reader.uids("/folder/Small")) == 3
    finally:
        release.set()
        svc.sync_jobs.wait()
    proxy.commands.clear()
    reader.page("/folder/Small")
    assert status_of(list(proxy.commands), "INBOX")  # counted again once the sync is over
