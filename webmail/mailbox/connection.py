"""The IMAP connection under :class:`~webmail.mailbox.imap.ImapMailbox`: connecting, logging
in, selecting a folder, the request deadline, and the one mapping of imapclient, socket and ssl
exceptions to :class:`~webmail.mailbox.MailboxError` kinds (:func:`translated_errors`).

:class:`Connection` is the base of the mailbox's parts (:mod:`webmail.mailbox.folders`,
:mod:`webmail.mailbox.fetching`, :mod:`webmail.mailbox.changes`): it holds the imapclient
connection (UIDs on, ``normalise_times = False``, else imapclient returns INTERNALDATE as a
naive datetime in the client's local zone) and the selected folder's UIDVALIDITY.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Self

from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import (
    CapabilityError,
    IllegalStateError,
    IMAPClientAbortError,
    IMAPClientError,
    LoginError,
    ProtocolError,
)

from webmail.config import Settings
from webmail.mailbox.errors import (
    AuthError,
    ConnectionLost,
    MailboxError,
    NotFound,
    ServerRefused,
    ServerTimeout,
    ServerUnavailable,
    TLSFailure,
)
from webmail.mailbox.watchdog import WATCHDOG

__all__ = ["Connection", "names_missing_folder", "translated_errors"]

# Response codes of a NO about a mailbox that is not there (RFC 5530 NONEXISTENT; RFC 3501
# TRYCREATE on COPY/APPEND/MOVE to a missing mailbox).
_MISSING_CODES = ("NONEXISTENT", "TRYCREATE")


def names_missing_folder(text: str) -> bool:
    """The server's words (a NO) carry a response code saying the mailbox is not there."""
    return any(code in text.upper() for code in _MISSING_CODES)


@contextlib.contextmanager
def translated_errors(connecting: bool = False, changing: bool = False) -> Iterator[None]:
    """Turn imapclient, socket and ssl exceptions into :class:`MailboxError` subclasses.

    ``connecting`` says the connection is not yet up: then any socket error means the server is
    unavailable; afterwards a reset or EOF means the connection was lost. A NO or BAD is the
    server refusing, not an outage: NotFound for a mailbox that does not exist, else
    ServerRefused with the server's words (status 409 with ``changing``: the block changes
    mail the reader acted on; 502 otherwise).
    """
    try:
        yield
    except MailboxError:
        raise
    except LoginError as exc:
        text = str(exc)
        if "UNAVAILABLE" in text.upper():  # e.g. Dovecot's "Temporary authentication failure"
            raise ServerUnavailable(text) from None
        raise AuthError(text) from None
    except IMAPClientAbortError as exc:
        raise ConnectionLost(str(exc)) from None
    except (CapabilityError, IllegalStateError, ProtocolError) as exc:  # not the server's "no"
        raise MailboxError(f"{type(exc).__name__}: {exc}") from None
    except IMAPClientError as exc:  # a NO or BAD answer
        text = str(exc)
        if names_missing_folder(text) or "doesn't exist" in text:
            raise NotFound(text) from None
        raise ServerRefused(text, changing=changing) from None
    except TimeoutError as exc:  # socket.timeout is an alias
        raise ServerTimeout(str(exc) or "timed out") from None
    except ssl.SSLCertVerificationError as exc:
        reason = exc.verify_message or exc.reason or "unknown reason"
        raise TLSFailure(
            f"certificate verification failed: {exc}",
            "The mail server's certificate could not be verified "
            f"({reason}), so no secure connection was made. Please tell the administrator.",
        ) from None
    except (ssl.SSLError, ssl.CertificateError) as exc:
        raise TLSFailure(str(exc)) from None
    except socket.gaierror as exc:
        raise ServerUnavailable(f"cannot resolve the server name: {exc}") from None
    except ConnectionRefusedError as exc:
        raise ServerUnavailable(str(exc)) from None
    except (EOFError, BrokenPipeError, ConnectionError) as exc:
        if connecting:
            raise ServerUnavailable(str(exc)) from None
        raise ConnectionLost(str(exc) or type(exc).__name__) from None
    except OSError as exc:
        raise ServerUnavailable(str(exc)) from None


def _ssl_context(verify: bool) -> ssl.SSLContext:
    """A client context that verifies the certificate and host name unless ``verify`` is off."""
    context = ssl.create_default_context()
    if not verify:  # WEBMAIL_IMAP_TLS_VERIFY=false: self-signed certificates are accepted
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _shut_down(client: IMAPClient) -> None:
    """Shut the connection's socket down under any thread blocked reading it (the socket
    module's own shutdown: an SSL socket's would also drop its TLS object under the reader)."""
    with contextlib.suppress(OSError):
        socket.socket.shutdown(client.socket(), socket.SHUT_RDWR)


def _introduce(client: IMAPClient, client_address: str | None) -> None:
    """Send ID (RFC 2971) with the reader's address as ``x-originating-ip`` when the server
    offers ID and the address is one. A server that trusts this host (Dovecot's
    ``login_trusted_networks``) then logs, limits and penalises each reader's own address
    instead of this host's, through which every reader signs in. A refused ID changes nothing.
    """
    if not client_address or not client.has_capability("ID"):
        return
    try:
        ipaddress.ip_address(client_address)
    except ValueError:
        return
    with contextlib.suppress(IMAPClientError):
        client.id_({"name": "Timely webmail", "x-originating-ip": client_address})


