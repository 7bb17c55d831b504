"""Every variant of a username that reaches one mailbox has one account here (issue 15, item 12).

``READER@Example.ORG`` reached the same mailbox as ``reader@example.org`` on a server that
folds case, but got an index and preferences of its own, which ``purge-user reader@…`` left
behind. Now every key this app keeps goes through ``Settings.account_name``: the domain is
always lower-cased, the part before ``@`` too with ``WEBMAIL_IMAP_USERNAME_CASE=insensitive``.
Against a real Dovecot that folds case (``auth_username_format = %Lu``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.imapserver import Dovecot, DovecotError, MailUser
from tests.support.namedusers import start_dovecot_with_users
from tests.support.webmail_client import Reader, deliver_demo_mail, webmail_app
from webmail.admin import purge_user
from webmail.config import Settings, account_name
from webmail.listing import index_account
from webmail.services import services

SettingsFactory = Callable[..., Settings]
READER = "reader@example.org"


@pytest.fixture(scope="module")
def folding_dovecot() -> Iterator[tuple[Dovecot, MailUser]]:
    """A Dovecot that lower-cases every username before looking it up, holding the demo mail."""
    try:
        server, users = start_dovecot_with_users(
            {READER: "secret-reader"}, "auth_username_format = %Lu"
        )
    except DovecotError as exc:
        pytest.fail(f"Dovecot did not start: {exc}", pytrace=False)
    try:
        deliver_demo_mail(server, READER)
        yield server, users[READER]
    finally:
        server.cleanup()


def index_accounts(instance: Path) -> int:
    with sqlite3.connect(instance / "index.sqlite3") as conn:
        return int(conn.execute("SELECT COUNT(DISTINCT account) FROM folders").fetchone()[0])


def sign_in_and_list(app: object, name: str, password: str) -> Reader:
    reader = Reader(app.test_client())  # type: ignore[attr-defined]
    assert reader.login(name, password).status_code == 302
    assert reader.uids("/folder/INBOX")
    return reader


def test_case_variants_share_one_index_and_preferences_and_purge_takes_any_variant(
    folding_dovecot: tuple[Dovecot, MailUser], imap_settings: SettingsFactory, tmp_path: Path
) -> None:
    server, user = folding_dovecot
    settings = imap_settings(server, imap_username_case="insensitive",
                             instance_path=str(tmp_path / "instance"))
    app = webmail_app(settings, tmp_path / "instance")
    first = sign_in_and_list(app, READER, user.password)
    first.post("/settings/sort", sort="arrival")
    sign_in_and_list(app, "READER@Example.ORG", user.password)
    services(app).pool.close_all()
    assert index_accounts(tmp_path / "instance") == 1
    assert services(app).prefs.get("Reader@EXAMPLE.org").sort == "arrival"
    index = services(app).index
    assert index is not None
    rows = index.counts(index_account(settings, READER), "INBOX")[0]
    assert rows > 0
    assert purge_user(settings, "Reader@Example.Org") == rows
    assert index_accounts(tmp_path / "instance") == 0


def test_by_default_the_domain_is_folded_and_the_local_part_kept_as_typed(
    folding_dovecot: tuple[Dovecot, MailUser], imap_settings: SettingsFactory, tmp_path: Path
) -> None:
    server, user = folding_dovecot
    app = webmail_app(imap_settings(server), tmp_path / "instance")
    for name in ("reader@EXAMPLE.org", "reader@Example.Org", READER):
        sign_in_and_list(app, name, user.password)
    assert index_accounts(tmp_path / "instance") == 1
    sign_in_and_list(app, "READER@example.org", user.password)  # another mailbox, as far as
    services(app).pool.close_all()  # a case-sensitive server (Dovecot's default) could tell
    assert index_accounts(tmp_path / "instance") == 2


@pytest.mark.parametrize(
    ("typed", "case", "name"),
    [
        ("READER@Example.ORG", "sensitive", "READER@example.org"),
        ("READER@Example.ORG", "insensitive", "reader@example.org"),
        (" josé@xn--bcher-kva.EXAMPLE ", "sensitive", "josé@bücher.example"),
        ("jose\u0301@Bücher.example", "sensitive", "josé@bücher.example"),  # NFC
        ("User1", "sensitive", "User1"),
        ("User1", "insensitive", "user1"),
    ],
)
def test_account_name_folds_what_the_server_folds(typed: str, case: str, name: str) -> None:
    assert account_name(typed, case) == name
