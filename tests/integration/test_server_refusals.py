"""A server that answers NO or BAD refused; it was reached (issue 9, 7).

Every NO used to read "The mail server could not be reached... try again", though the server
had answered and asking again cannot help. A refusal now shows the server's own words: "The
mail server refused this: <its text>", 409 for a change the reader asked for, 502 for a read.
The refusal here is real: a Dovecot whose quota (3 messages) is full refuses the COPY that a
delete without MOVE makes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.capproxy import CapabilityProxy
from tests.support.imapserver import Dovecot, add_user
from tests.support.servers import started_dovecot
from tests.support.syncdata import message
from tests.support.webmail_client import Reader, webmail_app
from webmail.config import Settings
from webmail.mailbox.errors import ServerRefused
from webmail.services import services

SettingsFactory = Callable[..., Settings]
QUOTA = """
mail_plugins = $mail_plugins quota
plugin {
  quota = count:User quota
  quota_vsizes = yes
  quota_rule = *:messages=3
}
"""


@pytest.fixture(scope="module")
def full_dovecot() -> Iterator[Dovecot]:
    """A Dovecot whose users may keep three messages in all."""
    server = started_dovecot(users=10, extra_config=QUOTA)
    try:
        yield server
    finally:
        server.cleanup()


def test_a_delete_the_server_refuses_shows_its_words_and_changes_nothing(
    full_dovecot: Dovecot,
    imap_settings: SettingsFactory,
    tmp_path: Path,
    capability_proxy: Callable[..., CapabilityProxy],
) -> None:
    user = add_user(full_dovecot)
    for n in range(3):
        raw, arrival = message(n)
        full_dovecot.deliver(user.name, raw, arrival)
    proxy = capability_proxy(full_dovecot, hide=["MOVE"])  # COPY + UID EXPUNGE, then
    app = webmail_app(imap_settings(proxy.port), tmp_path / "instance")
    try:
        reader = Reader(app.test_client())
        assert reader.login(user.name, user.password).status_code == 302
        response = reader.post("/message/INBOX/1/delete")
        page = response.get_data(as_text=True)
        assert response.status_code == 409
        assert "The mail server refused this: Quota exceeded (mailbox for user is full)" in page
        assert "could not be reached" not in page and "try again" not in page.lower()
        assert reader.uids("/folder/INBOX") == [3, 2, 1]  # the next page works
    finally:
        services(app).pool.close_all()
    other = full_dovecot.client(user.name, user.password)
    try:
        other.select_folder("INBOX", readonly=True)
        assert {
            f for item in other.fetch([1, 2, 3], ["FLAGS"]).values() for f in item[b"FLAGS"]
        } <= {b"\\Recent"}
    finally:
        other.logout()


@pytest.mark.parametrize(
    ("detail", "changing", "status", "words"),
    [
        (
            "copy failed: [OVERQUOTA] Quota exceeded (mailbox for user is full)"
            " (0.002 + 0.000 secs).",
            True,
            409,
            "Quota exceeded (mailbox for user is full)",
        ),
        (
            "UID command error: BAD [b'UID FETCH: Invalid arguments.']",
            False,
            502,
            "UID FETCH: Invalid arguments.",
        ),
        (
            "command: UID => FETCH failed: Mailbox was deleted under us",
            False,
            502,
            "Mailbox was deleted under us",
        ),
        ("create failed: \x1b[31mred\x00" + "x" * 400, True, 409, None),
        ("select failed: ", False, 502, "no reason given"),
    ],
)
def test_refusals_carry_the_servers_words_cleaned_and_cut(
    detail: str, changing: bool, status: int, words: str | None
) -> None:
    error = ServerRefused(detail, changing=changing)
    assert error.status == status
    assert error.user_message == f"The mail server refused this: {error.server_text}"
    if words is not None:
        assert error.server_text == words
    else:
        assert len(error.server_text) <= 200 and "\x1b" not in error.server_text
        assert "\x00" not in error.server_text and error.server_text.endswith("…")
