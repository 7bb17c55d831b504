"""A real Dovecot 2.3 on 127.0.0.1 for tests, and a loopback TCP proxy that injects faults.

Modelled on ``pallets/werkzeug: tests/conftest.py`` (``DevServerClient``) and
``simpkins/amt: tests/lib/imap_server.py``: the config is written into its own directory, the
server listens on a free port, start-up has a deadline, an early exit is caught with
``proc.poll()`` and the log is attached to every failure. The comments say which Dovecot
behaviour (measured on Debian 12, Dovecot 2.3.19) each step works around.

:func:`start_dovecot` is the one way the suite and the benchmarks start a server
(``tests/support/servers.py`` wraps it in the fixtures).
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import selectors
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from imapclient import IMAPClient

from tests.support.loopback import LoopbackProxy

STARTUP_SECONDS = 15.0

#: Dovecot's own layout: "/" as the delimiter, no prefix, the special-use folders made at login.
SPECIAL_USE_NAMESPACE = """\
namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
}
"""

#: A Courier-IMAP (and Cyrus with Debian's defaults) layout: every folder under "INBOX." with
#: "." as the delimiter, and no special-use flags (so no SPECIAL-USE capability either).
COURIER_NAMESPACE = """\
namespace inbox {
  inbox = yes
  separator = .
  prefix = INBOX.
}
"""

_CONFIG = """\
# Written by tests/support/imapserver.py
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
# No 2 s pause after a wrong password: tests try wrong passwords on purpose.
auth_failure_delay = 0
first_valid_uid = 1
first_valid_gid = 1
default_login_user = dovenull
default_internal_user = dovecot
mail_location = maildir:~/Maildir
mail_max_userip_connections = 200
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {dir}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={dir}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
{namespace}"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class DovecotError(RuntimeError):
    """Dovecot did not start or stop as expected; the message carries its log."""


