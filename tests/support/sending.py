"""Pytest plugin (registered in tests/conftest.py): the SMTP server fixtures, beside Dovecot.

- ``smtp_server``: one aiosmtpd (STARTTLS, AUTH) for the whole session
  (:class:`tests.support.smtpserver.SmtpServer`); tests must not stop it. Its CA is trusted
  through ``SSL_CERT_FILE`` by ``smtp``, the per-test fixture tests use, so the webmail checks
  the certificate for real (``WEBMAIL_SMTP_TLS_VERIFY`` stays on).
- ``fresh_smtp(**options)``: a server of the test's own (to kill, or with a SIZE limit, other
  users, implicit TLS ...), its CA trusted too; stopped after the test, its log printed when
  the test fails.
- :func:`sending_settings`: Settings that point the webmail at a Dovecot and an SMTP server.
- :class:`Composer`: a signed-in test client at the compose form (``open``, ``post``,
  ``send``), and :func:`field`, :func:`body_of`, :func:`kept` to read the form back.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

from tests.support.smtpserver import SmtpServer
from webmail.config import Settings

#: The mail domain of the test users (``user7`` sends as ``user7@example.org``).
MAIL_DOMAIN = "example.org"


def sending_settings(imap_port: int, smtp: SmtpServer, **overrides: Any) -> Settings:
    """Plain IMAP to the test Dovecot, SMTP with ``smtp``'s security, short timeouts."""
    base = Settings(
        imap_host="127.0.0.1", imap_port=imap_port, imap_security="plain",
        imap_connect_timeout=2.0, imap_timeout=5.0, secret_key="test-secret",
        smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security=smtp.security,
        smtp_timeout=5.0, mail_domain=MAIL_DOMAIN,
    )
    return base.with_overrides(overrides)


def _started(**options: Any) -> SmtpServer:
    try:
        return SmtpServer(**options)
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    """The SMTP server shared by the session (STARTTLS, AUTH as the Dovecot users)."""
    server = _started()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def smtp(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> SmtpServer:
    """The shared server, its CA trusted for this test (``SSL_CERT_FILE``)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(smtp_server.ca))
    return smtp_server


@pytest.fixture
def fresh_smtp(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., SmtpServer]]:
    """``fresh_smtp(**options)``: a server of this test's own (see SmtpServer), CA trusted."""
    made: list[SmtpServer] = []

    def make(**options: Any) -> SmtpServer:
        server = _started(**options)
        made.append(server)
        monkeypatch.setenv("SSL_CERT_FILE", str(server.ca))
        return server

    try:
        yield make
    finally:
        report = getattr(request.node, "rep_call", None)
        for server in made:
            if report is not None and report.failed:
                print(f"--- SMTP server log ({server.dir}) ---\n{server.log()}")
            server.cleanup()


# -- a person at the compose form -----------------------------------------------------------

FORM_ID_RE = re.compile(r'name="form_id" value="([^"]+)"')
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
KEEP_RE = re.compile(r'name="keep" value="([^"]+)" checked')


def field(page: str, name: str) -> str:
    """The value of the form's text input ``name``."""
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no field {name}"
    return html.unescape(match.group(1))


def body_of(page: str) -> str:
    """The compose textarea's text, as a browser reads it (the newline after the tag goes)."""
    match = re.search(r"<textarea[^>]*>\n(.*?)</textarea>", page, re.S)
    assert match, "no textarea"
    return html.unescape(match.group(1))


def kept(page: str) -> list[str]:
    """The ids of the attachments the form lists, ticked."""
    return KEEP_RE.findall(page)


class Composer:
    """A signed-in reader (Flask test client) writing mail through the real forms."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def csrf(self) -> str:
        match = CSRF_RE.search(self.client.get("/settings/").get_data(as_text=True))
        assert match, "no CSRF token"
        return match.group(1)

    def open(self, path: str = "/compose") -> tuple[str, str]:
        """(form id, page) of the form ``path`` makes (it redirects to ``/compose?form=``)."""
        first = self.client.get(path)
        assert first.status_code == 303, first.get_data(as_text=True)[:1000]
        page = self.client.get(first.location).get_data(as_text=True)
        match = FORM_ID_RE.search(page)
        assert match, page[:2000]
        return match.group(1), page

    def post(
        self, form_id: str, action: str = "send",
        files: Iterable[tuple[bytes, str]] = (), **fields: str | list[str],
    ) -> TestResponse:
        """POST the form as a browser does (multipart, ``files`` as (bytes, name) pairs)."""
        items: list[tuple[str, Any]] = [
            ("csrf_token", self.csrf()), ("form_id", form_id), ("action", action)]
        for name, value in fields.items():
            items.extend((name, v) for v in (value if isinstance(value, list) else [value]))
        items.extend(("attachments", FileStorage(io.BytesIO(data), name)) for data, name in files)
        # Encoded here, in memory: the test client spools a body over 500 KB to a temporary
        # file it never closes (a ResourceWarning, which this suite treats as an error).
        boundary, body = encode_multipart(MultiDict(items))
        return self.client.post(
            "/compose", data=body, content_type=f"multipart/form-data; boundary={boundary}"
        )

    def send(self, path: str = "/compose", files: Iterable[tuple[bytes, str]] = (),
             **fields: str | list[str]) -> TestResponse:
        """Open a form at ``path`` and send it with ``fields`` (its attachments kept)."""
        form_id, page = self.open(path)
        fields.setdefault("keep", kept(page))
        return self.post(form_id, "send", files, **fields)
