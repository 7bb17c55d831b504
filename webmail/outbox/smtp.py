"""SmtpTransport: hand one message to the submission server (smtplib); the only importer of
smtplib.

One connection per message: connect (``ssl``: implicit TLS; ``starttls``: refused when the
server does not offer it; ``plain``: meant for a server on this machine), EHLO, sign in with
the user's own IMAP credentials (``WEBMAIL_SMTP_AUTH=login``: AUTH PLAIN in UTF-8 where
offered, else LOGIN) or not at all (``none``), check the size against the server's SIZE before
anything is sent, MAIL FROM (with ``SIZE=`` and ``BODY=8BITMIME`` when needed), one RCPT TO
per recipient (a refused one is noted, the rest still get the message), DATA, QUIT.

The DATA phase is written out here rather than through ``smtplib.SMTP.data`` so that a failure
can say whether the message left: a broken connection or a timeout while the bytes are
still going out means the server discards them (RFC 5321 §4.1.1.4: a transaction is complete
only at the final ``.``), so nothing was sent; once the final ``.`` is out and the answer does
not come, the message may have gone (:class:`~webmail.outbox.errors.DeliveryUncertain`).

Every exception is translated into a :mod:`webmail.outbox.errors` kind.
"""

from __future__ import annotations

import base64
import contextlib
import re
import smtplib
import socket
import ssl
from collections.abc import Iterator, Sequence

from webmail.config import Settings
from webmail.outbox.errors import (
    AuthRefused,
    ConnectionCut,
    DeliveryUncertain,
    MessageRefused,
    MessageTooLarge,
    RecipientsRefused,
    SenderRefused,
    SendError,
    SmtpTimeout,
    SmtpUnavailable,
    TLSFailed,
    server_reply,
)
from webmail.outbox.transport import Receipt

__all__ = ["SmtpTransport", "dot_stuffed"]

_LINE_START_DOT = re.compile(rb"(?m)^\.")


