"""Extensions used only where the server offers them (issue 9, 5).

RFC 6154's ``SPECIAL-USE`` return option belongs to servers that offer SPECIAL-USE; the list
used to ask for it whenever LIST-STATUS was offered, and a server that answers that with BAD
(pymap does; Dovecot 2.3 happens to accept it) turned every page into a 503 right after a
successful sign-in. The compatibility matrix (``test_compatibility.py``) hides every extension
in turn; these tests look at the folder list's commands.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from tests.support.capproxy import CapabilityProxy
from tests.support.imapserver import Dovecot, MailUser
from tests.support.pymapserver import Pymap
from tests.support.syncdata import message
from tests.support.webmail_client import Reader, webmail_app
from webmail.config import Settings
from webmail.services import services

SettingsFactory = Callable[..., Settings]
COUNT = re.compile(
    r'<span class="fname">([^<]+)</span>\s*(?:<span class="count" title="(\d+) unread">)?'
)


def folder_list(port: int, user: MailUser, settings: SettingsFactory, instance: Path) -> str:
    app = webmail_app(settings(port), instance)
    try:
        reader = Reader(app.test_client())
        assert reader.login(user.name, user.password).status_code == 302
        return reader.page("/folder/INBOX")
    finally:
        services(app).pool.close_all()


def test_list_status_without_special_use_asks_for_status_only(
    dovecot: Dovecot,
    mail_user: MailUser,
    imap_settings: SettingsFactory,
    tmp_path: Path,
    capability_proxy: Callable[..., CapabilityProxy],
) -> None:
    # Before: LIST ... RETURN (SPECIAL-USE STATUS ...) to a server without SPECIAL-USE: BAD,
    # and the page after signing in was "The mail server could not be reached".
    raw, arrival = message(1)
    dovecot.deliver(mail_user.name, raw, arrival)
    proxy = capability_proxy(dovecot, hide=["SPECIAL-USE"])
    page = folder_list(proxy.port, mail_user, imap_settings, tmp_path / "i")
    assert ("Inbox", "1") in COUNT.findall(page)
    lists = [c.split(None, 1)[1] for c in proxy.commands if b" LIST " in c.upper()]
    assert lists == [b'LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN))']
    assert list(proxy.refused) == []


def test_a_server_that_refuses_the_extended_list_it_offers_gets_the_plain_one(
    pymap_server: Pymap,
    imap_settings: SettingsFactory,
    tmp_path: Path,
    capability_proxy: Callable[..., CapabilityProxy],
) -> None:
    # pymap answers any RETURN option with BAD ("LIST: Invalid arguments."): announced here
    # as if it offered LIST-STATUS, the list falls back to LIST and a STATUS per folder.
    user = pymap_server.add_user()
    other = pymap_server.client(user.name, user.password)
    try:
        other.append("INBOX", message(1)[0])
        other.create_folder("Sent")
    finally:
        other.logout()
    proxy = capability_proxy(pymap_server, advertise=["LIST-STATUS"])
    page = folder_list(proxy.port, user, imap_settings, tmp_path / "i")
    assert COUNT.findall(page)[:2] == [("Inbox", "1"), ("Sent", "")]
    lists = [c.split(None, 1)[1] for c in proxy.commands if b" LIST " in c.upper()]
    assert lists[:2] == [b'LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN))', b'LIST "" "*"']
