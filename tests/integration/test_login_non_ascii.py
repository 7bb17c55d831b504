"""Readers whose username or password is not ASCII sign in (issue 15, item 3).

imaplib sends LOGIN's arguments as ASCII, so ``pässwort-ü`` or ``josé@bücher.example`` used to
crash the sign-in with a 500. The webmail now logs in with ``AUTHENTICATE PLAIN`` (RFC 4616,
UTF-8) wherever the server offers it, and a server that cannot take such a name says "Wrong
username or password." like any refusal. Against Dovecots of this module's own: wrong
passwords are tried on purpose (see ``tests/support/servers.py`` on the auth penalty).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.imapserver import Dovecot, DovecotError, MailUser, start_dovecot
from tests.support.namedusers import ANY_USERNAME, start_dovecot_with_users
from tests.support.webmail_client import Reader, webmail_app
from webmail.config import Settings
from webmail.services import services

SettingsFactory = Callable[..., Settings]
NAMED = {
    "josé@bücher.example": "pässwort-ü",  # non-ASCII local part, IDN domain, non-ASCII password
    "anna@bücher.example": "plain-ascii",  # an IDN domain only
    "ascii-name": "pässwort-ü",  # a non-ASCII password only
}
WRONG = '<p class="error" role="alert">Wrong username or password.</p>'


@pytest.fixture(scope="module")
def unicode_dovecot() -> Iterator[tuple[Dovecot, dict[str, MailUser]]]:
    """A Dovecot that takes any username (``auth_username_chars =``) and has :data:`NAMED`."""
    try:
        server, users = start_dovecot_with_users(NAMED, ANY_USERNAME)
    except DovecotError as exc:
        pytest.fail(f"Dovecot did not start: {exc}", pytrace=False)
    try:
        yield server, users
    finally:
        server.cleanup()


class WithoutAuthPlain:
    """A loopback proxy to a real Dovecot that hides ``AUTH=PLAIN`` from its capabilities, as
    a server that offers only the LOGIN command does (Dovecot itself cannot: its LOGIN runs
    through the PLAIN mechanism)."""

    def __init__(self, server: Dovecot) -> None:
        self.target = (server.host, server.port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self._sockets: list[socket.socket] = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target, timeout=5)
            upstream.settimeout(None)
            self._sockets += [client, upstream]
            for source, sink, hide in ((upstream, client, True), (client, upstream, False)):
                threading.Thread(target=self._pump, args=(source, sink, hide), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket, hide: bool) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data.replace(b" AUTH=PLAIN", b"") if hide else data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        for s in self._sockets:
            with contextlib.suppress(OSError):
                s.close()


def reader_for(target: Dovecot | WithoutAuthPlain | int, settings: SettingsFactory,
               instance: Path) -> Reader:
    port = target if isinstance(target, int) else target.port
    return Reader(webmail_app(settings(port), instance).test_client())


@pytest.mark.parametrize("name", list(NAMED))
def test_non_ascii_username_or_password_signs_in_and_lists_the_inbox(
    unicode_dovecot: tuple[Dovecot, dict[str, MailUser]], imap_settings: SettingsFactory,
    tmp_path: Path, name: str,
) -> None:
    server, users = unicode_dovecot
    reader = reader_for(server, imap_settings, tmp_path / "instance")
    response = reader.login(name, users[name].password)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert "Inbox" in reader.page("/folder/INBOX")
    assert f"Login: user=<{name}>, method=PLAIN" in server.log()
    services(reader.client.application).pool.close_all()


def test_server_refusing_a_non_ascii_username_says_wrong_username_or_password(
    imap_settings: SettingsFactory, tmp_path: Path
) -> None:
    # Dovecot's default auth_username_chars refuses "é" before any password check.
    try:
        server = start_dovecot(users=1)
    except DovecotError as exc:
        pytest.fail(f"Dovecot did not start: {exc}", pytrace=False)
    try:
        response = reader_for(server, imap_settings, tmp_path / "i").login(
            "josé@bücher.example", "pässwort-ü")
        assert response.status_code == 401
        assert WRONG in response.get_data(as_text=True)
    finally:
        server.cleanup()


def test_server_without_authenticate_plain_takes_ascii_credentials_by_login(
    unicode_dovecot: tuple[Dovecot, dict[str, MailUser]], imap_settings: SettingsFactory,
    tmp_path: Path,
) -> None:
    proxy = WithoutAuthPlain(unicode_dovecot[0])
    try:
        reader = reader_for(proxy, imap_settings, tmp_path / "i")
        assert reader.login("user1", "secret-1").status_code == 302  # a pre-made user
        services(reader.client.application).pool.close_all()
    finally:
        proxy.close()


def test_non_ascii_password_on_a_server_without_authenticate_plain_is_refused_calmly(
    unicode_dovecot: tuple[Dovecot, dict[str, MailUser]], imap_settings: SettingsFactory,
    tmp_path: Path,
) -> None:
    proxy = WithoutAuthPlain(unicode_dovecot[0])
    try:
        response = reader_for(proxy, imap_settings, tmp_path / "i").login("ascii-name",
                                                                          "pässwort-ü")
        assert response.status_code == 401
        assert WRONG in response.get_data(as_text=True)
    finally:
        proxy.close()


def test_wrong_non_ascii_password_is_a_wrong_password(  # last: the auth penalty follows it
    unicode_dovecot: tuple[Dovecot, dict[str, MailUser]], imap_settings: SettingsFactory,
    tmp_path: Path,
) -> None:
    server, _ = unicode_dovecot
    response = reader_for(server, imap_settings, tmp_path / "i").login("josé@bücher.example",
                                                                        "pässwort-ö")
    assert response.status_code == 401
    assert WRONG in response.get_data(as_text=True)
