"""A loopback IMAP proxy in front of a real server that hides extensions, for the fallbacks.

:class:`CapabilityProxy` forwards an IMAP conversation unchanged except that, for every
extension it hides:

- the extension's name is removed from ``* CAPABILITY`` lines and ``[CAPABILITY ...]`` response
  codes (the greeting, LOGIN's and AUTHENTICATE's OK), so a client that reads capabilities
  never sees it;
- a command that needs it is answered ``BAD`` by the proxy itself, without reaching the server
  (``UID MOVE`` without MOVE, ``UID EXPUNGE`` without UIDPLUS, ``LIST ... RETURN (STATUS ...)``
  without LIST-STATUS, ``CHANGEDSINCE`` without CONDSTORE, ...), as a server without the
  extension does: a client that uses an extension it was not offered fails for real;
- with SPECIAL-USE hidden, the special-use attributes (``\\Trash``, ``\\Sent``, ...) are removed
  from LIST responses, as a server without RFC 6154 sends them.
- with UIDPLUS hidden, the ``[COPYUID ...]`` and ``[APPENDUID ...]`` response codes are removed
  from the server's answers (to COPY, MOVE and APPEND), as a server without RFC 4315 never
  sends them: a client learns no new UID from them.

``advertise`` adds names to the capability lists instead, for an extension whose syntax the
server parses without announcing it (Dovecot 2.3 accepts ``CREATE name (USE (\\Trash))``, RFC
6154's CREATE-SPECIAL-USE, and ignores the USE): it shows that the client sends it well formed.

It can also reproduce two real servers' habits: ``flags_first`` puts ``FLAGS`` before ``UID`` in
FETCH responses, as Cyrus IMAP does (``* 1 FETCH (FLAGS (\\Seen) UID 442 ...``), and
``empty_search`` answers the SEARCH commands whose text contains one of its byte strings with
no UIDs, as GNU Mailutils imap4d answers ``UID SEARCH UID 1:*`` (``b""`` matches every SEARCH).

The conversation is read line by line; literals (``{n}``, ``{n+}``) in either direction are
passed through byte for byte and never inspected. Commands are not pipelined by the clients
under test (imaplib waits for each tagged answer), so "the command in flight" is well defined.
Plain IMAP only (no STARTTLS through it).
"""

from __future__ import annotations

import collections
import contextlib
import re
import socket
import threading
from collections.abc import Iterable
from typing import BinaryIO

from tests.support.loopback import LoopbackProxy

__all__ = ["EXTENSIONS", "KEPT_COMMANDS", "CapabilityProxy"]

#: How many command lines :attr:`CapabilityProxy.commands` keeps.
KEPT_COMMANDS = 2000

#: The extensions the webmail may use, each hidden in turn by the compatibility matrix.
EXTENSIONS = (
    "CONDSTORE",
    "CREATE-SPECIAL-USE",
    "ENABLE",
    "ESEARCH",
    "LIST-STATUS",
    "MOVE",
    "NAMESPACE",
    "QRESYNC",
    "SPECIAL-USE",
    "UIDPLUS",
    "UNSELECT",
)

# Hiding one of these hides the others too: QRESYNC needs CONDSTORE (RFC 7162 §3.2), ESORT and
# CONTEXT=SEARCH build on ESEARCH, CREATE-SPECIAL-USE on SPECIAL-USE (RFC 6154 §3).
_IMPLIED = {
    "CONDSTORE": ("QRESYNC",),
    "ESEARCH": ("ESORT", "CONTEXT=SEARCH", "CONTEXT=SORT"),
    "SPECIAL-USE": ("CREATE-SPECIAL-USE",),
}
_SPECIAL_USE_ATTRS = re.compile(
    rb"\\(?:All|Archive|Drafts|Flagged|Junk|Sent|Trash|Important)\b ?", re.I
)
_CAPABILITY_LINE = re.compile(rb"^(\* CAPABILITY )(.*?)(\r?\n)$", re.I | re.S)
_CAPABILITY_CODE = re.compile(rb"\[CAPABILITY ([^\]]*)\]", re.I)
_LITERAL_END = re.compile(rb"\{(\d+)\+?\}\r?\n$")
_LIST_LINE = re.compile(rb"^(\* (?:X?LIST|LSUB) \()([^)]*)(\).*)$", re.I | re.S)
_FETCH_UID_FLAGS = re.compile(
    rb"^(\* \d+ FETCH \()UID (\d+) ((?:MODSEQ \(\d+\) )?)FLAGS \(([^)]*)\)", re.I
)
_SEARCH_DATA = re.compile(rb"^\* (SEARCH|ESEARCH)\b", re.I)
_UIDPLUS_CODE = re.compile(rb"\[(?:COPYUID|APPENDUID) [^\]]*\] ?", re.I)


