"""ImapMailbox: the :class:`~webmail.mailbox.Mailbox` Protocol over any IMAP server (imapclient).

Every public method raises only :class:`~webmail.mailbox.MailboxError` subclasses (see
:func:`translated_errors`), never an imapclient, socket or ssl exception. Reads use EXAMINE
(read-only SELECT) and ``BODY.PEEK``, so listing or opening a message never sets ``\\Seen``.

imapclient pitfalls handled here: ``normalise_times = False``, else imapclient returns
INTERNALDATE as a naive datetime in the client's local zone; FETCH takes explicit UID lists
in chunks, never a range (imapclient 4.x raises ``ValueError`` on ``1:*`` after the server has
sent everything, and a whole mailbox's UID list overflows Dovecot's 64 KiB command line).
"""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import logging
import re
import socket
import ssl
import time
from collections.abc import Collection, Iterable, Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

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
from webmail.mailbox import (
    DELETED,
    LIST_HEADER_FIELDS,
    SECTION,
    Folder,
    FullMessage,
    MessageSummary,
    Moved,
    Order,
    Page,
    roles,
    skeleton,
    sort_folders,
    wire,
)
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
from webmail.mailbox.paging import paginate
from webmail.mailbox.rawimap import (
    batches,
    create_with_use,
    imaplib_of,
    list_with_status,
    search_header_uids,
    search_uids,
    uid_command,
)
from webmail.mailbox.watchdog import WATCHDOG

if TYPE_CHECKING:
    from webmail.index.store import IndexStore
    from webmail.mailbox.sync import Progress, SyncResult

__all__ = ["FETCH_CHUNK", "ImapMailbox", "translated_errors"]

_log = logging.getLogger(__name__)

# UIDs per UID FETCH: fits Dovecot's 64 KiB line limit (imap_max_line_length) with room to
# spare; about 9,000 six-digit UIDs would be the most.
FETCH_CHUNK = 1000

_DISPLAY = {"inbox": "Inbox"}
_APPENDUID = re.compile(r"\[APPENDUID \d+ (\d+)\]", re.I)
_MESSAGE_ID = re.compile(rb"(?im)^message-id:[ \t]*(<[\x21-\x3b\x3d\x3f-\x7e]{1,250}>)")
# A moved message's Message-ID, to find it again in the target without COPYUID: anything but
# white space and angle brackets between them (it goes to the server as a literal).
_MOVED_ID = re.compile(rb"(?i)message-id:\s*(<[^<>\s]{1,250}>)")
_MESSAGE_ID_ITEM = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"
_MESSAGE_ID_KEY = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"
_NO_SELECT = (b"\\noselect", b"\\nonexistent")
# Response codes of a NO about a mailbox that is not there (RFC 5530 NONEXISTENT; RFC 3501
# TRYCREATE on COPY/APPEND/MOVE to a missing mailbox).
_MISSING_CODES = ("NONEXISTENT", "TRYCREATE")


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
        if any(code in text.upper() for code in _MISSING_CODES) or "doesn't exist" in text:
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


def _lower(value: Any) -> bytes:
    return value.lower() if isinstance(value, bytes) else str(value).lower().encode()


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


