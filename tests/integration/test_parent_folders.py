"""A folder that only holds other folders (LIST ``\\Noselect``) is a label in the sidebar, not
a link that answers 404 (issue 15), over a real Dovecot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.support.imapserver import Dovecot
from tests.support.webmail_client import Reader, webmail_app
from webmail.services import services


def test_parent_folder_without_mail_is_a_label_and_its_child_a_link(
    dovecot: Dovecot, mail_user: Any, imap_settings: Any, tmp_path: Path
) -> None:
    client = dovecot.client(mail_user.name, mail_user.password)
    try:
        client.create_folder("Projects/2026")  # Dovecot lists "Projects" as \Noselect
        assert b"\\Noselect" in next(f for f, _, n in client.list_folders() if n == "Projects")
    finally:
        client.logout()
    app = webmail_app(imap_settings(dovecot), tmp_path / "instance")
    r = Reader(app.test_client())
    try:
        assert r.login(mail_user.name, mail_user.password).status_code == 302
        page = r.page("/folder/INBOX")
        assert '<span class="folder-label"><span class="fname">Projects</span></span>' in page
        links = re.findall(r'<a href="(/folder/[^"]+)"', page)
        assert "/folder/Projects" not in links
        assert "/folder/Projects/2026" in links
        r.page("/folder/Projects/2026")
    finally:
        services(app).pool.close_all()