def _hidden_set(names: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for name in names:
        upper = name.upper()
        out.add(upper)
        out.update(_IMPLIED.get(upper, ()))
    return frozenset(out)


class CapabilityProxy(LoopbackProxy):
    """A proxy on a free 127.0.0.1 port in front of ``(host, port)`` (see the module docstring).

    :ivar port: where clients connect.
    :ivar hidden: the extensions hidden (with those they imply).
    :ivar refused: the command lines answered BAD so far (for assertions and failure reports).
    :ivar commands: the first line of every command the clients sent, without its literals
        (the last :data:`KEPT_COMMANDS`).
    """

    def __init__(
        self,
        host: str,
        port: int,
        hide: Iterable[str] = (),
        *,
        advertise: Iterable[str] = (),
        flags_first: bool = False,
        empty_search: Iterable[bytes] = (),
    ) -> None:
        self.hidden = _hidden_set(hide)
        self.advertised = tuple(a.encode() for a in advertise)
        self.flags_first = flags_first
        self.empty_search = tuple(s.upper() for s in empty_search)
        self.refused: list[bytes] = []
        self.commands: collections.deque[bytes] = collections.deque(maxlen=KEPT_COMMANDS)
        super().__init__(host, port, name="capproxy")

    def serve(self, client: socket.socket, upstream: socket.socket) -> None:
        _Conversation(self, client, upstream).start()

    # -- rewriting -----------------------------------------------------------------------------

    def refusal(self, line: bytes) -> bytes | None:
        """Why a server without the hidden extensions would answer this command line BAD, or
        ``None`` to forward it. ``line`` is a command's first line, without literals."""
        words = line.split(None, 3)
        if len(words) < 2:
            return None
        command = words[1].upper()
        rest = b" ".join(words[2:]).upper()
        if command == b"UID" and len(words) >= 3:
            command = b"UID " + words[2].upper()
            rest = words[3].upper() if len(words) > 3 else b""
        hidden = self.hidden

        def needs(ext: str) -> bool:
            return ext in hidden

        simple = {
            b"MOVE": "MOVE",
            b"UID MOVE": "MOVE",
            b"UID EXPUNGE": "UIDPLUS",
            b"ENABLE": "ENABLE",
            b"UNSELECT": "UNSELECT",
            b"NAMESPACE": "NAMESPACE",
        }
        ext = simple.get(command)
        if ext is not None and needs(ext):
            return f"{command.decode()}: unknown command ({ext} is not offered)".encode()
        if command == b"ENABLE" and any(w.decode() in hidden for w in rest.split()):
            return b"ENABLE: extension not offered"
        if command in (b"LIST", b"LSUB") and b" RETURN " in b" " + rest:
            options = rest.split(b" RETURN ", 1)[-1] if b" RETURN " in rest else rest
            if needs("SPECIAL-USE") and b"SPECIAL-USE" in options:
                return b"LIST: RETURN (SPECIAL-USE) without SPECIAL-USE"
            if needs("LIST-STATUS") and b"STATUS" in options:
                return b"LIST: RETURN (STATUS) without LIST-STATUS"
        if (
            command in (b"SEARCH", b"UID SEARCH")
            and rest.startswith(b"RETURN")
            and needs("ESEARCH")
        ):
            return b"SEARCH: RETURN without ESEARCH"
        if needs("CONDSTORE") and any(
            w in rest for w in (b"CHANGEDSINCE", b"UNCHANGEDSINCE", b"MODSEQ", b"(CONDSTORE")
        ):
            return b"CONDSTORE is not offered"
        if needs("QRESYNC") and any(w in rest for w in (b"VANISHED", b"(QRESYNC")):
            return b"QRESYNC is not offered"
        if command == b"CREATE" and b"(USE " in rest and needs("CREATE-SPECIAL-USE"):
            return b"CREATE: USE without CREATE-SPECIAL-USE"
        return None

    def lies_to(self, line: bytes) -> bool:
        """This command's SEARCH answer is to be emptied (``empty_search``)."""
        words = line.split(None, 2)
        if len(words) < 3:
            return False
        rest = words[2].upper()
        if not (rest.startswith(b"SEARCH") or rest.startswith(b"UID SEARCH")):
            return False
        return any(pattern in rest for pattern in self.empty_search)

    def rewrite(self, line: bytes, lying: bool) -> bytes:
        """One line of the server's answer (without its literal) as the client is to see it."""
        if self.hidden or self.advertised:
            m = _CAPABILITY_LINE.match(line)
            if m is not None:
                line = m.group(1) + self._keep(m.group(2)) + m.group(3)
            elif b"[CAPABILITY " in line.upper():
                line = _CAPABILITY_CODE.sub(
                    lambda c: b"[CAPABILITY " + self._keep(c.group(1)) + b"]", line
                )
            if "UIDPLUS" in self.hidden and b"UID " in line.upper():
                line = _UIDPLUS_CODE.sub(b"", line)
            if "SPECIAL-USE" in self.hidden:
                m = _LIST_LINE.match(line)
                if m is not None:
                    attrs = _SPECIAL_USE_ATTRS.sub(b"", m.group(2)).strip()
                    line = m.group(1) + attrs + m.group(3)
        if self.flags_first:
            line = _FETCH_UID_FLAGS.sub(
                lambda f: (
                    f.group(1)
                    + b"FLAGS ("
                    + f.group(4)
                    + b") UID "
                    + f.group(2)
                    + (b" " + f.group(3).rstrip() if f.group(3) else b"")
                ),
                line,
            )
        if lying:
            m = _SEARCH_DATA.match(line)
            if m is not None:
                if m.group(1).upper() == b"SEARCH":
                    return b"* SEARCH\r\n"
                # ESEARCH: keep the correlator (TAG "x") and the UID marker, drop the results
                keep = re.match(rb"^(\* ESEARCH(?: \(TAG \"[^\"]*\"\))?(?: UID)?)", line, re.I)
                return (keep.group(1) if keep else b"* ESEARCH") + b"\r\n"
        return line

    def _keep(self, capabilities: bytes) -> bytes:
        kept = [
            c
            for c in capabilities.split()
            if c.decode("ascii", "replace").upper() not in self.hidden
        ]
        return b" ".join(kept + [a for a in self.advertised if a not in kept])


class _Conversation:
    """One client's connection through the proxy: a thread per direction."""

    def __init__(self, proxy: CapabilityProxy, client: socket.socket, upstream: socket.socket):
        self.proxy, self.client, self.upstream = proxy, client, upstream
        self.to_client = threading.Lock()  # the server's answers and the proxy's BADs interleave
        self.lying_tag: bytes | None = None

    def start(self) -> None:
        for target in (self._from_client, self._from_server):
            threading.Thread(target=target, name="capproxy-pump", daemon=True).start()

    def _send_client(self, data: bytes) -> None:
        with self.to_client:
            self.client.sendall(data)

    def _close(self) -> None:
        for s in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    @staticmethod
    def _literal(reader: BinaryIO, line: bytes) -> bytes:
        """The literal announced at the end of ``line``, read whole (b"" when none)."""
        m = _LITERAL_END.search(line)
        if m is None:
            return b""
        return reader.read(int(m.group(1)))

    def _from_client(self) -> None:
        reader = self.client.makefile("rb")
        try:
            command_start = True
            while line := reader.readline():
                literal_follows = _LITERAL_END.search(line) is not None
                if command_start:
                    self.proxy.commands.append(line.rstrip(b"\r\n"))
                if command_start and not literal_follows:
                    why = self.proxy.refusal(line.rstrip(b"\r\n"))
                    if why is not None:
                        tag = line.split(None, 1)[0]
                        self.proxy.refused.append(line.rstrip(b"\r\n"))
                        self._send_client(tag + b" BAD " + why + b"\r\n")
                        continue
                    if self.proxy.empty_search and self.proxy.lies_to(line.rstrip(b"\r\n")):
                        self.lying_tag = line.split(None, 1)[0]
                self.upstream.sendall(line)
                if literal_follows:
                    m = _LITERAL_END.search(line)
                    assert m is not None
                    remaining = int(m.group(1))
                    while remaining:  # forwarded as it comes: a sync literal waits for "+"
                        chunk = reader.read1(min(remaining, 65536))
                        if not chunk:
                            return
                        self.upstream.sendall(chunk)
                        remaining -= len(chunk)
                command_start = not literal_follows
        except OSError:
            return
        finally:
            self._close()

    def _from_server(self) -> None:
        reader = self.upstream.makefile("rb")
        try:
            while line := reader.readline():
                tag = self.lying_tag
                out = self.proxy.rewrite(line, lying=tag is not None)
                if tag is not None and line.startswith(tag + b" "):
                    self.lying_tag = None
                literal = self._literal(reader, line)
                self._send_client(out + literal)
        except OSError:
            return
        finally:
            self._close()