def _log_in(client: IMAPClient, username: str, password: str) -> None:
    """Log in with ``AUTHENTICATE PLAIN`` (RFC 4616: UTF-8, so ``josé@bücher.example`` and
    ``pässwort-ü`` arrive as typed) wherever the server offers it, else with ``LOGIN``, which
    carries ASCII only (imaplib encodes its arguments as ASCII). Non-ASCII credentials on a
    server without ``AUTH=PLAIN`` are an AuthError, as is any refusal: never a crash."""
    if "\0" in username or "\0" in password:  # PLAIN separates its fields with NUL
        raise AuthError("a NUL character in the username or password")
    if client.has_capability("AUTH=PLAIN"):
        client.plain_login(username, password)
    elif username.isascii() and password.isascii():
        client.login(username, password)
    else:
        raise AuthError("the server offers no AUTHENTICATE PLAIN, and LOGIN carries only ASCII")


class Connection:
    """One logged-in IMAP connection. Not thread-safe: use one per thread (see MailboxPool).

    :ivar client: the imapclient connection (UIDs on, ``normalise_times`` off).
    :ivar threshold: the late-mail threshold for the header analysis.
    """

    def __init__(self, client: IMAPClient, threshold: timedelta = timedelta(minutes=60)) -> None:
        self.client = client
        self.threshold = threshold
        self._validity: int | None = None

    @classmethod
    def connect(
        cls, settings: Settings, username: str, password: str, *,
        client_address: str | None = None,
    ) -> Self:
        """Connect per ``settings`` (ssl, starttls or plain, with timeouts) and log in; first,
        where the server offers ID, tell it the reader's ``client_address`` (:func:`_introduce`).

        Raises AuthError, ServerUnavailable, ServerTimeout, TLSFailure or ConnectionLost.
        """
        if not settings.imap_host:
            raise ServerUnavailable("no IMAP host configured")
        context = _ssl_context(settings.imap_tls_verify)
        timeout = SocketTimeout(connect=settings.imap_connect_timeout, read=settings.imap_timeout)
        with translated_errors(connecting=True):
            client = IMAPClient(
                settings.imap_host, port=settings.imap_port, use_uid=True,
                ssl=settings.imap_security == "ssl", ssl_context=context, timeout=timeout,
            )
        try:
            with translated_errors(connecting=True):
                client.normalise_times = False
                if settings.imap_security == "starttls":
                    if not client.has_capability("STARTTLS"):
                        raise TLSFailure("the server does not offer STARTTLS")
                    client.starttls(context)
                _introduce(client, client_address)
                _log_in(client, username, password)
        except MailboxError:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        return cls(client, timedelta(minutes=settings.late_threshold_minutes))

    def _select(self, folder: str, readonly: bool) -> None:
        """SELECT ``folder`` (EXAMINE when ``readonly``) and note its UIDVALIDITY; a folder that
        cannot be opened is NotFound."""
        try:
            answer = self.client.select_folder(folder, readonly=readonly)
        except IMAPClientAbortError:
            raise
        except IMAPClientError as exc:
            raise NotFound(f"cannot open folder {folder!r}: {exc}") from None
        # The selected folder's UIDVALIDITY, for FullMessage.uidvalidity and message_state().
        validity = answer.get(b"UIDVALIDITY") if isinstance(answer, dict) else None
        self._validity = validity if isinstance(validity, int) else None

    @contextlib.contextmanager
    def within(self, deadline: float) -> Iterator[None]:
        """Raise ServerTimeout from the block unless its answers are all in by ``deadline``
        (``time.monotonic()`` seconds). The read timeout bounds each wait for a byte, not an
        answer: a server that drips one byte every few seconds never trips it. So a watchdog
        (:mod:`webmail.mailbox.watchdog`) shuts the socket down at the deadline, which ends a
        blocked read at once (in the sync's prefetch thread too); the connection is dead
        afterwards, and the pool drops it on the ServerTimeout."""
        if time.monotonic() >= deadline:
            raise ServerTimeout("the request deadline had passed before the server was asked")
        token = WATCHDOG.arm(deadline, lambda: _shut_down(self.client))
        try:
            yield
        except Exception:
            fired = WATCHDOG.disarm(token)
            token = 0
            if fired:  # whatever broke, it broke because the deadline cut the connection
                raise ServerTimeout("no complete answer by the request deadline") from None
            raise
        finally:
            if token:
                WATCHDOG.disarm(token)

    def noop(self) -> None:
        """Check the connection is alive (IMAP NOOP); raises ConnectionLost or ServerTimeout.
        A warning in the answer (``* NO``: Dovecot's, after another client deleted the selected
        folder) makes the next sync select its folder afresh."""
        with translated_errors():
            _text, responses = self.client.noop()
        if any(isinstance(r, tuple) and r[:1] in ((b"NO",), (b"BAD",)) for r in responses):
            from webmail.mailbox.sync import forget_selected  # as in ImapMailbox.sync_folder

            forget_selected(self.client)

    def close(self) -> None:
        """LOGOUT and close the socket; never raises, even when the server is gone."""
        try:
            self.client.logout()
        except Exception:  # a dead server must not turn a cleanup into an error page
            with contextlib.suppress(Exception):
                self.client.shutdown()

