"""pymap (PyPI, an IMAP server written in Python) on 127.0.0.1, for the compatibility matrix.

A second, independent IMAP implementation next to Dovecot: it offers IMAP4rev1, LITERAL+, ID,
BINARY, UIDPLUS, MOVE, CHILDREN, IDLE, OBJECTID and MULTIAPPEND, and none of NAMESPACE,
CONDSTORE, QRESYNC, ESEARCH, LIST-STATUS, SPECIAL-USE, ENABLE or UNSELECT; it answers
``LIST ... RETURN (SPECIAL-USE)`` with ``BAD``. Measured with pymap 0.36.7.

Run as ``pymap --host 127.0.0.1 --port N --no-tls maildir DIR`` (the on-disk backend, which
reads its users from ``DIR/pymap-etc-passwd`` and ``DIR/pymap-etc-shadow`` at every login, so
users can be added while it runs). Passwords are stored as pymap's own
``$pbkdf2-sha256$rounds$salt$digest`` with few rounds: its default 500,000 cost 0.15 s per
login. Like :class:`tests.support.imapserver.Dovecot`: a free port, a start-up deadline,
``proc.poll()`` for an early exit, the log attached to every failure.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from imapclient import IMAPClient

from tests.support.imapserver import MailUser, free_port

STARTUP_SECONDS = 20.0
HASH_ROUNDS = 1000


class PymapError(RuntimeError):
    """pymap is missing or did not start; the message carries its log."""


def _password_hash(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, HASH_ROUNDS)
    b64 = base64.b64encode
    return f"$pbkdf2-sha256${HASH_ROUNDS}${b64(salt).decode()}${b64(digest).decode()}"


class Pymap:
    """One pymap server with its own directory.

    :ivar dir: its base directory (users files, one Maildir per user, the log).
    :ivar port: its plain IMAP port on 127.0.0.1.
    """

    host = "127.0.0.1"

    def __init__(self) -> None:
        if importlib.util.find_spec("pymap") is None:
            raise PymapError(
                "pymap is not installed: `pip install -r requirements-dev.txt` "
                "(scripts/test.sh does this)"
            )
        self.dir = Path(tempfile.mkdtemp(prefix="webmail-pymap-"))
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._users = 0
        (self.dir / "pymap-etc-passwd").write_text("")
        (self.dir / "pymap-etc-shadow").write_text("")

    def log(self) -> str:
        path = self.dir / "pymap.log"
        return path.read_text(errors="replace") if path.exists() else "(no log)"

    def start(self) -> None:
        """Start pymap and wait until it greets; raises PymapError."""
        log = (self.dir / "pymap.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; from pymap.main import main; sys.exit(main())",
             "--host", self.host, "--port", str(self.port), "--no-tls",
             "maildir", str(self.dir)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise PymapError(f"pymap exited with {self.proc.returncode}\n{self.log()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise PymapError(f"pymap did not answer on port {self.port} in time\n{self.log()}")

    def stop(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def cleanup(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def add_user(self) -> MailUser:
        """A new user with an empty mailbox (seen at its first login: pymap reads the files
        then)."""
        self._users += 1
        user = MailUser(f"pm{self._users}", f"secret-pm-{self._users}")
        with (self.dir / "pymap-etc-passwd").open("a") as f:
            f.write(f"{user.name}::1000:1000::{user.name}:\n")
        with (self.dir / "pymap-etc-shadow").open("a") as f:
            f.write(f"{user.name}:{_password_hash(user.password)}:::::::\n")
        return user

    def client(self, user: str, password: str) -> IMAPClient:
        c = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        c.normalise_times = False
        c.login(user, password)
        return c


def start_pymap() -> Pymap:
    """A started :class:`Pymap`; its directory is removed when it cannot start."""
    server = Pymap()
    try:
        server.start()
    except BaseException:
        server.cleanup()
        raise
    return server
