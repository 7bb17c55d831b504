"""The webmail when the real IMAP server dies or stalls mid-session: a plain page, no traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.imapserver import Dovecot, TcpProxy
from tests.support.webmail_client import Reader, webmail_app
from webmail.config import Settings
from webmail.services import services

SettingsFactory = Callable[..., Settings]


def test_server_down_mid_session_gives_a_plain_message(
    fresh_dovecot: Dovecot, imap_settings: SettingsFactory, tmp_path: Path
) -> None:
    app = webmail_app(imap_settings(fresh_dovecot), tmp_path / "instance")
    reader = Reader(app.test_client())
    # a fresh server has its own pre-made passwd-file users user<N> / secret-<N>
    assert reader.login("user1", "secret-1").status_code == 302
    reader.page("/folder/INBOX")
    fresh_dovecot.kill()
    page = reader.page("/folder/INBOX", status=503)
    assert (
        '<p class="error" role="alert">The mail server cannot be reached right now. '
        "Please try again later.</p>" in page
    )
    assert "Traceback" not in page
    fresh_dovecot.start()
    reader.page("/folder/INBOX")  # the same session works again once the server is back
    services(app).pool.close_all()


def test_wrong_server_at_login_is_explained(imap_settings: SettingsFactory, tmp_path: Path) -> None:
    from tests.support.imapserver import free_port

    reader = Reader(webmail_app(imap_settings(free_port()), tmp_path / "instance").test_client())
    response = reader.login("someone", "secret")
    assert response.status_code == 503
    assert (
        "The mail server cannot be reached right now. Please try again later."
        in response.get_data(as_text=True)
    )


def test_stalled_server_gives_a_timeout_message(
    dovecot: Dovecot,
    mail_user: Any,
    imap_settings: SettingsFactory,
    tcp_proxy: Callable[[Dovecot], TcpProxy],
    tmp_path: Path,
) -> None:
    user = mail_user
    proxy = tcp_proxy(dovecot)
    app = webmail_app(imap_settings(proxy, imap_timeout=0.5), tmp_path / "instance")
    reader = Reader(app.test_client())
    assert reader.login(user.name, user.password).status_code == 302
    proxy.freeze()
    page = reader.page("/folder/INBOX", status=504)
    assert "The mail server took too long to answer. Please try again." in page
    services(app).pool.close_all()
