"""TLS to the mail server: implicit (``ssl``, port 993's way) and STARTTLS, against a Dovecot
with a certificate made in the test by a CA made in the test (``tests/support/tlscert.py``).

Verification is on by default and uses the system's trust store, which ``SSL_CERT_FILE``
replaces (OpenSSL reads it when a context is made): with the test CA there, both ways sign in;
without it, the sign-in says plainly that the certificate could not be verified and why;
``WEBMAIL_IMAP_TLS_VERIFY=false`` takes the certificate unverified.
"""

from __future__ import annotations

import shutil
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.imapserver import Dovecot, add_user
from tests.support.servers import started_dovecot
from tests.support.tlscert import Certificates, make_certificates
from tests.support.webmail_client import Reader, webmail_app
from webmail.config import Settings
from webmail.mailbox.imap import ImapMailbox
from webmail.services import services

SettingsFactory = Callable[..., Settings]
SECURITIES = ["ssl", "starttls"]


@pytest.fixture(scope="module")
def tls_dovecot() -> Iterator[tuple[Dovecot, Certificates]]:
    """A Dovecot with ``ssl = yes``: implicit TLS on ``imaps_port``, STARTTLS on ``port``."""
    certs = make_certificates()
    server = started_dovecot(users=20, tls=(certs.cert, certs.key))
    try:
        yield server, certs
    finally:
        server.cleanup()
        shutil.rmtree(certs.ca.parent, ignore_errors=True)


def settings_for(
    tls_dovecot: tuple[Dovecot, Certificates], security: str, make: SettingsFactory, **more: object
) -> Settings:
    server, _ = tls_dovecot
    port = server.imaps_port if security == "ssl" else server.port
    return make(port, imap_security=security, **more)


@pytest.mark.parametrize("security", SECURITIES)
def test_tls_with_the_servers_ca_trusted_signs_in_encrypted(
    tls_dovecot: tuple[Dovecot, Certificates], security: str, imap_settings: SettingsFactory,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    server, certs = tls_dovecot
    monkeypatch.setenv("SSL_CERT_FILE", str(certs.ca))
    user = add_user(server)
    settings = settings_for(tls_dovecot, security, imap_settings)
    mbox = ImapMailbox.connect(settings, user.name, user.password)
    try:
        sock = mbox.client.socket()
        assert isinstance(sock, ssl.SSLSocket)
        assert sock.version() in ("TLSv1.2", "TLSv1.3")
        assert [f.name for f in mbox.folders()][0] == "INBOX"
    finally:
        mbox.close()
    app = webmail_app(settings, tmp_path / "instance")
    try:
        reader = Reader(app.test_client())
        assert reader.login(user.name, user.password).status_code == 302
        assert reader.uids("/folder/INBOX") == []
    finally:
        services(app).pool.close_all()


@pytest.mark.parametrize("security", SECURITIES)
def test_an_untrusted_certificate_is_refused_with_a_clear_message(
    tls_dovecot: tuple[Dovecot, Certificates], security: str, imap_settings: SettingsFactory,
    tmp_path: Path,
) -> None:
    server, _ = tls_dovecot
    user = add_user(server)
    app = webmail_app(settings_for(tls_dovecot, security, imap_settings), tmp_path / "i")
    response = Reader(app.test_client()).login(user.name, user.password)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert (
        "The mail server&#39;s certificate could not be verified (unable to get local issuer "
        "certificate), so no secure connection was made. Please tell the administrator."
    ) in page


@pytest.mark.parametrize("security", SECURITIES)
def test_verification_switched_off_takes_the_certificate_unverified(
    tls_dovecot: tuple[Dovecot, Certificates], security: str, tmp_path: Path,
) -> None:
    server, _ = tls_dovecot
    user = add_user(server)
    port = server.imaps_port if security == "ssl" else server.port
    settings = Settings.from_env({
        "WEBMAIL_IMAP_HOST": "127.0.0.1", "WEBMAIL_IMAP_PORT": str(port),
        "WEBMAIL_IMAP_SECURITY": security, "WEBMAIL_IMAP_TLS_VERIFY": "false",
        "WEBMAIL_SECRET_KEY": "test-secret",
    })
    assert settings.imap_tls_verify is False
    mbox = ImapMailbox.connect(settings, user.name, user.password)
    try:
        assert isinstance(mbox.client.socket(), ssl.SSLSocket)
    finally:
        mbox.close()