class ImapMailbox:
    """One logged-in IMAP connection. Not thread-safe: use one per thread (see MailboxPool).

    :ivar client: the imapclient connection (UIDs on, ``normalise_times`` off).
    :ivar threshold: the late-mail threshold for the header analysis.
    """

    def __init__(self, client: IMAPClient, threshold: timedelta = timedelta(minutes=60)) -> None:
        self.client = client
        self.threshold = threshold
        self._trash: str | None = None
        self._namespace: roles.Namespace | None = None
        self._validity: int | None = None

    @classmethod
    def connect(
        cls, settings: Settings, username: str, password: str, *,
        client_address: str | None = None,
    ) -> ImapMailbox:
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

    # -- folders ---------------------------------------------------------------------------

    def _listing(
        self, skip_status: Collection[str] = ()
    ) -> list[tuple[roles.Listed, dict[bytes, int]]]:
        """LIST, each folder with its STATUS counts: in the same command where LIST-STATUS is
        offered (RFC 5819; with the SPECIAL-USE return option only where SPECIAL-USE is, RFC
        6154 §5), else a STATUS per selectable folder. A server that refuses the extended LIST
        although it offered it gets the plain one; a folder whose STATUS is refused has no
        counts. The folders in ``skip_status`` get no STATUS: then a plain LIST and a STATUS
        for each of the others (LIST-STATUS would count them all)."""
        c = self.client
        statuses: dict[str, dict[bytes, Any]] = {}
        folders = None
        if c.has_capability("LIST-STATUS") and not skip_status:
            try:
                folders, statuses = list_with_status(c, special_use=c.has_capability("SPECIAL-USE"))
            except IMAPClientAbortError:
                raise
            except IMAPClientError as exc:
                _log.warning("extended LIST refused (%s); listing without it", exc)
        if folders is None:
            folders = c.list_folders()
        result = []
        for flags, delim, name in folders:
            attributes = tuple(
                f.decode("ascii", "replace") if isinstance(f, bytes) else str(f) for f in flags
            )
            status = statuses.get(name)
            if status is None and name not in skip_status and not any(
                _lower(f) in _NO_SELECT for f in flags
            ):
                try:
                    status = c.folder_status(name, ["MESSAGES", "UNSEEN"])
                except IMAPClientAbortError:
                    raise
                except IMAPClientError as exc:  # e.g. no right to read it: shown without counts
                    _log.info("STATUS %r refused: %s", name, exc)
            delimiter = delim.decode() if isinstance(delim, bytes) else delim
            result.append((
                roles.Listed(name, delimiter, attributes),
                {_lower(k): v for k, v in (status or {}).items()},
            ))
        return result

    def _personal_namespace(self, listed: list[roles.Listed]) -> roles.Namespace:
        """The personal namespace from NAMESPACE (RFC 2342) where offered, else guessed from
        the LIST answer (see :func:`webmail.mailbox.roles.infer_namespace`); asked once per
        connection."""
        if self._namespace is None:
            announced = None
            if self.client.has_capability("NAMESPACE"):
                try:
                    personal = self.client.namespace().personal
                except IMAPClientAbortError:
                    raise
                except IMAPClientError as exc:
                    _log.warning("NAMESPACE refused although offered: %s", exc)
                    personal = None
                if personal:
                    prefix, delim = personal[0][0], personal[0][1]
                    announced = roles.Namespace(
                        prefix.decode() if isinstance(prefix, bytes) else str(prefix or ""),
                        delim.decode() if isinstance(delim, bytes) else delim,
                    )
            self._namespace = roles.infer_namespace(listed, announced)
        return self._namespace

    def folders(self, skip_status: Collection[str] = ()) -> list[Folder]:
        """All folders from LIST with roles (see :mod:`webmail.mailbox.roles`) and counts
        (none for those in ``skip_status``), roles first, then by name."""
        with translated_errors():
            listing = self._listing(skip_status)
            listed = [entry for entry, _ in listing]
            namespace = self._personal_namespace(listed)
        assigned = roles.assign_roles(listed, namespace)
        result = []
        self._trash = None
        for entry, status in listing:
            name, delim = entry.name, entry.delimiter
            role = assigned.get(name)
            leaf = name.rsplit(delim, 1)[-1] if delim else name
            result.append(Folder(
                name=name, display_name=_DISPLAY.get(role or "", leaf), role=role,
                unseen=status.get(b"unseen"), total=status.get(b"messages"), delimiter=delim,
                depth=roles.depth_of(name, namespace, delim),
                selectable=not any(_lower(a) in _NO_SELECT for a in entry.attributes),
            ))
            if role == "trash":
                self._trash = name
        return sort_folders(result)

    # -- reading ---------------------------------------------------------------------------

    def _select(self, folder: str, readonly: bool) -> None:
        try:
            answer = self.client.select_folder(folder, readonly=readonly)
        except IMAPClientAbortError:
            raise
        except IMAPClientError as exc:
            raise NotFound(f"cannot open folder {folder!r}: {exc}") from None
        # The selected folder's UIDVALIDITY, for FullMessage.uidvalidity and message_state().
        validity = answer.get(b"UIDVALIDITY") if isinstance(answer, dict) else None
        self._validity = validity if isinstance(validity, int) else None

    def _records(
        self, folder: str, uids: list[int], items: str | None = None
    ) -> list[wire.ListRecord]:
        """The list fields (or other FETCH ``items`` with them) of ``uids`` in ``folder``,
        read-only, in chunks that fit any server's line limit, through the fast reader."""
        self._select(folder, readonly=True)
        imap = imaplib_of(self.client)
        items = items or wire.fetch_items(LIST_HEADER_FIELDS)
        records: list[wire.ListRecord] = []
        for chunk in batches(uids, FETCH_CHUNK):
            data = uid_command(imap, "FETCH", wire.sequence_set(sorted(chunk)), items)
            records.extend(wire.list_records(data))
        return records

    def summaries(self, folder: str) -> list[MessageSummary]:
        """Every message of ``folder`` as list rows, in UID order; read-only, never marks read."""
        with translated_errors():
            self._select(folder, readonly=True)
            esearch = self.client.has_capability("ESEARCH")
            uids = search_uids(imaplib_of(self.client), "ALL", esearch)
            records = self._records(folder, uids)
        return [wire.summary_of(r, folder, self.threshold) for r in records]

    def list_messages(
        self, folder: str, order: Order, number: int, size: int, *, late_only: bool = False
    ) -> Page[MessageSummary]:
        """One page of every summary, sorted here (the list without an index)."""
        return paginate(self.summaries(folder), number, size, order=order, late_only=late_only)

    def message(self, folder: str, uid: int) -> FullMessage:
        """The message for the read view (``BODY.PEEK`` in a read-only select), its row built
        from the same FETCH as a list row is; raises NotFound. Up to
        :data:`~webmail.mailbox.skeleton.WHOLE_BYTES` it comes whole, in that one FETCH; a
        larger one without its large parts (:mod:`webmail.mailbox.skeleton`), named in
        ``FullMessage.left_out``: holding a 40 MB message whole costs hundreds of MB."""
        items = f"({wire.LIST_ITEMS} BODY.PEEK[]<0.{skeleton.WHOLE_BYTES}>)"
        with translated_errors():
            records = [r for r in self._records(folder, [uid], items) if r.uid == uid]
            if not records:
                raise NotFound(f"no message {uid} in {folder!r}")
            record = records[-1]
            del records
            validity = self._validity
            if len(record.literal) < skeleton.WHOLE_BYTES or len(record.literal) >= record.size:
                summary = wire.summary_of(record, folder, self.threshold)
                return FullMessage(summary, record.literal, uidvalidity=validity)
            large = self._large_message(folder, dataclasses.replace(record, literal=b""))
            return dataclasses.replace(large, uidvalidity=validity)

    def message_state(self, folder: str, uid: int) -> tuple[int, frozenset[str]]:
        """``(UIDVALIDITY, flags)`` of one message: EXAMINE and ``UID FETCH uid (FLAGS)``, no
        body (:class:`webmail.mailbox.Revalidating`); raises NotFound."""
        with translated_errors():
            self._select(folder, readonly=True)
            validity = self._validity
            data = self.client.fetch([uid], ["FLAGS"]).get(uid)
        if data is None or validity is None:
            raise NotFound(f"no message {uid} in {folder!r}")
        flags = (f.decode("utf-8", "replace") if isinstance(f, bytes) else str(f)
                 for f in data.get(b"FLAGS") or ())
        return validity, frozenset(f for f in flags if f not in wire.SESSION_FLAGS)

    def _large_message(self, folder: str, record: wire.ListRecord) -> FullMessage:
        """``message()`` of a message over ``skeleton.WHOLE_BYTES`` (``folder`` is selected):
        its header and BODYSTRUCTURE, then the parts :func:`skeleton.plan` asks for."""
        uid, c = record.uid, self.client
        first = c.fetch([uid], ["BODYSTRUCTURE", "BODY.PEEK[HEADER]"]).get(uid)
        if first is None:
            raise NotFound(f"no message {uid} in {folder!r}")
        header = first.get(b"BODY[HEADER]")
        try:
            if not isinstance(header, bytes):
                raise ValueError("no header")
            root = skeleton.tree_of(first.get(b"BODYSTRUCTURE"))
            items, left_out = skeleton.plan(root)
            fetched: dict[str, bytes] = {}
            for batch in skeleton.batches_of(items, 200):
                fetched.update(skeleton.fetched_sections(c.fetch([uid], list(batch)).get(uid, {})))
            raw = skeleton.assemble(root, header, fetched, left_out)
        except ValueError:  # a structure the skeleton cannot follow: the whole message, then
            records = self._records(folder, [uid], wire.fetch_items(None))
            whole = [r for r in records if r.uid == uid]
            if not whole:
                raise NotFound(f"no message {uid} in {folder!r}") from None
            summary = wire.summary_of(whole[-1], folder, self.threshold)
            return FullMessage(summary, whole[-1].literal)
        record = dataclasses.replace(record, literal=header)
        summary = wire.summary_of(record, folder, self.threshold)
        return FullMessage(summary=summary, raw=raw, left_out=left_out)

    def _fetch_one(self, folder: str, uid: int, items: list[str]) -> dict[bytes, Any]:
        """FETCH ``items`` of one message in a read-only select; raises NotFound."""
        with translated_errors():
            self._select(folder, readonly=True)
            data = self.client.fetch([uid], items).get(uid)
        if data is None:
            raise NotFound(f"no message {uid} in {folder!r}")
        return dict(data)

    def part_header(self, folder: str, uid: int, section: str) -> bytes:
        """The part's MIME header block (``BODY.PEEK[<section>.MIME]``); for section ``1`` of a
        single-part message, the message header (its MIME header). Raises NotFound."""
        if not SECTION.fullmatch(section):
            raise NotFound(f"bad section {section!r}")
        item = f"BODY.PEEK[{section}.MIME]"
        if section == "1":
            structure = self._fetch_one(folder, uid, ["BODYSTRUCTURE"]).get(b"BODYSTRUCTURE")
            if structure is not None and not getattr(structure, "is_multipart", True):
                item = "BODY.PEEK[HEADER]"
        data = self._fetch_one(folder, uid, [item])
        value = next((v for k, v in data.items() if k.upper().startswith(b"BODY[")), None)
        if not isinstance(value, bytes) or not value.strip():
            raise NotFound(f"no part {section} in message {uid}")
        return value

    def part_bytes(self, folder: str, uid: int, section: str, offset: int, length: int) -> bytes:
        """``length`` encoded bytes of the part from ``offset``, by IMAP partial fetch
        (``BODY.PEEK[<section>]<offset.length>``): only that slice crosses the wire and sits in
        memory. ``b""`` past the end. Raises NotFound."""
        if not SECTION.fullmatch(section) or offset < 0 or length <= 0:
            raise NotFound(f"bad section {section!r}")
        data = self._fetch_one(folder, uid, [f"BODY.PEEK[{section}]<{offset}.{length}>"])
        value = next((v for k, v in data.items() if k.upper().startswith(b"BODY[")), None)
        return value if isinstance(value, bytes) else b""

    # -- changing --------------------------------------------------------------------------

    def _require(self, folder: str, uid: int) -> None:
        """Select ``folder`` read-write and check ``uid`` exists (STORE ignores missing UIDs)."""
        self._select(folder, readonly=False)
        if uid not in self.client.fetch([uid], ["FLAGS"]):
            raise NotFound(f"no message {uid} in {folder!r}")

    def set_flags(
        self, folder: str, uid: int, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> None:
        """Add, then remove flags on one message (UID STORE); raises NotFound."""
        add, remove = [str(f) for f in add], [str(f) for f in remove]
        with translated_errors(changing=True):
            self._require(folder, uid)
            if add:
                self.client.add_flags([uid], add, silent=True)
            if remove:
                self.client.remove_flags([uid], remove, silent=True)

    def _trash_folder(self) -> str:
        """The Trash (see :mod:`webmail.mailbox.roles`); a missing one is created under the
        personal namespace with the server's delimiter (``INBOX.Trash`` on Courier), marked
        ``\\Trash`` where CREATE-SPECIAL-USE is offered (RFC 6154 §3)."""
        if self._trash is None:
            self.folders()
        if self._trash is None:  # no Trash at all: create one
            self._trash = self._create_role_folder("trash")
        return self._trash

    def _create_role_folder(self, role: str) -> str:
        """Create (and subscribe) the folder for ``role`` under the personal namespace
        (:func:`webmail.mailbox.roles.new_folder_name`), marked with its attribute where
        CREATE-SPECIAL-USE is offered; a folder made meanwhile by another client is used.
        Call after :meth:`folders` (it learns the namespace); raises imapclient's errors."""
        if self._namespace is None:
            self.folders()
        assert self._namespace is not None
        name = roles.new_folder_name(role, self._namespace)
        try:
            if self.client.has_capability("CREATE-SPECIAL-USE") and role in roles.NEW_FOLDER_NAMES:
                create_with_use(self.client, name, roles.NEW_FOLDER_NAMES[role][1])
            else:
                self.client.create_folder(name)
        except IMAPClientAbortError:
            raise
        except IMAPClientError as exc:
            if "ALREADYEXISTS" not in str(exc).upper():  # made meanwhile: use it
                raise
        with contextlib.suppress(IMAPClientError):
            self.client.subscribe_folder(name)
        return name

    def _expunge_one(self, uid: int) -> bool:
        """Remove ``uid`` from the folder selected read-write, and no other message: mark it
        ``\\Deleted``, then ``UID EXPUNGE`` it (UIDPLUS, RFC 4315). Without UIDPLUS a plain
        EXPUNGE would also remove every message another client marked ``\\Deleted`` (RFC 3501
        §6.4.3), so it is sent only when a search finds no other: otherwise ``uid`` stays, marked
        ``\\Deleted`` (the list strikes it through) for the reader's own expunge in any client.
        Returns whether it was expunged."""
        c = self.client
        c.add_flags([uid], [DELETED], silent=True)
        if c.has_capability("UIDPLUS"):
            c.uid_expunge([uid])
            return True
        others = [u for u in c.search(["DELETED"]) if u != uid]
        if others:
            _log.info(
                "no UIDPLUS and %d other message(s) marked \\Deleted: UID %d left marked, "
                "not expunged", len(others), uid,
            )
            return False
        # The window between this SEARCH and the EXPUNGE is one round trip; RFC 3501 has no
        # way to close it without UIDPLUS.
        c.expunge()
        return True

    def _move(self, uid: int, target: str) -> None:
        """Move ``uid`` from the folder selected read-write to ``target``: MOVE (RFC 6851)
        where offered, else COPY + :meth:`_expunge_one`."""
        c = self.client
        if c.has_capability("MOVE"):
            c.move([uid], target)
            return
        c.copy([uid], target)
        self._expunge_one(uid)

    def move_to_trash(self, folder: str, uid: int) -> None:
        """Move to Trash; in Trash, delete for good. Never touches another message: see
        :meth:`_move` and :meth:`_expunge_one` (without MOVE and UIDPLUS the message may stay
        in ``folder`` marked ``\\Deleted``, its copy in Trash). A Trash deleted by another
        client since it was looked up is made again (the server said TRYCREATE)."""
        with translated_errors(changing=True):
            trash = self._trash_folder()
            self._require(folder, uid)
            if folder == trash:
                self._expunge_one(uid)
                return
            try:
                self._move(uid, trash)
            except IMAPClientAbortError:
                raise
            except IMAPClientError as exc:
                if "TRYCREATE" not in str(exc).upper():
                    raise
                self._trash = None
                trash = self._trash_folder()
                self._require(folder, uid)
                self._move(uid, trash)

    # -- writing (webmail.outbox): the Sent copy, drafts ------------------------------------

    def role_folder(self, role: str, *, create: bool = True) -> str | None:
        """The folder :meth:`folders` gives ``role`` (SPECIAL-USE, else its name under the
        personal namespace); a missing one is created (``Sent``, ``Drafts``: ``INBOX.Sent`` on
        a Courier layout) and subscribed when ``create``."""
        found = next((f.name for f in self.folders() if f.role == role), None)
        if found is not None or not create:
            return found
        with translated_errors(changing=True):
            return self._create_role_folder(role)

    def append(
        self, folder: str, raw: bytes, flags: Iterable[str] = (), when: datetime | None = None
    ) -> int | None:
        """APPEND ``raw`` with ``flags``; the new UID from APPENDUID (UIDPLUS, RFC 4315), else
        found by its Message-ID, else ``None``."""
        with translated_errors():
            answer = self.client.append(folder, raw, flags=tuple(flags), msg_time=when)
            match = _APPENDUID.search(
                answer.decode("ascii", "replace") if isinstance(answer, bytes) else str(answer)
            )
            if match:
                return int(match.group(1))
            return self._uid_by_message_id(folder, raw)

    def _uid_by_message_id(self, folder: str, raw: bytes) -> int | None:
        found = _MESSAGE_ID.search(raw[: raw.find(b"\r\n\r\n") + 1 or len(raw)])
        if found is None:
            return None
        self._select(folder, readonly=True)
        uids = self.client.search(["HEADER", "Message-ID", found.group(1).decode("ascii")])
        return max(uids) if uids else None

    def replace(
        self, folder: str, uid: int, raw: bytes, flags: Iterable[str] = ()
    ) -> int | None:
        """APPEND the new version, then :meth:`remove` the old one."""
        new = self.append(folder, raw, flags)
        self.remove(folder, uid)
        return new

    def remove(self, folder: str, uid: int) -> None:
        """``\\Deleted`` and ``UID EXPUNGE`` (UIDPLUS); without UIDPLUS the message stays,
        marked ``\\Deleted`` (a plain EXPUNGE would take every other marked message with it).
        A message already gone is no error."""
        with translated_errors():
            self._select(folder, readonly=False)
            if uid not in self.client.fetch([uid], ["FLAGS"]):
                return
            self.client.add_flags([uid], [DELETED], silent=True)
            if self.client.has_capability("UIDPLUS"):
                self.client.uid_expunge([uid])

    # -- searching (issue 11) --------------------------------------------------------------

    def search_text(self, folder: str, text: str) -> frozenset[int]:
        """``UID SEARCH CHARSET UTF-8 TEXT`` with ``text`` as a literal, in a read-only
        select (see :func:`webmail.mailbox.rawimap.search_text_uids`); raises NotFound."""
        from webmail.mailbox.rawimap import search_text_uids

        with translated_errors():
            self._select(folder, readonly=True)
            esearch = self.client.has_capability("ESEARCH")
            return frozenset(search_text_uids(imaplib_of(self.client), text, esearch))

    # -- organising several messages, folders (issue 11) -------------------------------------

    def folder_uids(self, folder: str) -> list[int]:
        """``UID SEARCH ALL`` in a read-only select; raises NotFound."""
        with translated_errors():
            self._select(folder, readonly=True)
            return search_uids(
                imaplib_of(self.client), "ALL", self.client.has_capability("ESEARCH")
            )

    def _present(self, uids: Iterable[int]) -> list[int]:
        """Those of ``uids`` still in the selected folder, ascending (STORE and COPY ignore
        missing UIDs silently; the count must be right)."""
        wanted = sorted(set(uids))
        found: set[int] = set()
        for chunk in batches(wanted, FETCH_CHUNK):
            found.update(self.client.fetch(list(chunk), ["UID"]))
        return [u for u in wanted if u in found]

    def flag_messages(
        self, folder: str, uids: Iterable[int], add: Iterable[str] = (),
        remove: Iterable[str] = (),
    ) -> None:
        """UID STORE +FLAGS.SILENT, then -FLAGS.SILENT, in chunks; raises NotFound for an
        unknown folder."""
        add, remove = [str(f) for f in add], [str(f) for f in remove]
        with translated_errors(changing=True):
            self._select(folder, readonly=False)
            for chunk in batches(sorted(set(uids)), FETCH_CHUNK):
                if add:
                    self.client.add_flags(list(chunk), add, silent=True)
                if remove:
                    self.client.remove_flags(list(chunk), remove, silent=True)

    def _expunge_these(self, uids: list[int]) -> tuple[int, ...]:
        """:meth:`_expunge_one` for many: mark ``uids`` ``\\Deleted`` in the folder selected
        read-write, then ``UID EXPUNGE`` exactly those (UIDPLUS). Without UIDPLUS a plain
        EXPUNGE is sent only when no other message is marked ``\\Deleted``; otherwise they stay
        marked. Returns the UIDs left marked."""
        c = self.client
        for chunk in batches(uids, FETCH_CHUNK):
            c.add_flags(list(chunk), [DELETED], silent=True)
        if c.has_capability("UIDPLUS"):
            for chunk in batches(uids, FETCH_CHUNK):
                c.uid_expunge(list(chunk))
            return ()
        mine = set(uids)
        others = [u for u in c.search(["DELETED"]) if u not in mine]
        if others:
            _log.info(
                "no UIDPLUS and %d other message(s) marked \\Deleted: %d left marked",
                len(others), len(uids),
            )
            return tuple(uids)
        c.expunge()  # as in _expunge_one: one round trip since the SEARCH
        return ()

    def move_messages(self, folder: str, uids: Iterable[int], target: str) -> Moved:
        """MOVE where offered, else COPY + :meth:`_expunge_these`; the new UIDs from COPYUID
        (:func:`webmail.mailbox.rawimap.uid_transfer`). A target that is not there is
        NotFound (the server's TRYCREATE)."""
        from webmail.mailbox.rawimap import uid_transfer

        with translated_errors(changing=True):
            if target == folder:
                return Moved(folder, target, 0)
            self._select(folder, readonly=False)
            present = self._present(uids)
            if not present:
                return Moved(folder, target, 0)
            # Without UIDPLUS no COPYUID will say where they went: note the target's UIDNEXT
            # and their Message-IDs now, to find them there afterwards (for Undo).
            before = None if self.client.has_capability("UIDPLUS") else self._traces(
                present, target
            )
            try:
                if self.client.has_capability("MOVE"):
                    mapping = uid_transfer(self.client, "MOVE", present, target, FETCH_CHUNK)
                    kept: tuple[int, ...] = ()
                else:
                    mapping = uid_transfer(self.client, "COPY", present, target, FETCH_CHUNK)
                    kept = self._expunge_these(present)
            except ServerRefused as refused:
                if "TRYCREATE" in str(refused).upper() or "NONEXISTENT" in str(refused).upper():
                    raise NotFound(f"no folder {target!r}: {refused}") from None
                raise
            if before is not None and len(mapping) < len(present):
                mapping = {**self._found_again(target, *before), **mapping}
            return Moved(folder, target, len(present), mapping, kept)

    def _traces(self, uids: list[int], target: str) -> tuple[int, dict[int, bytes]] | None:
        """(the UIDNEXT of ``target``, UID -> Message-ID of those of ``uids`` in the selected
        folder that have one), or ``None`` when the target's STATUS is refused."""
        try:
            uidnext = self.client.folder_status(target, [b"UIDNEXT"]).get(b"UIDNEXT")
        except IMAPClientAbortError:  # the connection is gone: translated_errors says so
            raise
        except IMAPClientError:  # a NO: the move itself will say what is wrong
            return None
        if not isinstance(uidnext, int):
            return None
        ids: dict[int, bytes] = {}
        for chunk in batches(uids, FETCH_CHUNK):
            answer = self.client.fetch(list(chunk), [_MESSAGE_ID_ITEM])
            for uid, data in answer.items():
                found = _MOVED_ID.search(data.get(_MESSAGE_ID_KEY) or b"")
                if found is not None:
                    ids[uid] = found.group(1)
        return uidnext, ids

    def _found_again(self, target: str, uidnext: int, ids: dict[int, bytes]) -> dict[int, int]:
        """Old UID -> UID in ``target`` of the moved messages found there by Message-ID among
        the messages from ``uidnext`` (the target's UIDNEXT before the move) up: a move the
        server gave no COPYUID for. Each UID found is given once; a Message-ID that is not
        found is left out (that message cannot be put back by Undo)."""
        if not ids:
            return {}
        self._select(target, readonly=True)
        imap = imaplib_of(self.client)
        esearch = self.client.has_capability("ESEARCH")
        mapping: dict[int, int] = {}
        for old, message_id in sorted(ids.items()):
            found = search_header_uids(imap, "Message-ID", message_id, uidnext, esearch)
            new = next((u for u in found if u not in mapping.values()), None)
            if new is not None:
                mapping[old] = new
        return mapping

    def destroy_messages(self, folder: str, uids: Iterable[int]) -> int:
        """``\\Deleted`` and ``UID EXPUNGE`` of exactly ``uids`` (see :meth:`_expunge_these`);
        how many went (0 when they were left marked)."""
        with translated_errors(changing=True):
            self._select(folder, readonly=False)
            present = self._present(uids)
            if not present:
                return 0
            return 0 if self._expunge_these(present) else len(present)

    def message_bytes(self, folder: str, uid: int, offset: int, length: int) -> bytes:
        """``BODY.PEEK[]<offset.length>``: only that slice crosses the wire; raises NotFound."""
        if offset < 0 or length <= 0:
            return b""
        data = self._fetch_one(folder, uid, [f"BODY.PEEK[]<{offset}.{length}>"])
        value = next((v for k, v in data.items() if k.upper().startswith(b"BODY[")), None)
        return value if isinstance(value, bytes) else b""

    def create_folder(self, name: str) -> None:
        """CREATE (modified UTF-7 by imapclient) and SUBSCRIBE."""
        with translated_errors(changing=True):
            self.client.create_folder(name)
            with contextlib.suppress(IMAPClientError):
                self.client.subscribe_folder(name)

    def rename_folder(self, name: str, new_name: str) -> None:
        """RENAME, then the subscription follows (UNSUBSCRIBE the old name, SUBSCRIBE the
        new); a folder that is not there is NotFound."""
        with translated_errors(changing=True):
            self._select("INBOX", readonly=True)  # never the folder renamed (nor the sync's)
            self.client.rename_folder(name, new_name)
            with contextlib.suppress(IMAPClientError):
                self.client.unsubscribe_folder(name)
            with contextlib.suppress(IMAPClientError):
                self.client.subscribe_folder(new_name)

    def delete_folder(self, name: str) -> None:
        """UNSUBSCRIBE and DELETE; a folder that is not there is NotFound."""
        with translated_errors(changing=True):
            self._select("INBOX", readonly=True)  # never the folder deleted (nor the sync's)
            with contextlib.suppress(IMAPClientError):
                self.client.unsubscribe_folder(name)
            self.client.delete_folder(name)

    # -- the index -------------------------------------------------------------------------

    def sync_folder(
        self,
        index: IndexStore,
        account: str,
        folder: str,
        progress: Progress | None = None,
        *,
        fetch_limit: int | None = None,
    ) -> SyncResult:
        """Bring ``folder`` up to date in ``index`` under ``account`` (see
        ``webmail.index.account_key``) over this connection: new messages, flag changes
        (CONDSTORE) and expunges (QRESYNC, else a UID-set comparison); see
        :func:`webmail.mailbox.sync.sync_folder`. Leaves the folder selected read-only. Raises
        NotFound, ConnectionLost or another MailboxError; ``SyncResult.skipped`` when another
        worker holds the folder's sync lease; ``SyncResult.deferred`` when more than
        ``fetch_limit`` messages would have to be fetched."""
        from webmail.mailbox.sync import (
            sync_folder,  # the list path without an index needs none of it
        )

        with translated_errors():
            return sync_folder(
                self.client, index, account, folder, progress, fetch_limit=fetch_limit
            )

    # -- connection ------------------------------------------------------------------------

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
            from webmail.mailbox.sync import forget_selected  # as in sync_folder

            forget_selected(self.client)

    def close(self) -> None:
        """LOGOUT and close the socket; never raises, even when the server is gone."""
        try:
            self.client.logout()
        except Exception:  # a dead server must not turn a cleanup into an error page
            with contextlib.suppress(Exception):
                self.client.shutdown()