class Dovecot:
    """One Dovecot instance with its own directory (``tempfile.mkdtemp``, mode 0711).

    :ivar dir: the state directory: config, passwd-file, logs, ``mail/<user>/Maildir``.
    :ivar port: the plain IMAP port on 127.0.0.1.
    :ivar imaps_port: the implicit-TLS port on 127.0.0.1 when started with ``tls``, else 0.
    """

    host = "127.0.0.1"

    def __init__(
        self,
        users: int = 100,
        extra_config: str = "",
        namespace: str = SPECIAL_USE_NAMESPACE,
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        if shutil.which("dovecot") is None:
            raise DovecotError(
                "the dovecot binary is missing: install it with "
                "`apt-get install -y dovecot-imapd` (scripts/test.sh does this)"
            )
        # Not pytest's tmp_path: its parents are 0700 and Dovecot's auth process runs as the
        # dovecot user, which needs +x on every parent, else logins fail with "Temporary
        # authentication failure" and the log says "missing +x perm".
        self.dir = Path(tempfile.mkdtemp(prefix="webmail-dovecot-"))
        os.chmod(self.dir, 0o711)
        self.port = free_port()
        self.imaps_port = free_port() if tls is not None else 0
        self.uid = pwd.getpwnam("dovecot").pw_uid
        self.gid = grp.getgrnam("dovecot").gr_gid
        self.config = self.dir / "dovecot.conf"
        # ``extra_config``: more settings, appended (a later line wins over the defaults).
        # ``namespace``: the folder layout (SPECIAL_USE_NAMESPACE or COURIER_NAMESPACE).
        config = _CONFIG.format(
            dir=self.dir, port=self.port, imaps_port=self.imaps_port, namespace=namespace
        )
        if tls is not None:  # (certificate chain, key) PEM files: ssl on both ports
            # With ssl = yes the plain port offers STARTTLS too (it does not require it).
            config += f"ssl = yes\nssl_cert = <{tls[0]}\nssl_key = <{tls[1]}\n"
        if extra_config:
            config += extra_config.strip() + "\n"
        self.config.write_text(config)
        self.passwd = self.dir / "passwd"
        # Users are written before start: users added to a running server's passwd-file were
        # not always seen at once. ``user<N>`` has the password ``secret-<N>``.
        self.passwd.write_text("".join(
            f"user{n}:{{PLAIN}}secret-{n}::::::\n" for n in range(1, users + 1)))
        self.users = users
        self.users_given = 0  # how many of them add_user() has handed out
        # The auth process (user dovecot) must read it: root:dovecot 0640.
        os.chown(self.passwd, 0, self.gid)
        os.chmod(self.passwd, 0o640)
        mail = self.dir / "mail"
        mail.mkdir()
        # The mail uid must own the mail root, else Maildir creation fails after an OK LOGIN.
        os.chown(mail, self.uid, self.gid)
        self.proc: subprocess.Popen[bytes] | None = None
        self._pid: int | None = None
        self._seq = 0

    # -- process -----------------------------------------------------------------------------

    def log(self) -> str:
        """The server's log so far (for failure messages)."""
        path = self.dir / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else "(no log)"

    def start(self) -> None:
        """Start ``dovecot -F`` and wait until it greets on the port; raises DovecotError."""
        self._wait_master_gone()
        self.proc = subprocess.Popen(
            ["dovecot", "-F", "-c", str(self.config)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise DovecotError(
                    f"dovecot exited with {self.proc.returncode}: {err}\n{self.log()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        self._pid = self.proc.pid
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise DovecotError(f"dovecot did not answer on port {self.port} in time\n{self.log()}")

    def _wait_master_gone(self, timeout: float = 10.0) -> None:
        # A new master refuses to start ("Dovecot is already running with PID ...", read from
        # master.pid) until the old master has exited.
        deadline = time.monotonic() + timeout
        while self._pid is not None and _pid_alive(self._pid):
            if time.monotonic() > deadline:
                raise DovecotError(f"old dovecot master {self._pid} is still running")
            time.sleep(0.02)

    def _signal_group(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)

    def stop(self) -> None:
        """SIGTERM the master (it ends every session) and wait for it and its children."""
        if self.proc is None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._reap_group()

    def kill(self) -> None:
        """SIGKILL the master and all its processes at once: a crash, connections just drop."""
        if self.proc is None:
            return
        self._signal_group(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._reap_group()

    def _reap_group(self) -> None:
        assert self.proc is not None
        pgid = self.proc.pid
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.02)
        if self.proc.stderr:
            self.proc.stderr.close()
        self.proc = None

    def restart(self) -> None:
        """Stop (if running) and start again on the same port with the same mail."""
        self.stop()
        self.start()

    def cleanup(self) -> None:
        """Stop the server and remove its directory."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- users and mail ----------------------------------------------------------------------

    def add_user(self, name: str, password: str) -> None:
        """Append a passwd-file user (seen once Dovecot notices the file changed; prefer the
        pre-made ``user<N>``/``secret-<N>`` users)."""
        with self.passwd.open("a") as f:
            f.write(f"{name}:{{PLAIN}}{password}::::::\n")

    def maildir(self, user: str, folder: str = "INBOX") -> Path:
        """The Maildir++ directory of ``folder`` (``cur``/``new``/``tmp`` made, dovecot-owned)."""
        home = self.dir / "mail" / user
        root = home / "Maildir"
        path = root if folder == "INBOX" else root / ("." + folder.replace("/", "."))
        for d in (home, root, path, path / "cur", path / "new", path / "tmp"):
            d.mkdir(exist_ok=True)
            os.chown(d, self.uid, self.gid)
        return path

    def deliver(self, user: str, raw: bytes, arrival: datetime, folder: str = "INBOX",
                flags: str = "") -> Path:
        """Write a message into ``cur/`` with INTERNALDATE = ``arrival`` (the file's mtime).

        Call it before the user's first login: Dovecot reads the mtime once and caches it in
        ``dovecot.index.cache`` (a later ``touch`` changes nothing over IMAP). New files get
        UIDs in the order of the timestamp at the start of the file name, not in the order
        they were written, so files are named after ``arrival``. ``S=``/``W=`` are exact
        (Dovecot trusts them for ``RFC822.SIZE`` without opening the file; ``W`` = bytes +
        LFs). ``flags`` are Maildir letters, sorted: ``S`` seen, ``F`` flagged, ``R``
        answered, ``D`` draft.
        """
        raw = raw.replace(b"\r\n", b"\n")
        size, vsize = len(raw), len(raw) + raw.count(b"\n")
        self._seq += 1
        ts = int(arrival.timestamp())
        info = "".join(sorted(flags))
        name = f"{ts}.M{self._seq}P{os.getpid()}.webmail-test,S={size},W={vsize}:2,{info}"
        path = self.maildir(user, folder) / "cur" / name
        path.write_bytes(raw)
        os.chown(path, self.uid, self.gid)
        os.utime(path, (ts, ts))
        return path

    def client(self, user: str, password: str) -> IMAPClient:
        """A separate logged-in imapclient connection, for checking what a test did."""
        c = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        c.normalise_times = False
        c.login(user, password)
        return c


class TcpProxy(LoopbackProxy):
    """A loopback TCP proxy to ``(host, port)`` that tests can freeze or cut.

    ``freeze()`` stops forwarding in both directions (connections stay open: the client times
    out); ``cut()`` closes every connection (the client sees EOF or a reset); ``drip(seconds)``
    hands the server's answers on the connections open now to the client one byte every
    ``seconds`` (a socket read timeout longer than that never fires; new connections are
    forwarded as usual).
    """

    upstream_timeout = 5.0

    def __init__(self, host: str, port: int) -> None:
        self.frozen = threading.Event()
        self._drip_seconds: float | None = None
        self._dripping: set[socket.socket] = set()  # client sides of the dripped connections
        super().__init__(host, port, name="tcpproxy")

    def serve(self, client: socket.socket, upstream: socket.socket) -> None:
        threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        # a: the client's side, b: the server's. ``held``: server bytes a drip has not sent yet.
        sel = selectors.DefaultSelector()
        sel.register(a, selectors.EVENT_READ, b)
        sel.register(b, selectors.EVENT_READ, a)
        held, next_drip = b"", 0.0
        try:
            while not self._closing.is_set():
                if self.frozen.is_set():
                    time.sleep(0.02)
                    continue
                dripping = a in self._dripping
                if held and (not dripping or time.monotonic() >= next_drip):
                    n = 1 if dripping else len(held)
                    a.sendall(held[:n])
                    held = held[n:]
                    next_drip = time.monotonic() + (self._drip_seconds or 0.0)
                for key, _ in sel.select(timeout=0.05):
                    if key.fileobj is b and (dripping or held):
                        if len(held) >= 1 << 20:  # enough held back: leave the rest unread
                            time.sleep(0.02)
                            continue
                        data = b.recv(65536)
                        if not data:
                            return
                        held += data
                        continue
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            sel.close()
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.close()

    def freeze(self) -> None:
        """Stop forwarding; bytes wait in the kernel buffers."""
        self.frozen.set()

    def drip(self, seconds: float) -> None:
        """From now on, the connections open now get the server's bytes one every ``seconds``
        (the client's commands still reach the server at once). Ends with ``close()``."""
        with self._lock:
            self._drip_seconds = seconds
            self._dripping.update(self._conns[0::2])  # _conns holds (client, upstream) pairs



@dataclass(frozen=True)
class MailUser:
    """A passwd-file user of a test server."""

    name: str
    password: str


def add_user(server: Dovecot) -> MailUser:
    """A user of ``server`` that no other caller got (the next pre-made passwd-file user)."""
    if server.users_given >= server.users:
        raise DovecotError(f"more than {server.users} test users: raise Dovecot(users=...)")
    server.users_given += 1
    n = server.users_given
    return MailUser(f"user{n}", f"secret-{n}")


def start_dovecot(
    users: int = 100,
    extra_config: str = "",
    namespace: str = SPECIAL_USE_NAMESPACE,
    tls: tuple[Path, Path] | None = None,
) -> Dovecot:
    """A started :class:`Dovecot` (see its ``__init__`` for the arguments); on any failure its
    directory is removed and the error raised (DovecotError when Dovecot is the cause)."""
    server = Dovecot(users=users, extra_config=extra_config, namespace=namespace, tls=tls)
    try:
        server.start()
    except BaseException:
        server.cleanup()
        raise
    return server


@contextlib.contextmanager
def proxies() -> Iterator[Callable[[Dovecot], TcpProxy]]:
    """``make(server)`` opens a :class:`TcpProxy` in front of ``server``; all close on exit."""
    made: list[TcpProxy] = []

    def make(server: Dovecot) -> TcpProxy:
        made.append(TcpProxy(server.host, server.port))
        return made[-1]

    try:
        yield make
    finally:
        for proxy in made:
            proxy.close()