def dot_stuffed(data: bytes) -> bytes:
    """``data`` (CRLF line ends) as DATA carries it: a line that starts with ``.`` gets one
    more (RFC 5321 §4.5.2), and the final ``CRLF.CRLF``."""
    body = _LINE_START_DOT.sub(b"..", data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return body + b".\r\n"


@contextlib.contextmanager
def _translated(*, connecting: bool = False, handed_over: bool = False) -> Iterator[None]:
    """smtplib, socket and ssl exceptions as SendError kinds. ``handed_over``: the whole
    message is out, so a lost answer makes delivery uncertain."""
    try:
        yield
    except SendError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise AuthRefused(server_reply(exc.smtp_code, exc.smtp_error)) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise TLSFailed(str(exc)) from None
    except ssl.SSLCertVerificationError as exc:
        reason = exc.verify_message or exc.reason or "unknown reason"
        raise TLSFailed(
            f"certificate verification failed: {exc}",
            f"The outgoing mail server's certificate could not be verified ({reason}), so no "
            "secure connection was made and nothing was sent. Please tell the administrator.",
        ) from None
    except (ssl.SSLError, ssl.CertificateError) as exc:
        if handed_over:
            raise DeliveryUncertain(str(exc)) from None
        raise TLSFailed(str(exc)) from None
    except TimeoutError as exc:
        if handed_over:
            raise DeliveryUncertain(f"no answer after the message: {exc}") from None
        raise SmtpTimeout(str(exc) or "timed out") from None
    except smtplib.SMTPResponseException as exc:
        raise MessageRefused(
            server_reply(exc.smtp_code, exc.smtp_error),
            f"The outgoing mail server refused: {server_reply(exc.smtp_code, exc.smtp_error)}. "
            "Nothing was sent.",
        ) from None
    except (socket.gaierror, ConnectionRefusedError) as exc:
        raise SmtpUnavailable(str(exc)) from None
    except smtplib.SMTPServerDisconnected as exc:
        # smtplib's getreply turns a read timeout into "Connection unexpectedly closed: timed out"
        if handed_over:
            raise DeliveryUncertain(f"no answer after the message: {exc}") from None
        if "timed out" in str(exc):
            raise SmtpTimeout(str(exc)) from None
        if connecting:
            raise SmtpUnavailable(str(exc)) from None
        raise ConnectionCut(str(exc)) from None
    except (EOFError, ConnectionError) as exc:
        if handed_over:
            raise DeliveryUncertain(f"connection lost after the message: {exc}") from None
        if connecting:
            raise SmtpUnavailable(str(exc) or type(exc).__name__) from None
        raise ConnectionCut(str(exc) or type(exc).__name__) from None
    except (smtplib.SMTPException, OSError) as exc:
        if handed_over:
            raise DeliveryUncertain(str(exc)) from None
        if connecting:
            raise SmtpUnavailable(str(exc)) from None
        raise ConnectionCut(str(exc)) from None


def _context(verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify:  # WEBMAIL_SMTP_TLS_VERIFY=false: a self-signed test server
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class SmtpTransport:
    """Sends through ``settings.smtp_host`` as ``username`` (see the module docstring).

    :param helo: the name we give in EHLO (the sender's domain; never a DNS lookup of our own).
    """

    def __init__(self, settings: Settings, username: str, password: str, helo: str) -> None:
        self.settings = settings
        self.username = username
        self.password = password
        self.helo = helo or "localhost"

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if not s.smtp_host:
            raise SmtpUnavailable("no SMTP host configured")
        context = _context(s.smtp_tls_verify)
        with _translated(connecting=True):
            conn: smtplib.SMTP
            if s.smtp_security == "ssl":
                conn = smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, local_hostname=self.helo,
                    timeout=s.smtp_timeout, context=context,
                )
            else:
                conn = smtplib.SMTP(
                    s.smtp_host, s.smtp_port, local_hostname=self.helo, timeout=s.smtp_timeout
                )
        try:
            with _translated():
                self._ehlo(conn)
                if s.smtp_security == "starttls":
                    if not conn.has_extn("starttls"):
                        raise TLSFailed("the server does not offer STARTTLS")
                    conn.starttls(context=context)
                    self._ehlo(conn)
                if s.smtp_auth == "login":
                    self._authenticate(conn)
        except SendError:
            _close(conn)
            raise
        return conn

    @staticmethod
    def _ehlo(conn: smtplib.SMTP) -> None:
        code, reply = conn.ehlo()
        if code != 250:
            code, reply = conn.helo()
            if code != 250:
                raise MessageRefused(server_reply(code, reply))

    def _authenticate(self, conn: smtplib.SMTP) -> None:
        """AUTH PLAIN (UTF-8, RFC 4616) where offered, else AUTH LOGIN; 535 is AuthRefused, a
        temporary 4xx (454) is SmtpUnavailable."""
        user, password = self.username, self.password
        if "\0" in user or "\0" in password:
            raise AuthRefused("a NUL character in the username or password")
        if not conn.has_extn("auth"):
            raise AuthRefused(
                "the server offers no AUTH",
                "The outgoing mail server does not offer sign-in, so it cannot check who is "
                "sending (ask the administrator: WEBMAIL_SMTP_AUTH=none is for a relay that "
                "trusts this webmail). Nothing was sent.",
            )
        mechanisms = conn.esmtp_features.get("auth", "").upper().split()

        def b64(data: bytes) -> str:
            return base64.b64encode(data).decode("ascii")

        if "PLAIN" in mechanisms:
            token = b"\0" + user.encode("utf-8") + b"\0" + password.encode("utf-8")
            code, reply = conn.docmd("AUTH", "PLAIN " + b64(token))
        elif "LOGIN" in mechanisms:
            code, reply = conn.docmd("AUTH", "LOGIN " + b64(user.encode("utf-8")))
            if code == 334:
                code, reply = conn.docmd(b64(password.encode("utf-8")))
        else:
            raise AuthRefused(f"no AUTH mechanism we speak among {mechanisms}")
        if code == 235:
            return
        if 400 <= code < 500:
            raise SmtpUnavailable(server_reply(code, reply))
        raise AuthRefused(server_reply(code, reply))

    def send(
        self, sender: str, recipients: Sequence[str], data: bytes, *, eight_bit: bool = False
    ) -> Receipt:
        """Hand ``data`` (CRLF line ends, as written by ``webmail.compose``) to the server for
        ``recipients``; raises a SendError kind (RecipientsRefused when it took none)."""
        conn = self._connect()
        try:
            with _translated():
                return self._transaction(conn, sender, recipients, data, eight_bit)
        finally:
            _close(conn)

    def _transaction(
        self, conn: smtplib.SMTP, sender: str, recipients: Sequence[str], data: bytes,
        eight_bit: bool,
    ) -> Receipt:
        size_extension = conn.esmtp_features.get("size", "").strip()
        if size_extension.isdigit() and 0 < int(size_extension) < len(data):
            raise MessageTooLarge(len(data), int(size_extension), server=True)
        options = [f"SIZE={len(data)}"] if conn.has_extn("size") else []
        if eight_bit:
            if not conn.has_extn("8bitmime"):
                raise MessageRefused(
                    "no 8BITMIME",
                    "The outgoing mail server cannot take the 8-bit message you forward; "
                    "forward it inline instead. Nothing was sent.",
                )
            options.append("BODY=8BITMIME")
        code, reply = conn.mail(sender, options)
        if code == 552:
            raise MessageTooLarge(len(data), int(size_extension or 0), server=True)
        if code != 250:
            raise SenderRefused(
                server_reply(code, reply),
                f"The outgoing mail server refused your address {sender} as the sender: "
                f"{server_reply(code, reply)}. Nothing was sent.",
            )
        accepted: list[str] = []
        refused: list[tuple[str, str]] = []
        for rcpt in recipients:
            code, reply = conn.rcpt(rcpt)
            if code in (250, 251):
                accepted.append(rcpt)
            else:
                refused.append((rcpt, server_reply(code, reply)))
        if not accepted:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                conn.rset()
            raise RecipientsRefused(tuple(refused))
        code, reply = conn.docmd("DATA")
        if code != 354:
            raise MessageRefused(server_reply(code, reply))
        conn.send(dot_stuffed(data))  # a failure here: the server drops the incomplete message
        with _translated(handed_over=True):
            code, reply = conn.getreply()
        if code == 552:
            raise MessageTooLarge(len(data), 0, server=True)
        if code != 250:
            raise MessageRefused(
                server_reply(code, reply),
                f"The outgoing mail server refused the message: {server_reply(code, reply)}. "
                "Nothing was sent.",
            )
        return Receipt(tuple(accepted), tuple(refused), server_reply(code, reply))


def _close(conn: smtplib.SMTP) -> None:
    """QUIT, then close; never raises (the message's fate is already known)."""
    try:
        conn.quit()
    except Exception:  # noqa: BLE001 - a dead server must not turn a sent message into an error
        with contextlib.suppress(Exception):
            conn.close()
