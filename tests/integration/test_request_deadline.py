"""A mail server that answers too slowly: each request has a total deadline for its IMAP
answers (WEBMAIL_REQUEST_DEADLINE), and a hung request never holds up the session's next one.

The proxy drips the server's answers one byte every 4 s: longer than nothing, shorter than the
5 s socket read timeout, so only the deadline can end the request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.imapserver import Dovecot, MailUser, TcpProxy
from tests.support.webmail_client import Reader, webmail_app
from webmail.config import Settings
from webmail.services import services

DEADLINE = 3.0
DRIP_SECONDS = 4.0
READ_TIMEOUT = 5.0  # > DRIP_SECONDS: the socket timeout alone never fires
# A request that has not answered by then never would: the test gives up on it (the proxy
# closes at teardown, which ends it).
GIVE_UP = DEADLINE + 20.0
TIMEOUT_WORDS = "The mail server took too long to answer. Please try again."


def _get(reader: Reader, path: str, out: dict[str, tuple[int, str, float]], name: str) -> None:
    started = time.monotonic()
    response = reader.client.get(path)
    out[name] = (response.status_code, response.get_data(as_text=True), time.monotonic() - started)


def test_dripping_server_gets_a_timeout_page_and_the_sessions_second_request_is_not_held(
    dovecot: Dovecot,
    mail_user: MailUser,
    imap_settings: Callable[..., Settings],
    tcp_proxy: Callable[[Dovecot], TcpProxy],
    tmp_path: Path,
) -> None:
    proxy = tcp_proxy(dovecot)
    settings = imap_settings(proxy, imap_timeout=READ_TIMEOUT, request_deadline=DEADLINE)
    app = webmail_app(settings, tmp_path / "instance")
    first = Reader(app.test_client())
    assert first.login(mail_user.name, mail_user.password).status_code == 302
    first.page("/folder/INBOX")  # the session's pooled connection is open (through the proxy)
    second = Reader(app.test_client())  # the same session in a second browser tab
    cookie = first.client.get_cookie("webmail_session")
    assert cookie is not None
    second.client.set_cookie("webmail_session", cookie.value)

    proxy.drip(DRIP_SECONDS)
    answers: dict[str, tuple[int, str, float]] = {}
    hung = threading.Thread(target=_get, args=(first, "/folder/INBOX", answers, "first"))
    hung.start()
    time.sleep(0.5)  # the first request now holds the session's connection
    waiting = threading.Thread(target=_get, args=(second, "/folder/INBOX", answers, "second"))
    waiting.start()
    hung.join(GIVE_UP)
    waiting.join(max(1.0, GIVE_UP - 0.5))
    try:
        assert "first" in answers, f"a dripping server kept the page loading over {GIVE_UP:.0f} s"
        status, page, seconds = answers["first"]
        assert status == 504, page[:2000]
        assert TIMEOUT_WORDS in page
        assert seconds < DEADLINE + 5.0
        assert "second" in answers, "the session's second request hung behind the first"
        status, page, seconds = answers["second"]
        # It waited for the first (whose connection the deadline closed), then either got a new
        # connection in the time left or gave up at its own deadline: a page either way.
        assert status in (200, 504), page[:2000]
        assert seconds < DEADLINE + 5.0
        assert "Traceback" not in page
        first.page("/folder/INBOX")  # and the session goes on, on a new (undripped) connection
    finally:
        proxy.close()
        services(app).pool.close_all()
